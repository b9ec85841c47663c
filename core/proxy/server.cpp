// The proxy server: workers, listeners, signals, reload and drain.
#include "proxy/detail/config_watch.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/proxy.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <thread>

namespace bridge::proxy {

using Binds = std::vector<std::pair<std::string, tcp::endpoint>>;

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<AccessLog> access_log;
  std::vector<std::unique_ptr<Worker>> workers;
  asio::io_context control{1};
  std::unique_ptr<ConfigWatch> watch;
  std::map<std::string, tcp::endpoint> bound;  // listener name -> endpoint actually bound
  int exit_status = 0;

  Result<Binds> resolve_binds(const config::Config& config, bool probe);
  void reload(const char* why);
  asio::awaitable<void> signal_loop();
  asio::awaitable<void> drain();
};

// Each listener is bound once without SO_REUSEPORT first: that fails when anyone (even another
// bridge) holds the port, where a SO_REUSEPORT bind would silently share it. Port 0 becomes the
// port the kernel picked, so that every worker binds the same one.
Result<Binds> Server::Impl::resolve_binds(const config::Config& config, bool probe) {
  Binds binds;
  for (const auto& listener : config.listeners) {
    if (listener.tls) {
      // Serving plain HTTP where the config asks for HTTPS would be a lie: skip it, loudly.
      if (probe) {
        spdlog::warn("listener \"{}\" ({}): HTTPS listeners are not available in this build; "
                     "skipped", listener.name, listener.bind);
      }
      continue;
    }
    auto endpoint = parse_bind(listener.bind);
    if (!endpoint) {
      Error e = endpoint.error();
      e.message = "listener \"" + listener.name + "\": " + e.message;
      e.where = config.origin("listeners." + listener.name + ".bind");
      return e;
    }
    auto known = bound.find(listener.name);
    if (known != bound.end() && (endpoint->port() == 0 ? known->second.address() == endpoint->address()
                                                        : known->second == *endpoint)) {
      binds.emplace_back(listener.name, known->second);
      continue;
    }
    if (probe || endpoint->port() == 0) {
      auto opened = open_acceptor(control, *endpoint, false);
      if (!opened) {
        Error e = opened.error();
        e.message = "listener \"" + listener.name + "\": " + e.message;
        return e;
      }
      error_code ec;
      *endpoint = (*opened)->local_endpoint(ec);
    }
    binds.emplace_back(listener.name, *endpoint);
  }
  return binds;
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Server::~Server() = default;

Result<std::vector<BoundListener>> Server::start(std::shared_ptr<const Snapshot> snapshot) {
  auto& s = *impl_;
  const config::Config& config = snapshot->config;
  s.snapshot = snapshot;
  s.access_log = AccessLog::create(config.bridge.access_log, config.bridge.access_log_format);
  auto binds = s.resolve_binds(config, true);
  if (!binds) return binds.error();
  int count = config.bridge.workers > 0 ? config.bridge.workers
                                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(i, s.access_log);
    worker->set_snapshot(snapshot);
    auto synced = worker->sync_listeners(*binds);  // not running yet: safe from this thread
    if (!synced) return synced.error();
    s.workers.push_back(std::move(worker));
  }
  std::vector<BoundListener> out;
  for (const auto& [name, endpoint] : *binds) {
    s.bound[name] = endpoint;
    std::string host = endpoint.address().to_string();
    if (endpoint.address().is_v6()) host = "[" + host + "]";
    bool tls = false;
    for (const auto& l : config.listeners) {
      if (l.name == name) tls = l.tls.has_value();
    }
    out.push_back({name, host + ":" + std::to_string(endpoint.port()), tls});
  }
  for (auto& worker : s.workers) worker->start_thread();
  s.watch = std::make_unique<ConfigWatch>(s.control, [&s] { s.reload("config file changed"); });
  s.watch->watch(config.files);
  return out;
}

void Server::Impl::reload(const char* why) {
  auto loaded = config::load(options.load);
  if (!loaded) {
    const Error& e = loaded.error();
    spdlog::error("reload ({}) failed, still serving the previous config: {}{}{}", why,
                  e.where.source.empty() ? "" : e.where.str() + ": ", e.message,
                  e.hint.empty() ? "" : " (" + e.hint + ")");
    return;
  }
  if (loaded->hash == snapshot->config.hash) return;  // nothing changed (e.g. an editor's touch)
  auto built = build_snapshot(std::move(*loaded));
  if (!built) {
    const Error& e = built.error();
    spdlog::error("reload ({}) failed, still serving the previous config: {}{}", why,
                  e.where.source.empty() ? "" : e.where.str() + ": ", e.message);
    return;
  }
  auto binds = resolve_binds((*built)->config, false);
  if (!binds) {
    spdlog::error("reload ({}) failed: {}", why, binds.error().message);
    return;
  }
  snapshot = *built;
  bound.clear();
  for (const auto& [name, endpoint] : *binds) bound[name] = endpoint;
  for (auto& worker : workers) {
    asio::post(worker->context(), [w = worker.get(), snap = snapshot, b = *binds] {
      w->set_snapshot(snap);
      auto synced = w->sync_listeners(b);
      if (!synced) spdlog::error("reload: {}", synced.error().message);
    });
  }
  watch->watch(snapshot->config.files);
  spdlog::info("reloaded ({}): config {} ({} routes, {} listeners)", why,
               snapshot->config.hash.substr(0, 12), snapshot->config.routes.size(),
               snapshot->config.listeners.size());
}

asio::awaitable<void> Server::Impl::signal_loop() {
  asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  for (;;) {
    auto [ec, signal] = co_await signals.async_wait(nothrow);
    if (ec) co_return;
    if (signal == SIGHUP) {
      reload("SIGHUP");
      continue;
    }
    spdlog::info("{}: draining (up to {} ms)", signal == SIGINT ? "SIGINT" : "SIGTERM",
                 snapshot->config.limits.drain_timeout.count());
    co_await drain();
    control.stop();
    co_return;
  }
}

asio::awaitable<void> Server::Impl::drain() {
  for (auto& worker : workers) {
    asio::post(worker->context(), [w = worker.get()] { w->begin_drain(); });
  }
  auto deadline = Clock::now() + snapshot->config.limits.drain_timeout;
  asio::steady_timer timer(control);
  for (;;) {
    size_t open = 0;
    for (auto& worker : workers) open += worker->live_connections().load();
    if (open == 0) break;
    if (Clock::now() >= deadline) {
      spdlog::warn("drain timeout: closing {} connection(s)", open);
      break;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(nothrow);
  }
}

int Server::run() {
  auto& s = *impl_;
  asio::co_spawn(s.control, s.signal_loop(), asio::detached);
  s.control.run();
  s.workers.clear();  // stops and joins every worker
  spdlog::info("stopped");
  return s.exit_status;
}

}  // namespace bridge::proxy
