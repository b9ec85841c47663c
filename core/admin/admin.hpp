#pragma once
/// The admin API (README.md, "Admin API reference"): JSON over HTTP/1.1 on TCP or a unix
/// socket, served by bridge itself on the control thread. Whoever serves it (proxy's Server)
/// hands it a Context: everything the handlers read or change, passed in, so that admin/ never
/// includes proxy/.

#include "admin/breakpoint_control.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "route/route.hpp"
#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bridge::admin {

namespace asio = boost::asio;

/// The config bridge serves now. Both pointers point into one snapshot of it, which `owner`
/// keeps alive while the view is held.
struct ServedConfig {
  std::shared_ptr<const void> owner;
  const config::Config* config = nullptr;
  const route::Table* table = nullptr;
};

/// One route as GET /v1/routes shows it, with its targets' health now.
struct RouteState {
  struct Target {
    std::string url;      // as configured
    std::string address;  // "host:port", "builtin", or "" while a dynamic target is pending
    std::string state;    // "up", "down" or "pending"
    std::string detail;   // why it is down; "" otherwise
  };
  std::string name;
  int64_t priority = 0;
  std::string rule;
  std::vector<std::string> listeners;
  std::string upstream;
  std::string balance;
  std::vector<Target> targets;
};

/// What the admin API needs from the server that runs it. Called on the control thread only;
/// the pointers outlive the admin API.
struct Context {
  trace::Store* store = nullptr;
  trace::Metrics* metrics = nullptr;
  BreakpointControl* breakpoints = nullptr;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::function<uint64_t()> requests;  // requests served so far
  std::function<ServedConfig()> served;
  std::function<std::vector<RouteState>()> routes;
  std::function<nlohmann::json()> status;         // server-specific fields of /v1/status
  std::function<Result<std::string>()> reload;    // new config hash, or the config error
  std::function<std::string()> not_ready_reason;  // empty when ready
  std::function<uint64_t()> open_connections;
  std::function<uint64_t()> idle_upstream_connections;
  std::string version;
  std::string profile;
  asio::any_io_executor executor;  // the control thread's (set by Server)
};

/// Where the admin API listens and what it lets a connection do.
struct Options {
  std::string address = "127.0.0.1:9901";           // "127.0.0.1:9901", "[::1]:0", "unix:/path"
  std::string token;                                // bridge.admin_token
  bool probes_only = false;                         // bridge.admin_probes_only
  std::chrono::milliseconds header_timeout{10000};  // limits.header_timeout
  std::chrono::milliseconds idle_timeout{60000};    // limits.idle_timeout
  size_t max_header_bytes = 64 * 1024;              // limits.max_header_bytes
  size_t max_connections = 64;                      // limits.admin_connections
  static Options from(const config::Config& config);
};

class Server {
 public:
  Server(asio::io_context& context, Context admin);
  ~Server();
  /// Binds `options.address`; returns the bound address ("127.0.0.1:9901", "unix:/path").
  /// A unix socket path replaces only an old socket nobody listens on, never another file.
  Result<std::string> start(const Options& options);
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace bridge::admin
