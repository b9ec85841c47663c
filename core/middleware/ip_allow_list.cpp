// ipAllowList: requests from addresses outside sourceRange are refused (403 by default). The
// client is the peer, or with ipStrategy an address from X-Forwarded-For, as Traefik picks it.
#include "common/text.hpp"
#include "middleware/detail/kinds.hpp"

namespace bridge::middleware::detail {
namespace {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// X-Forwarded-For's addresses, every field joined, in order.
std::vector<std::string_view> forwarded_for(const http::Fields& fields) {
  std::vector<std::string_view> out;
  for (const http::FieldRef f : fields) {
    if (!iequals(f.name, "X-Forwarded-For")) continue;
    for (std::string_view rest = f.value; !rest.empty();) {
      const size_t comma = rest.find(',');
      out.push_back(trim_ows(rest.substr(0, comma)));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return out;
}

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
    std::string_view client = req.client_ip;
    std::optional<route::IpAddress> ip = req.peer_ip;
    std::string source = "peer";
    if (o_.depth > 0 || !excluded_.empty()) {
      client = pick_forwarded(*req.fields, source);
      ip = route::IpAddress::parse(client);
    }
    const bool allowed =
        ip && std::any_of(ranges_.begin(), ranges_.end(),
                          [&](const route::IpNetwork& n) { return n.contains(*ip); });
    if (allowed) {
      step.detail = std::string(client) + " (" + source + ") is in sourceRange";
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
  std::string_view pick_forwarded(const http::Fields& fields, std::string& source) const {
    const auto list = forwarded_for(fields);
    if (o_.depth > 0) {
      source = "X-Forwarded-For, depth " + std::to_string(o_.depth);
      const auto depth = static_cast<size_t>(o_.depth);
      return depth <= list.size() ? list[list.size() - depth] : std::string_view();
    }
    source = "X-Forwarded-For, excluding excludedIPs";
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      auto ip = route::IpAddress::parse(*it);
      if (!ip) return {};
      const bool skip = std::any_of(excluded_.begin(), excluded_.end(),
                                    [&](const route::IpNetwork& n) { return n.contains(*ip); });
      if (!skip) return *it;
    }
    return {};
  }

  config::IpAllowListMiddleware o_;
  std::vector<route::IpNetwork> ranges_, excluded_;
};

}  // namespace

std::unique_ptr<Middleware> make_ip_allow_list(const std::string& name,
                                               const config::IpAllowListMiddleware& options) {
  return std::make_unique<IpAllowList>(name, options);
}

}  // namespace bridge::middleware::detail
