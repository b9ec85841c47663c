// ipAllowList: requests from addresses outside sourceRange are refused (403 by default). The
// client is the peer, or with ipStrategy an address from X-Forwarded-For, as Traefik picks it.
#include "middleware/detail/kinds.hpp"
#include "middleware/detail/source.hpp"

#include <algorithm>

namespace bridge::middleware::detail {
namespace {

class IpAllowList final : public Middleware {
 public:
  IpAllowList(const std::string& name, const config::IpAllowListMiddleware& o)
      : Middleware(name, "ipAllowList"), o_(o) {
    for (const auto& range : o.source_range)
      if (auto network = route::IpNetwork::parse(range)) ranges_.push_back(*network);
    for (const auto& range : o.excluded_ips)
      if (auto network = route::IpNetwork::parse(range)) excluded_.push_back(*network);
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    std::string source;
    const std::string_view client = client_address(req, o_.depth, excluded_, source);
    const std::optional<route::IpAddress> ip =
        client.data() == req.client_ip.data() ? req.peer_ip : route::IpAddress::parse(client);
    const bool allowed =
        ip && std::any_of(ranges_.begin(), ranges_.end(),
                          [&](const route::IpNetwork& n) { return n.contains(*ip); });
    if (allowed) {
      if (fx.explain) step.detail = std::string(client) + " (" + source + ") is in sourceRange";
      return;
    }
    const std::string who = client.empty() ? "no client address" : std::string(client);
    step.detail =
        who + " (" + source + ") is not in sourceRange → " + std::to_string(o_.reject_status_code);
    fx.answer = Answer{static_cast<unsigned>(o_.reject_status_code),
                       {},
                       who + " is not allowed by \"" + name() + "\" (not in sourceRange)"};
  }

 private:
  config::IpAllowListMiddleware o_;
  std::vector<route::IpNetwork> ranges_, excluded_;
};

}  // namespace

std::unique_ptr<Middleware> make_ip_allow_list(const std::string& name,
                                               const config::IpAllowListMiddleware& options) {
  return std::make_unique<IpAllowList>(name, options);
}

}  // namespace bridge::middleware::detail
