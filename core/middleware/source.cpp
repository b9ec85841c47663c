#include "middleware/detail/source.hpp"

#include "common/text.hpp"

#include <algorithm>

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

std::vector<route::IpNetwork> networks(const std::vector<std::string>& ranges) {
  std::vector<route::IpNetwork> out;
  for (const auto& range : ranges)
    if (auto network = route::IpNetwork::parse(range)) out.push_back(*network);
  return out;
}

}  // namespace

std::string_view client_address(const Request& req, int64_t depth,
                                const std::vector<route::IpNetwork>& excluded, std::string& how) {
  if (depth <= 0 && excluded.empty()) {
    how = "peer";
    return req.client_ip;
  }
  const auto list = forwarded_for(*req.fields);
  if (depth > 0) {
    how = "X-Forwarded-For, depth " + std::to_string(depth);
    const auto at = static_cast<size_t>(depth);
    return at <= list.size() ? list[list.size() - at] : std::string_view();
  }
  how = "X-Forwarded-For, excluding excludedIPs";
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    auto ip = route::IpAddress::parse(*it);
    if (!ip) return {};
    if (std::none_of(excluded.begin(), excluded.end(),
                     [&](const route::IpNetwork& n) { return n.contains(*ip); }))
      return *it;
  }
  return {};
}

Source::Source(const config::SourceCriterion& criterion)
    : criterion_(criterion), excluded_(networks(criterion.excluded_ips)) {}

std::string Source::key(const Request& req, std::string& how) const {
  if (!criterion_.request_header_name.empty()) {
    how = criterion_.request_header_name;
    return std::string(req.fields->get(criterion_.request_header_name));
  }
  if (criterion_.request_host) {
    how = "Host";
    return std::string(req.host);
  }
  return std::string(client_address(req, criterion_.depth, excluded_, how));
}

}  // namespace bridge::middleware::detail
