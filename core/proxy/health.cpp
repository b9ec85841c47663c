#include "proxy/detail/health.hpp"

#include "common/spawn.hpp"
#include "common/text.hpp"
#include "net/http_client.hpp"
#include "proxy/detail/h2_probe.hpp"
#include "proxy/detail/upstream_pool.hpp"

#include <spdlog/spdlog.h>

#include <map>

namespace bridge::proxy {

namespace {

constexpr int64_t marked_down = std::numeric_limits<int64_t>::max() / 2;

struct ProbeState {
  int successes = 0;
  int failures = 0;
  bool down = false;
  bool in_flight = false;
  Clock::time_point next{};
};

// Plain function: GCC 12 mishandles braced temporaries in coroutine frames.
net::HttpRequest probe_request(const std::string& host, uint16_t port, const std::string& path) {
  net::HttpRequest req{http::verb::get, path, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::user_agent, "bridge-health-check");
  req.set(http::field::connection, "close");
  return req;
}

// Healthy: a 2xx or 3xx status line within `timeout`; the body is not read. An https://
// target is probed over TLS with the upstream's own `tls` settings (`tls` set). `why` says
// what was wrong otherwise.
asio::awaitable<bool> probe(std::string host, uint16_t port, std::string path,
                            std::chrono::milliseconds timeout, std::shared_ptr<ssl::context> tls,
                            std::string& why) {
  net::ExchangeOptions options;
  options.timeout = timeout;
  options.skip_body = true;
  auto peer = tls ? net::HttpPeer::tls_over_tcp(host, std::to_string(port), *tls)
                  : net::HttpPeer::tcp(host, std::to_string(port));
  auto res = co_await net::http_exchange(peer, probe_request(host, port, path), options);
  if (!res) {
    why = res.error().message();
    co_return false;
  }
  int status = static_cast<int>(res->result_int());
  if (status >= 200 && status < 400) co_return true;
  why = "HTTP status " + std::to_string(status);
  co_return false;
}

// What a check speaks to a target: HTTP/1.1 GET, HTTP/2 GET (a target that speaks nothing
// else: h2c, or protocol = "h2"), or gRPC's Health/Check.
enum class ProbeKind { Http1, H2, Grpc };

ProbeKind probe_kind(const UpstreamSet& upstream, const Target& target) {
  if (upstream.config.health->grpc) return ProbeKind::Grpc;
  const std::string& protocol = upstream.config.protocol;
  if (target.h2c || protocol == "h2c" || (target.scheme == Scheme::Https && protocol == "h2"))
    return ProbeKind::H2;
  return ProbeKind::Http1;
}

// Plain function, as probe_request.
H2ProbeRequest h2_probe_request(const std::string& host, uint16_t port,
                                const config::HealthCheck& health,
                                std::shared_ptr<ssl::context> tls, bool verify) {
  H2ProbeRequest request;
  request.host = host;
  request.port = port;
  request.tls = std::move(tls);
  request.verify = verify;
  request.path = health.path;
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(health.timeout);
  return request;
}

// Healthy: a 2xx or 3xx answer over HTTP/2.
asio::awaitable<bool> h2_get_probe(H2ProbeRequest request, std::string& why) {
  H2ProbeAnswer answer = co_await h2_probe(std::move(request));
  if (!answer.error.empty()) {
    why = answer.error;
    co_return false;
  }
  if (answer.status >= 200 && answer.status < 400) co_return true;
  why = "HTTP status " + std::to_string(answer.status);
  co_return false;
}

// "GET /healthz" or "grpc.health.v1.Health/Check of billing.v1.Billing", for the log.
std::string check_name(const config::HealthCheck& health) {
  if (!health.grpc) return "GET " + health.path;
  return "grpc.health.v1.Health/Check" + (health.service.empty() ? "" : " of " + health.service);
}

// Applies a probe result to a static target or one endpoint of a dynamic target.
void apply(const Target& target, const std::string& endpoint, bool down) {
  int64_t value = down ? marked_down : 0;
  if (endpoint.empty()) {
    target.down_until_ms = value;
    return;
  }
  std::lock_guard lock(target.endpoint_mutex);
  target.endpoint_down_until[endpoint] = value;
}

}  // namespace

asio::awaitable<void> run_health_checks(SnapshotGetter snapshot) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer tick(executor);
  auto states = std::make_shared<std::map<std::string, ProbeState>>();
  std::map<std::string, std::shared_ptr<ssl::context>> tls_contexts;  // by upstream_tls_key
  for (;;) {
    tick.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await tick.async_wait(nothrow);
    if (ec) co_return;
    auto snap = snapshot();
    auto now = Clock::now();
    for (const auto& up : snap->upstreams) {
      if (!up->config.health) continue;
      const config::HealthCheck health = *up->config.health;
      for (const auto& target : up->targets) {
        std::shared_ptr<ssl::context> tls;
        if (!target->dynamic() && target->scheme == Scheme::Https) {
          auto& cached = tls_contexts[upstream_tls_key(up->config.tls)];
          std::string error;
          if (!cached) cached = make_upstream_tls_context(up->config.tls, error);
          tls = cached;  // null when the CA does not load: the forwarder reports it per request
          if (!tls) continue;
        }
        std::vector<std::pair<std::string, uint16_t>> addresses;  // host, port
        if (target->dynamic()) {
          if (!target->source) continue;
          for (const auto& e : target->source->current()->endpoints) {
            addresses.emplace_back(e.host, e.port);
          }
        } else if (target->scheme == Scheme::Http || target->scheme == Scheme::Https) {
          addresses.emplace_back(target->host, target->port);
        }
        for (const auto& [host, port] : addresses) {
          std::string endpoint = target->dynamic() ? host + ":" + std::to_string(port) : "";
          std::string key = up->name + "|" + target->url + "|" + endpoint;
          ProbeState& state = (*states)[key];
          if (state.in_flight || now < state.next) continue;
          state.in_flight = true;
          state.next = now + health.interval;
          const ProbeKind kind = probe_kind(*up, *target);
          // The snapshot keeps the Target alive while the probe runs.
          asio::co_spawn(
              executor,
              // host and port are structured bindings: clang 14 captures them only by
              // init-capture (P1091R3 came with clang 16).
              [snap, t = target.get(), host = host, port = port, endpoint, health, states, key,
               name = up->name, tls, kind,
               verify = up->config.tls.verify]() -> asio::awaitable<void> {
                std::string why;
                bool ok = false;
                if (kind == ProbeKind::Http1) {
                  ok = co_await probe(
                      host, port, health.path,
                      std::chrono::duration_cast<std::chrono::milliseconds>(health.timeout), tls,
                      why);
                } else {
                  auto request = h2_probe_request(host, port, health, tls, verify);
                  ok = kind == ProbeKind::Grpc
                           ? co_await grpc_health_probe(std::move(request), health.service, why)
                           : co_await h2_get_probe(std::move(request), why);
                }
                ProbeState& s = (*states)[key];
                s.in_flight = false;
                if (ok) {
                  s.failures = 0;
                  if (++s.successes >= health.healthy && s.down) {
                    s.down = false;
                    apply(*t, endpoint, false);
                    spdlog::info("health: {} {}{} is up again", name, t->url,
                                 endpoint.empty() ? "" : " (" + endpoint + ")");
                  }
                } else {
                  s.successes = 0;
                  if (++s.failures >= health.unhealthy && !s.down) {
                    s.down = true;
                    apply(*t, endpoint, true);
                    spdlog::warn("health: {} {}{} is down ({} failed checks of {}{})", name, t->url,
                                 endpoint.empty() ? "" : " (" + endpoint + ")", s.failures,
                                 check_name(health), why.empty() ? "" : "; last: " + why);
                  }
                }
              },
              log_failure("health check"));
        }
      }
    }
  }
}

asio::awaitable<void> log_discovery_changes(SnapshotGetter snapshot) {
  asio::steady_timer tick(co_await asio::this_coro::executor);
  std::map<std::string, std::string> last;  // url -> what was logged
  for (;;) {
    auto snap = snapshot();
    for (const auto& up : snap->upstreams) {
      for (const auto& target : up->targets) {
        if (!target->dynamic() || !target->source) continue;
        auto res = target->source->current();
        if (res->state == discovery::State::Pending) continue;
        std::string addresses = join(res->endpoints, ", ", [](const discovery::Endpoint& e) {
          return e.host + ":" + std::to_string(e.port);
        });
        std::string via = res->via;
        if (res->pid != 0)
          via += " pid " + std::to_string(res->pid) + ", restarts " + std::to_string(res->restarts);
        std::string line =
            res->endpoints.empty() ? "no address: " + res->error : addresses + " (" + via + ")";
        std::string& seen = last[target->url];
        if (seen == line) continue;
        seen = line;
        // "compose demo/web:8080" reads better than the url with its ?project= query.
        const std::string& what = res->description.empty() ? target->url : res->description;
        if (res->endpoints.empty()) {
          spdlog::warn("upstream {}: {} ({}) {}", up->name, what, target->url, line);
        } else {
          spdlog::info("upstream {}: {} -> {}", up->name, what, line);
        }
      }
    }
    tick.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await tick.async_wait(nothrow);
    if (ec) co_return;
  }
}

std::string unresolved_targets(const Snapshot& snapshot) {
  std::string out;
  for (const auto& up : snapshot.upstreams) {
    for (const auto& target : up->targets) {
      if (!target->dynamic()) continue;
      if (!target->source) {
        out += (out.empty() ? "" : "; ") + target->url + " (discovery is not running)";
        continue;
      }
      auto res = target->source->current();
      if (res->ever_resolved) continue;  // a later gap is the proxy's 502, not unreadiness
      std::string why = res->error.substr(0, res->error.find('\n'));
      out += (out.empty() ? "" : "; ") + target->url + (why.empty() ? "" : " (" + why + ")");
    }
  }
  return out.empty() ? "" : "upstream targets never resolved: " + out;
}

}  // namespace bridge::proxy
