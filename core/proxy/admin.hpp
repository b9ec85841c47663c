#pragma once
/// The admin API (docs/admin-api.md): JSON over HTTP/1.1, served by bridge itself on the
/// control thread, on TCP or a unix socket.

#include "common/error.hpp"
#include "proxy/detail/asio.hpp"
#include "proxy/detail/runtime.hpp"
#include "proxy/snapshot.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

namespace bridge::proxy {

/// What the admin API needs from the server; all called on the control thread.
struct AdminHooks {
  Runtime* runtime = nullptr;
  std::function<std::shared_ptr<const Snapshot>()> snapshot;
  std::function<nlohmann::json()> status;         // server-specific fields of /v1/status
  std::function<Result<std::string>()> reload;    // new config hash, or the config error
  std::function<std::string()> not_ready_reason;  // empty when ready
  std::function<uint64_t()> open_connections;
  std::function<uint64_t()> idle_upstream_connections;
  std::string version;
  std::string profile;
  asio::any_io_executor executor;  // the control thread's (set by AdminServer)
};

/// Where the admin API listens and what it lets a connection do.
struct AdminOptions {
  std::string address = "127.0.0.1:9901";  // "127.0.0.1:9901", "[::1]:0", "unix:/path"
  std::string token;                       // bridge.admin_token
  bool probes_only = false;                // bridge.admin_probes_only
  std::chrono::milliseconds header_timeout{10000};  // limits.header_timeout
  std::chrono::milliseconds idle_timeout{60000};    // limits.idle_timeout
  size_t max_header_bytes = 64 * 1024;              // limits.max_header_bytes
  size_t max_connections = 64;                      // limits.admin_connections
  static AdminOptions from(const config::Config& config);
};

class AdminServer {
 public:
  AdminServer(asio::io_context& context, AdminHooks hooks);
  ~AdminServer();
  /// Binds `options.address`; returns the bound address ("127.0.0.1:9901", "unix:/path").
  /// A unix socket path replaces only an old socket nobody listens on, never another file.
  Result<std::string> start(const AdminOptions& options);
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bridge::proxy
