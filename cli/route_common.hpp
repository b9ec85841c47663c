#pragma once
// What `route list`, `route test` and `route test tcp://` share: the snapshot they explain,
// and which listener a test connection arrives on.

#include "commands.hpp"
#include "proxy/snapshot.hpp"

#include <memory>
#include <optional>
#include <string>

namespace bridge::cli {

/// The config of `global`, compiled as `bridge up` would; null (error printed) when either
/// step fails.
std::shared_ptr<const proxy::Snapshot> load_snapshot(const GlobalOptions& global);

/// --listener when given (an unknown name is printed as a usage error: nullopt), else the
/// listener bound to `port`, else the first with a warning.
std::optional<std::string> resolve_listener(const config::Config& cfg,
                                            const std::string& listener_arg, uint16_t port);

/// What a TCP route does with TLS: "passthrough", "terminate", or "" (plain TCP).
inline std::string tls_mode(const config::TcpRoute& route) {
  return route.tls_passthrough ? "passthrough" : route.tls_terminate ? "terminate" : "";
}

}  // namespace bridge::cli
