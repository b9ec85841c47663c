// buffering: asks forwarding to hold each body whole (the request's before it goes upstream,
// the response's before it goes to the client) and to send the request again while the
// retryExpression holds. The reading and the temporary files are the proxy's; this says the
// limits, judges the expression, and route test explains it.
#include "middleware/detail/kinds.hpp"

namespace bridge::middleware {

bool retry_wanted(const config::BufferingMiddleware& options, int64_t attempts, unsigned status) {
  if (!options.retry || attempts >= buffering_max_attempts) return false;
  using E = config::BreakerExpression;
  return config::holds(*options.retry, [&](const E& leaf) -> double {
    switch (leaf.metric) {
    case E::Metric::Attempts:
      return static_cast<double>(attempts);
    case E::Metric::ResponseCode:
      return status;
    case E::Metric::IsNetworkError:
      return status == 502 || status == 504 ? 1 : 0;
    default:
      return 0;
    }
  });
}

namespace detail {
namespace {

std::string limit_words(int64_t max, int64_t memory, std::string_view over) {
  std::string out =
      max > 0 ? "up to " + std::to_string(max) + " bytes (" + std::string(over) + " past that)"
              : std::string("no size limit");
  return out + ", in memory up to " + std::to_string(memory) + " bytes, then in a temporary file";
}

class Buffering final : public Middleware {
 public:
  Buffering(const std::string& name, const config::BufferingMiddleware& o)
      : Middleware(name, "buffering"), options_(o) {}

  void handle(const Request&, Effects& fx, Step& step) const override {
    if (fx.buffering) {
      if (fx.explain) step.detail = "bodies already held whole by an earlier buffering middleware";
      return;
    }
    fx.buffering.emplace(middleware::Buffering{&options_, fx.steps.size() - 1});
    if (!fx.explain) return;
    step.detail =
        "request body read whole before it goes upstream: " +
        limit_words(options_.max_request_body_bytes, options_.mem_request_body_bytes, "413") +
        "; response body read whole before it goes back: " +
        limit_words(options_.max_response_body_bytes, options_.mem_response_body_bytes, "500");
    if (options_.retry)
      step.detail += "; sent again (at most " + std::to_string(buffering_max_attempts) +
                     " attempts) while " + config::describe(*options_.retry);
  }

 private:
  config::BufferingMiddleware options_;
};

}  // namespace

std::unique_ptr<Middleware> make_buffering(const std::string& name,
                                           const config::BufferingMiddleware& options) {
  return std::make_unique<Buffering>(name, options);
}

}  // namespace detail
}  // namespace bridge::middleware
