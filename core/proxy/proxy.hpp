#pragma once
/// `bridge up`: the proxy server. Owns the workers, the listeners, reloads and draining.

#include "config/config.hpp"
#include "proxy/snapshot.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bridge::proxy {

struct BoundListener {
  std::string name;
  std::string address;  // "127.0.0.1:8080" as actually bound
  bool tls = false;
};

struct ServerOptions {
  config::LoadOptions load;  // how to reload the config (SIGHUP, file changes)
  std::string version;       // shown by the admin API and in spans
  // On SIGTERM keep serving this long while /readyz says 503, so a load balancer (a
  // Kubernetes Service) stops sending traffic before connections are refused.
  std::chrono::milliseconds drain_delay{0};
  // Re-read the config files this often and reload when their contents changed: the fallback
  // for changes inotify cannot see (files behind symlinks, network filesystems). 0 = off.
  std::chrono::milliseconds config_poll{2000};
  std::function<void(const std::vector<BoundListener>&, const Snapshot&)> on_started;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds every listener and starts the workers. Errors: port taken, bad address (exit 1).
  Result<std::vector<BoundListener>> start(std::shared_ptr<const Snapshot> snapshot);
  /// Serves until SIGINT/SIGTERM, then drains. Returns the exit status (0 after a clean drain).
  int run();
  /// Where the admin API listens ("127.0.0.1:9901", "unix:/path"); empty when off.
  std::string admin_address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridge::proxy
