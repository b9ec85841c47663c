#pragma once
/// The immutable view of a loaded config that workers serve from: compiled routes and
/// upstream targets. Built once per (re)load on the control thread, shared read-only.

#include "config/config.hpp"
#include "discovery/discovery.hpp"
#include "http/fields.hpp"
#include "middleware/middleware.hpp"
#include "proxy/front_door.hpp"
#include "route/route.hpp"
#include "trace/metrics.hpp"
#include "trace/record.hpp"

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bridge::proxy {

enum class Scheme { Http, Https, Echo, Compose, K8s, Tcp, Unix };

/// One address an upstream forwards to. Health state is shared by all workers.
struct Target {
  std::string url;  // as configured
  Scheme scheme = Scheme::Http;
  std::string host;  // for http(s) and tcp: host name or IP literal (no brackets); unix: the path
  uint16_t port = 0;
  std::string key;   // identifies the connection pool: scheme://host:port + tls settings
  bool h2c = false;  // h2c://: HTTP/2 with prior knowledge
  /// Passive health: steady-clock ms until which the target is skipped (0 = up).
  mutable std::atomic<int64_t> down_until_ms{0};
  mutable std::atomic<int> active{0};  // in-flight requests, for least_conn
  /// compose:// and k8s://: the live addresses (null until a server attaches discovery).
  std::shared_ptr<discovery::Source> source;
  bool dynamic() const { return scheme == Scheme::Compose || scheme == Scheme::K8s; }
  bool resolvable() const {
    return scheme == Scheme::Http || scheme == Scheme::Https || scheme == Scheme::Echo ||
           scheme == Scheme::Tcp || scheme == Scheme::Unix;
  }
  /// Usable now: a static target, or a dynamic one whose source has addresses.
  bool has_addresses() const;

  /// Health of a dynamic target's endpoints, by "host:port" (steady ms until which it is
  /// skipped). Workers and the health checker share it, hence the mutex.
  mutable std::mutex endpoint_mutex;
  mutable std::map<std::string, int64_t> endpoint_down_until;
  mutable std::atomic<uint64_t> endpoint_next{0};
};

struct UpstreamSet {
  std::string name;
  trace::UpstreamSeries* series = nullptr;  // null without metrics (route test, config check)
  config::Upstream config;
  std::vector<std::unique_ptr<Target>> targets;
  mutable std::atomic<uint64_t> next{0};  // round robin cursor
  /// With config.weights: the round-robin turn as target indices, smooth (nginx's weighted
  /// round robin: 5,1,1 gives a a b a c a a, not a a a a a b c); empty = one turn each.
  std::vector<uint32_t> schedule;
};

/// UpstreamSet::schedule for `weights` (balancer.cpp): smooth weighted round robin over the
/// weights divided by their greatest common divisor; empty without weights.
std::vector<uint32_t> weighted_schedule(const std::vector<int64_t>& weights);

/// A chain of middlewares with each one's metrics series (null without metrics), side by side.
struct MiddlewareChain {
  middleware::Chain chain;
  std::vector<trace::MiddlewareSeries*> series;
  bool empty() const { return chain.empty(); }
};

struct RouteEntry {
  const config::Route* config = nullptr;
  const UpstreamSet* upstream = nullptr;
  trace::RouteSeries* series = nullptr;
  MiddlewareChain middlewares;  // config->middlewares, chains resolved
};

/// One of a TCP route's middlewares, compiled: an ipAllowList's ranges, or an inFlightConn's
/// per-client-IP count (shared by every worker; one per middleware of a snapshot).
struct TcpGate {
  struct InFlight {
    int64_t amount = 0;
    std::mutex mutex;
    std::map<std::string, int64_t, std::less<>> open;  // client IP -> connections open
  };
  std::string name;
  std::optional<std::vector<route::IpNetwork>> allow;
  std::shared_ptr<InFlight> in_flight;
  /// "" when a connection from `client_ip` may pass (an inFlightConn then counts it: leave()
  /// it when the connection ends); else why not, for the record.
  std::string enter(const std::string& client_ip, const std::optional<route::IpAddress>& ip) const;
  void leave(const std::string& client_ip) const;
};

/// A TCP route and where it relays to.
struct TcpRouteEntry {
  const config::TcpRoute* config = nullptr;
  const UpstreamSet* upstream = nullptr;
  std::vector<TcpGate> gates;               // config->middlewares, in order
  trace::TcpRouteSeries* series = nullptr;  // null without metrics (route test, config check)
};

/// Which kinds of TCP route a listener has.
struct ListenerTcpRoutes {
  bool plain = false;  // relay without looking (HostSNI(`*`), ClientIP)
  bool tls = false;    // passed through or terminated: the ClientHello is read first
};

struct Snapshot {
  config::Config config;
  std::shared_ptr<const std::string> hash;  // config.hash, shared with the records it routed
  trace::Redaction redaction;               // config.trace.redact_headers
  /// Whether `redaction` covers each name the HTTP codec recognises (by http::Field), decided
  /// once per config: a captured field with such a name needs no look at the name itself.
  std::array<bool, bridge::http::field_count> redacted_known{};
  route::Table table;
  std::vector<std::unique_ptr<UpstreamSet>> upstreams;  // named ones, then inline targets
  std::vector<RouteEntry> routes;                       // indexed by CompiledRoute::index
  route::Table tcp_table;                               // Language::Tcp rules
  std::vector<TcpRouteEntry> tcp_routes;                // indexed by CompiledRoute::index
  std::vector<ListenerPolicy> listeners;                // one per config listener
  middleware::Set middlewares;                          // [middlewares], compiled
  std::vector<MiddlewareChain> listener_middlewares;    // listeners[].middlewares, by listener

  /// The policies of listener `name`; a default policy for a name not in the config.
  const ListenerPolicy& policy(std::string_view name) const;
  /// The middlewares every route on listener `name` runs first (empty for an unknown name).
  const MiddlewareChain& listener_chain(std::string_view name) const;
  /// The TCP routes that serve listener `name`, by kind.
  ListenerTcpRoutes tcp_routes_on(std::string_view name) const;
  /// The TCP route a connection on `listener` takes: a TLS one (`tls`: its ClientHello was
  /// read into `view`) tries the passthrough routes first, then, like any connection, the
  /// plain ones, each in priority order. Null when none matches.
  const TcpRouteEntry* match_tcp(std::string_view listener, const route::RequestView& view,
                                 bool tls) const;
  /// Every TCP route in the order match_tcp tries them, with why each matched or not.
  std::vector<route::RouteDecision> explain_tcp(std::string_view listener,
                                                const route::RequestView& view, bool tls) const;
};

/// Compiles the routes and targets of `config`. Rule errors point into the config file
/// (file:line:col of the character inside the rule string).
/// With `metrics`, every route and upstream gets its series (created once, kept across reloads).
/// With `registry`, compose:// and k8s:// targets get their live sources.
Result<std::shared_ptr<const Snapshot>> build_snapshot(config::Config config,
                                                       trace::Metrics* metrics = nullptr,
                                                       discovery::Registry* registry = nullptr);

/// Parses a target URL ("http://h:p", "https://h", "builtin://echo", "compose://s:p",
/// "tcp://h:p", ...).
Result<std::unique_ptr<Target>> parse_target(const std::string& url);

}  // namespace bridge::proxy
