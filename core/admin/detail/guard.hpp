#pragma once
// Who may talk to the admin API. A page in the developer's browser can reach 127.0.0.1, so
// every request is checked before it is handled: its Host must name this admin API (DNS
// rebinding), an Origin must be the admin's own (cross-site requests), and a request that
// changes something must say Content-Type: application/json, which a page cannot send to
// another origin without a CORS preflight that bridge never grants. Pure code, unit-tested.

#include "admin/detail/handlers.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::admin {

struct Access {
  bool unix_socket = false;
  /// Host values (lowercase authority) this admin API answers to.
  std::vector<std::string> authorities;
  std::string token;         // bridge.admin_token; empty = none asked
  bool probes_only = false;  // bridge.admin_probes_only

  /// A TCP admin API bound at `host` (an IP literal, v6 without brackets) and `port`:
  /// localhost, 127.0.0.1 and [::1] with the port, plus the bound address when it is neither
  /// loopback nor the wildcard. Port 80 also allows the names without a port.
  static Access tcp(std::string_view host, uint16_t port);
  /// A unix-socket admin API: no browser can reach it, and clients send "localhost" (bridge's
  /// CLI, `curl --unix-socket`), so the loopback names with or without a port are accepted.
  static Access unix_path();
};

/// The parts of an admin request the checks read; views into the parsed request.
struct Head {
  std::string_view method;
  std::string_view path;
  std::optional<std::string_view> host;  // nullopt when absent
  size_t host_count = 0;
  std::optional<std::string_view> origin;
  std::optional<std::string_view> content_type;
  std::string_view authorization;
  /// TCP: "ip:port" of the local end of this connection, also accepted as Host (an admin
  /// bound to 0.0.0.0 is reached by an address of the machine). Empty on a unix socket.
  std::string local_authority;
};

/// GET /healthz and GET /readyz: open to any Host (kubelet sends the pod IP) and to the
/// probes-only admin API.
bool is_probe(std::string_view method, std::string_view path);

/// nullopt when the request may be handled; otherwise the answer: 404 (probes only),
/// 403 (Host, Origin), 401 (token) or 415 (Content-Type), each a JSON error that says why.
std::optional<Reply> check_access(const Access& access, const Head& head);

}  // namespace bridge::admin
