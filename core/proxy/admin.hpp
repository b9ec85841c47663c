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

class AdminServer {
 public:
  AdminServer(asio::io_context& context, AdminHooks hooks);
  ~AdminServer();
  /// Binds `address` ("127.0.0.1:9901", "[::1]:0", "unix:/path"); returns the bound address
  /// ("127.0.0.1:9901", "unix:/path").
  Result<std::string> start(const std::string& address, const std::string& token,
                            bool probes_only);
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bridge::proxy
