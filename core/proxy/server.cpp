// The proxy server: workers, listeners, signals, reload and drain; it serves the admin API.
#include "admin/admin.hpp"
#include "common/spawn.hpp"
#include "otlp/otlp.hpp"
#include "proxy/detail/config_watch.hpp"
#include "proxy/detail/health.hpp"
#include "proxy/detail/label_watch.hpp"
#include "proxy/detail/route_states.hpp"
#include "proxy/detail/served_certificates.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/proxy.hpp"
#include "tls/acme_listeners.hpp"
#include "tls/tls.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

namespace bridge::proxy {

using Binds = std::vector<std::pair<std::string, tcp::endpoint>>;

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<AccessLog> access_log;
  std::vector<std::unique_ptr<Worker>> workers;
  asio::io_context control{1};
  // Registered in start(), before any port opens: a SIGTERM that arrives as soon as a
  // listener accepts must drain and exit 0, not kill the process.
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<ConfigWatch> watch;
  std::unique_ptr<LabelWatch> labels;          // docker-labels sources: their containers' events
  std::map<std::string, tcp::endpoint> bound;  // listener name -> endpoint actually bound
  std::unique_ptr<discovery::Registry> discovery;
  std::unique_ptr<Runtime> runtime;   // what the workers share
  std::atomic<bool> draining{false};  // /readyz answers 503 once set
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::unique_ptr<otlp::SpanExporter> spans;
  std::unique_ptr<admin::Server> admin;
  std::string admin_address;
  bool serving = false;
  int exit_status = 0;
  std::shared_ptr<const ListenerTlsMap> tls;
  ServedCertificates served;  // the certificate files behind `tls`
  // Last: its thread posts to `control` and publishes into `runtime`, so it stops first.
  std::unique_ptr<tls::AcmeListeners> acme;

  Result<Binds> resolve_binds(const config::Config& config, bool probe);
  Result<std::shared_ptr<const ListenerTlsMap>> build_tls(const config::Config& config);
  void install_acme(const std::string& listener);
  Result<std::string> reload(const char* why);
  Result<void> reload_certificates(const char* why);
  void publish_tls(std::shared_ptr<const ListenerTlsMap> map);
  Result<void> start_admin(const config::Config& config);
  nlohmann::json status_json();
  asio::awaitable<void> signal_loop();
  asio::awaitable<void> drain();
};

// Server contexts for the HTTPS listeners, built before anything binds so that a bad
// certificate stops startup (or a reload) with the file named. Listeners with tls.auto = "acme"
// get theirs from `acme`, which keeps them across reloads; commit it once the config is in use.
Result<std::shared_ptr<const ListenerTlsMap>>
Server::Impl::build_tls(const config::Config& config) {
  acme->discard();
  auto map = std::make_shared<ListenerTlsMap>();
  for (const auto& listener : config.listeners) {
    if (!listener.tls) continue;
    auto fail = [&](Error e) {
      e.message = "listener \"" + listener.name + "\": " + e.message;
      if (e.where.source.empty()) e.where = config.origin("listeners." + listener.name + ".tls");
      return e;
    };
    bool by_acme = listener.tls->automatic == "acme";
    if (by_acme && !config.acme.ca_bundle.empty() &&
        !std::filesystem::exists(config.acme.ca_bundle)) {
      return Error::config("acme.ca_bundle: " + config.acme.ca_bundle + " does not exist",
                           config.origin("acme.ca_bundle"),
                           "the PEM roots that sign the ACME server's HTTPS certificate; leave "
                           "it out for Let's Encrypt");
    }
    auto context =
        by_acme ? acme->context(listener, config.acme) : tls::make_server_context(listener, {});
    if (!context) return fail(context.error());
    (*map)[listener.name] = *context;
  }
  return std::shared_ptr<const ListenerTlsMap>(std::move(map));
}

// An ACME certificate arrived for `listener`: new connections get it, the same way a reload
// swaps contexts. Control thread.
void Server::Impl::install_acme(const std::string& listener) {
  auto context = acme->current(listener);
  if (!context || !tls->contains(listener)) return;
  auto map = std::make_shared<ListenerTlsMap>(*tls);
  (*map)[listener] = context;
  publish_tls(std::move(map));
}

// New connections get the contexts of `map`; those under way keep theirs. Control thread.
void Server::Impl::publish_tls(std::shared_ptr<const ListenerTlsMap> map) {
  tls = std::move(map);
  for (auto& worker : workers) {
    asio::post(worker->context(), [w = worker.get(), t = tls] { w->set_tls(t); });
  }
}

// The config is unchanged, but certificate files may have been rewritten in place (`bridge
// cert issue --out`, cert-manager renewing a mounted Secret): serve them. A file that cannot be
// served keeps the previous certificate.
Result<void> Server::Impl::reload_certificates(const char* why) {
  ServedCertificates now = ServedCertificates::of(snapshot->config);
  if (now.digest == served.digest) return {};
  auto new_tls = build_tls(snapshot->config);
  if (!new_tls) {
    runtime->records.metrics().reloads_failed.fetch_add(1);
    const Error& e = new_tls.error();
    spdlog::error("reload ({}) failed, still serving the previous certificates: {}{}{}", why,
                  e.where.source.empty() ? "" : e.where.str() + ": ", e.message,
                  e.hint.empty() ? "" : " (" + e.hint + ")");
    return e;
  }
  acme->commit();
  publish_tls(*new_tls);
  runtime->records.metrics().reloads_ok.fetch_add(1);
  spdlog::info("reloaded ({}): certificate files changed", why);
  log_certificate_changes(snapshot->config, served, now);
  served = std::move(now);
  return {};
}

// HTTP-01 is answered by the plain HTTP listeners; without one no validation can succeed.
void warn_without_plain_listener(const config::Config& config) {
  bool acme = false, plain = false;
  for (const auto& l : config.listeners) {
    acme = acme || (l.tls && l.tls->automatic == "acme");
    plain = plain || !l.tls;
  }
  if (acme && !plain) {
    spdlog::warn("acme: no plain HTTP listener to answer HTTP-01 challenges: add one that the "
                 "ACME server reaches on port 80, e.g. bind = \"0.0.0.0:80\"");
  }
}

// Each listener is bound once without SO_REUSEPORT first: that fails when anyone (even another
// bridge) holds the port, where a SO_REUSEPORT bind would silently share it. Port 0 becomes the
// port the kernel picked, so that every worker binds the same one.
Result<Binds> Server::Impl::resolve_binds(const config::Config& config, bool probe) {
  Binds binds;
  for (const auto& listener : config.listeners) {
    auto endpoint = parse_bind(listener.bind);
    if (!endpoint) {
      Error e = endpoint.error();
      e.message = "listener \"" + listener.name + "\": " + e.message;
      e.where = config.origin("listeners." + listener.name + ".bind");
      return e;
    }
    auto known = bound.find(listener.name);
    if (known != bound.end() &&
        (endpoint->port() == 0 ? known->second.address() == endpoint->address()
                               : known->second == *endpoint)) {
      binds.emplace_back(listener.name, known->second);
      continue;
    }
    if (probe || endpoint->port() == 0) {
      // Bind without listening: a listening probe would accept a client's first connection
      // into its queue and reset it when closed. Binding alone still finds a taken port.
      auto opened = open_acceptor(control, *endpoint, false, false);
      if (!opened) {
        Error e = opened.error();
        e.message = "listener \"" + listener.name + "\": " + e.message;
        e.where = config.origin("listeners." + listener.name + ".bind");
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

std::string Server::admin_address() const { return impl_->admin_address; }

Result<std::vector<BoundListener>> Server::start(std::shared_ptr<const Snapshot> snapshot) {
  auto& s = *impl_;
  s.signals = std::make_unique<asio::signal_set>(s.control, SIGINT, SIGTERM, SIGHUP);
  int count = snapshot->config.bridge.workers > 0
                  ? snapshot->config.bridge.workers
                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.runtime =
      std::make_unique<Runtime>(snapshot->config.trace.store_size, static_cast<size_t>(count));
  // Rebuilt with metrics so every route and upstream has its series from the first request.
  std::error_code cwd_error;
  s.discovery = std::make_unique<discovery::Registry>(
      discovery::Options{std::filesystem::current_path(cwd_error).string(), {}});
  auto with_metrics =
      build_snapshot(snapshot->config, &s.runtime->records.metrics(), s.discovery.get());
  if (!with_metrics) return with_metrics.error();
  snapshot = *with_metrics;
  const config::Config& config = snapshot->config;
  s.snapshot = snapshot;
  if (!config.trace.otlp_endpoint.empty()) {
    s.spans = std::make_unique<otlp::SpanExporter>(config.trace.otlp_endpoint, s.options.version,
                                                   s.runtime->records.metrics());
    s.runtime->records.set_spans(s.spans.get());
  }
  s.access_log = AccessLog::create(config.bridge.access_log, config.bridge.access_log_format);
  s.acme =
      std::make_unique<tls::AcmeListeners>(s.runtime->acme_challenges, [&s](const std::string& n) {
        asio::post(s.control, [&s, n] { s.install_acme(n); });
      });
  auto tls = s.build_tls(config);
  if (!tls) return tls.error();
  s.tls = *tls;
  s.served = ServedCertificates::of(config);
  auto binds = s.resolve_binds(config, true);
  if (!binds) return binds.error();
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(i, s.access_log, *s.runtime);
    worker->set_snapshot(snapshot);
    worker->set_tls(s.tls);
    auto synced = worker->sync_listeners(*binds);  // not running yet: safe from this thread
    if (!synced) {
      Error e = synced.error();
      if (!e.subject.empty()) e.where = config.origin("listeners." + e.subject + ".bind");
      return e;
    }
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
  if (auto admin = s.start_admin(config); !admin) return admin.error();
  for (auto& worker : s.workers) worker->start_thread();
  s.serving = true;
  warn_without_plain_listener(config);
  s.acme->commit();  // after the workers: the plain listeners must answer HTTP-01
  auto current = [&s] { return s.snapshot; };
  asio::co_spawn(s.control, run_health_checks(current), log_failure("health checks"));
  asio::co_spawn(s.control, log_discovery_changes(current), log_failure("discovery changes"));
  s.watch = std::make_unique<ConfigWatch>(
      s.control, [&s] { (void)s.reload("watched file changed"); }, s.options.config_poll);
  s.watch->watch(ServedCertificates::watched(config, s.served));
  s.labels =
      std::make_unique<LabelWatch>(s.control, [&s] { (void)s.reload("container labels changed"); });
  s.labels->watch(config.label_projects);
  return out;
}

Result<std::string> Server::Impl::reload(const char* why) {
  auto failed = [&](const Error& e) -> Result<std::string> {
    runtime->records.metrics().reloads_failed.fetch_add(1);
    spdlog::error("reload ({}) failed, still serving the previous config: {}{}{}", why,
                  e.where.source.empty() ? "" : e.where.str() + ": ", e.message,
                  e.hint.empty() ? "" : " (" + e.hint + ")");
    return e;
  };
  auto loaded = config::load(options.load);
  if (!loaded) return failed(loaded.error());
  for (const Error& w : loaded->warnings)
    spdlog::warn("{}{}{}", w.where.source.empty() ? "" : w.where.str() + ": ", w.message,
                 w.hint.empty() ? "" : " (" + w.hint + ")");
  // The config did not change (an editor's touch, a ConfigMap resync): keep everything as it
  // is, except certificates whose files changed.
  if (loaded->hash == snapshot->config.hash) {
    if (auto certificates = reload_certificates(why); !certificates) return certificates.error();
    return snapshot->config.hash;
  }
  auto built = build_snapshot(std::move(*loaded), &runtime->records.metrics(), discovery.get());
  if (!built) return failed(built.error());
  auto new_tls = build_tls((*built)->config);
  if (!new_tls) return failed(new_tls.error());
  auto binds = resolve_binds((*built)->config, false);
  if (!binds) {
    acme->discard();
    return failed(binds.error());
  }
  acme->commit();
  tls = *new_tls;
  snapshot = *built;
  ServedCertificates now = ServedCertificates::of(snapshot->config);
  log_certificate_changes(snapshot->config, served, now);
  served = std::move(now);
  bound.clear();
  for (const auto& [name, endpoint] : *binds) bound[name] = endpoint;
  for (auto& worker : workers) {
    asio::post(worker->context(), [w = worker.get(), snap = snapshot, b = *binds, t = tls] {
      w->set_snapshot(snap);
      w->set_tls(t);
      auto synced = w->sync_listeners(b);
      if (!synced) spdlog::error("reload: {}", synced.error().message);
    });
  }
  watch->watch(ServedCertificates::watched(snapshot->config, served));
  labels->watch(snapshot->config.label_projects);
  discovery->prune();
  runtime->records.metrics().reloads_ok.fetch_add(1);
  spdlog::info("reloaded ({}): config {} ({} routes, {} listeners)", why,
               snapshot->config.hash.substr(0, 12), snapshot->config.routes.size(),
               snapshot->config.listeners.size());
  return snapshot->config.hash;
}

Result<void> Server::Impl::start_admin(const config::Config& config) {
  if (config.bridge.admin == "off") return {};
  admin::Context context;
  context.store = &runtime->records.store();
  context.metrics = &runtime->records.metrics();
  context.breakpoints = &runtime->breakpoints;
  context.started = started;
  context.requests = [this] { return runtime->records.requests(); };
  context.served = [this] {
    return admin::ServedConfig{snapshot, &snapshot->config, &snapshot->table};
  };
  context.routes = [this] { return route_states(*snapshot); };
  context.status = [this] { return status_json(); };
  context.reload = [this] { return reload("admin API"); };
  context.not_ready_reason = [this]() -> std::string {
    if (draining) return "draining: shutting down";
    if (!serving) return "listeners not bound yet";
    return unresolved_targets(*snapshot);
  };
  context.open_connections = [this] {
    uint64_t n = 0;
    for (const auto& w : workers) n += w->live_connections().load();
    return n;
  };
  context.idle_upstream_connections = [this] {
    uint64_t n = 0;
    for (const auto& w : workers) n += w->pools().idle_count();
    return n;
  };
  context.version = options.version;
  context.profile = config.profile;
  admin = std::make_unique<admin::Server>(control, std::move(context));
  auto bound_address = admin->start(admin::Options::from(config));
  if (!bound_address) return bound_address.error();
  admin_address = *bound_address;
  return {};
}

nlohmann::json Server::Impl::status_json() {
  const auto& config = snapshot->config;
  nlohmann::json listeners = nlohmann::json::array();
  for (const auto& l : config.listeners) {
    auto it = bound.find(l.name);
    std::string address;
    if (it != bound.end()) {
      std::string host = it->second.address().to_string();
      address = (it->second.address().is_v6() ? "[" + host + "]" : host) + ":" +
                std::to_string(it->second.port());
    }
    listeners.push_back(
        {{"name", l.name}, {"bind", l.bind}, {"address", address}, {"tls", l.tls.has_value()}});
  }
  return {{"config_hash", config.hash},
          {"config_files", config.files},
          {"workers", workers.size()},
          {"admin", admin_address},
          {"listeners", listeners}};
}

asio::awaitable<void> Server::Impl::signal_loop() {
  for (;;) {
    auto [ec, signal] = co_await signals->async_wait(nothrow);
    if (ec) co_return;
    if (signal == SIGHUP) {
      (void)reload("SIGHUP");
      continue;
    }
    draining = true;  // /readyz answers 503 from here on
    if (signal == SIGTERM && options.drain_delay.count() > 0) {
      spdlog::info("SIGTERM: not ready; serving for {} ms more before draining",
                   options.drain_delay.count());
      asio::steady_timer delay(control, options.drain_delay);
      co_await delay.async_wait(nothrow);
    }
    spdlog::info("{}: draining (up to {} ms)", signal == SIGINT ? "SIGINT" : "SIGTERM",
                 snapshot->config.limits.drain_timeout.count());
    co_await drain();
    control.stop();
    co_return;
  }
}

asio::awaitable<void> Server::Impl::drain() {
  draining = true;
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
      // TCP relays end themselves (and are recorded as drained); a moment for them to.
      for (auto& worker : workers)
        asio::post(worker->context(), [w = worker.get()] { w->close_lingering(); });
      timer.expires_after(std::chrono::milliseconds(200));
      co_await timer.async_wait(nothrow);
      break;
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(nothrow);
  }
}

int Server::run() {
  auto& s = *impl_;
  asio::co_spawn(s.control, s.signal_loop(), log_failure("signal handling"));
  s.control.run();
  s.acme.reset();     // cancels an issuance in flight and joins the ACME thread
  s.workers.clear();  // stops and joins every worker
  if (s.admin) s.admin->stop();
  s.spans.reset();      // flushes queued spans
  s.discovery.reset();  // stops watchers and kubectl children
  spdlog::info("stopped");
  return s.exit_status;
}

}  // namespace bridge::proxy
