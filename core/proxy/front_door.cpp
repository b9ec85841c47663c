#include "proxy/front_door.hpp"

namespace bridge::proxy {

ListenerPolicy ListenerPolicy::from(const config::Listener& listener) {
  ListenerPolicy policy;
  policy.name = listener.name;
  policy.path.sanitize = listener.sanitize_path;
  const config::EncodedCharacters& e = listener.encoded_characters;
  policy.path.allowed = {e.slash,   e.backslash,     e.null, e.semicolon,
                         e.percent, e.question_mark, e.hash};
  for (const auto& ip : listener.forwarded_headers.trusted_ips) {
    if (auto network = route::IpNetwork::parse(ip)) policy.trusted.push_back(*network);
  }
  policy.trust_everyone = listener.forwarded_headers.insecure;
  policy.max_connections = listener.max_connections;
  policy.http1 = listener.allows_http1();
  policy.h2 = listener.allows_h2();
  policy.http2 = listener.http2;
  policy.tcp = listener.is_tcp();
  if (listener.proxy_protocol) {
    policy.proxy_protocol = true;
    policy.proxy_trust_everyone = listener.proxy_protocol->insecure;
    for (const auto& ip : listener.proxy_protocol->trusted_ips)
      if (auto network = route::IpNetwork::parse(ip)) policy.proxy_trusted.push_back(*network);
  }
  return policy;
}

bool ListenerPolicy::trusts(std::string_view client_ip) const {
  return trusts(route::IpAddress::parse(client_ip));
}

bool ListenerPolicy::trusts(const std::optional<route::IpAddress>& ip) const {
  if (trust_everyone) return true;
  if (!ip) return false;  // a unix socket peer has no address: nothing vouches for it
  for (const auto& network : trusted) {
    if (network.contains(*ip)) return true;
  }
  return false;
}

std::optional<Refusal> normalize_target(std::string_view target,
                                        const bridge::http::PathPolicy& policy,
                                        FrontDoorTarget& out) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  auto normalized = bridge::http::normalize_path(path, policy);
  if (!normalized.refused.empty()) {
    return Refusal{400, "bad_request", normalized.refused,
                   "encode the path differently, or allow the character on the listener"};
  }
  out.target = std::move(normalized.path);
  if (q != std::string_view::npos) out.target.append(target.substr(q));
  out.decoded = std::move(normalized.decoded);
  return std::nullopt;
}

std::optional<Refusal> refuse_underscore(std::string_view name, std::string_view action) {
  if (action != "reject" || name.find('_') == std::string_view::npos) return std::nullopt;
  return Refusal{400, "bad_request",
                 "header name \"" + printable(name) +
                     "\" contains an underscore (CGI, WSGI and PHP backends read it as the "
                     "dashed name)",
                 "send it with dashes, or set limits.headers_with_underscores = \"drop\" or "
                 "\"allow\""};
}

std::string printable(std::string_view text) {
  auto escaped = bridge::http::escape_invalid_utf8(text);
  return escaped ? std::move(*escaped) : std::string(text);
}

bool ListenerPolicy::takes_proxy_header_from(std::string_view peer_ip) const {
  if (!proxy_protocol) return false;
  if (proxy_trust_everyone) return true;
  auto ip = route::IpAddress::parse(peer_ip);
  return ip && std::any_of(proxy_trusted.begin(), proxy_trusted.end(),
                           [&](const route::IpNetwork& n) { return n.contains(*ip); });
}

}  // namespace bridge::proxy
