#pragma once
/// Front-door policies a listener applies to every request before routing: path
/// normalization, encoded characters, header count and URI limits, underscores in names,
/// and whose forwarded headers are believed. Shared by the proxy and `bridge route test`,
/// so the explanation and the real request never disagree.

#include "config/config.hpp"
#include "http/http.hpp"
#include "route/route.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::proxy {

/// A listener's policies, compiled once per snapshot.
struct ListenerPolicy {
  std::string name;
  bridge::http::PathPolicy path;
  std::vector<route::IpNetwork> trusted;  // forwarded_headers.trusted_ips
  bool trust_everyone = false;            // forwarded_headers.insecure
  uint64_t max_connections = 0;
  bool http1 = true;  // http_protocols
  bool h2 = true;
  bool tcp = false;             // protocol = "tcp": connections go to [[tcp_routes]]
  bool proxy_protocol = false;  // reads PROXY headers from trusted peers
  std::vector<route::IpNetwork> proxy_trusted;  // proxy_protocol.trusted_ips
  bool proxy_trust_everyone = false;            // proxy_protocol.insecure
  config::Http2Limits http2;

  static ListenerPolicy from(const config::Listener& listener);
  /// Whether X-Forwarded-* and Forwarded from this peer are kept (else replaced).
  bool trusts(std::string_view client_ip) const;
  /// The same for an address parsed already (none: a unix socket peer, never trusted).
  bool trusts(const std::optional<route::IpAddress>& client_ip) const;
  /// Whether a PROXY header from this peer is read (proxy_protocol.trusted_ips).
  bool takes_proxy_header_from(std::string_view peer_ip) const;
};

/// Why a request is refused at the front door: the status and the JSON error code.
struct Refusal {
  int status = 400;
  std::string code = "bad_request";
  std::string message;
  std::string hint;
};

/// The request target after the front door: where it routes and what is forwarded.
struct FrontDoorTarget {
  std::string target;   // path (normalized) + "?" + query, as forwarded
  std::string decoded;  // percent-decoded path, what rules see
};

/// Normalizes the path of an origin-form `target` ("/a/b?x") under `policy`. Asterisk-form
/// ("*") is kept. Returns the refusal when the path is refused.
std::optional<Refusal> normalize_target(std::string_view target,
                                        const bridge::http::PathPolicy& policy,
                                        FrontDoorTarget& out);

/// The header-name policy for `name` containing '_': nullopt when it may pass.
/// (`action` is limits.headers_with_underscores; "drop" is applied by the caller.)
std::optional<Refusal> refuse_underscore(std::string_view name, std::string_view action);

/// Request bytes or text from a client, safe to put in JSON and logs: invalid UTF-8 as \xHH.
std::string printable(std::string_view text);

/// Headers a proxy sets from what it saw: removed when they come from an untrusted peer.
inline constexpr std::string_view forwarded_fields[] = {
    "X-Forwarded-For",    "X-Forwarded-Host",   "X-Forwarded-Proto", "X-Forwarded-Port",
    "X-Forwarded-Prefix", "X-Forwarded-Server", "X-Real-Ip",         "Forwarded"};

}  // namespace bridge::proxy
