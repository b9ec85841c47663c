// retry: asks forwarding for more attempts when the upstream cannot be reached or fails before
// answering. The attempts themselves (and the back-off between them) are the proxy's; this
// says how many and how far apart, and route test explains it.
#include "middleware/detail/kinds.hpp"

namespace bridge::middleware::detail {
namespace {

class Retry final : public Middleware {
 public:
  Retry(const std::string& name, const config::RetryMiddleware& o)
      : Middleware(name, "retry"), policy_{o.attempts, o.initial_interval, 0} {}

  void handle(const Request&, Effects& fx, Step& step) const override {
    RetryPolicy& policy = fx.retry.emplace(policy_);
    policy.step = fx.steps.size() - 1;
    if (!fx.explain) return;
    step.detail = "up to " + std::to_string(policy_.attempts) + " attempts";
    if (policy_.attempts > 1)
      step.detail += ", " + std::to_string(policy_.initial_interval.count()) +
                     " ms before the first retry, doubling; on connection failures and "
                     "upstreams that close before answering, not once the request body was sent";
  }

 private:
  RetryPolicy policy_;
};

}  // namespace

std::unique_ptr<Middleware> make_retry(const std::string& name,
                                       const config::RetryMiddleware& options) {
  return std::make_unique<Retry>(name, options);
}

}  // namespace bridge::middleware::detail
