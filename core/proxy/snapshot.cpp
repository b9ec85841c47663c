#include "proxy/snapshot.hpp"

#include <fstream>
#include <sstream>

namespace bridge::proxy {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A rule error carries a column inside the rule text; move it into the config file. This is
// exact for single-line basic or literal strings, the way rules are written in practice.
// `path` is the rule's leaf: "routes.api.rule", "tcp_routes.pg.rule".
Error locate_rule_error(Error error, const config::Config& config, const std::string& path) {
  const Origin& origin = config.origin(path);
  if (!origin.has_position()) {
    error.where = origin;
    return error;
  }
  int rule_column = error.where.column;
  error.where = origin;
  error.where.column = origin.column + 1 + std::max(rule_column - 1, 0);
  std::string text = origin.source.rfind("<embedded>", 0) == 0 ? "" : read_file(origin.source);
  error.source_line = line_of(text, origin.line);
  return error;
}

Result<uint16_t> parse_port(std::string_view text, const std::string& url) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return Error::config("invalid port in \"" + url + "\"");
  for (char c : text) {
    if (c < '0' || c > '9') return Error::config("invalid port in \"" + url + "\"");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return Error::config("port out of range in \"" + url + "\"");
  return static_cast<uint16_t>(value);
}

// A TCP middleware by name (config decoding checked that it exists), its in-flight count
// shared by the routes that use it.
TcpGate compile_gate(const config::Config& cfg, const std::string& name,
                     std::map<std::string, std::shared_ptr<TcpGate::InFlight>>& in_flight) {
  TcpGate gate;
  gate.name = name;
  for (const auto& m : cfg.tcp_middlewares) {
    if (m.name != name) continue;
    if (m.ip_allow_list) {
      gate.allow.emplace();
      for (const auto& range : *m.ip_allow_list)
        if (auto network = route::IpNetwork::parse(range)) gate.allow->push_back(*network);
    }
    if (m.in_flight_conn) {
      auto& shared = in_flight[name];
      if (!shared) {
        shared = std::make_shared<TcpGate::InFlight>();
        shared->amount = *m.in_flight_conn;
      }
      gate.in_flight = shared;
    }
  }
  return gate;
}

// The upstream a route names, or one made for its inline target URL (`add_upstream`, which
// also starts discovery for compose:// and k8s://); errors point at `route_path`.upstream.
template <class AddUpstream>
Result<const UpstreamSet*> upstream_for(Snapshot& snapshot, const std::string& name,
                                        const std::string& route_path, AddUpstream& add_upstream) {
  for (const auto& set : snapshot.upstreams)
    if (set->name == name) return set.get();
  config::Upstream inline_upstream;
  inline_upstream.name = name;
  inline_upstream.targets = {name};
  auto added = add_upstream(inline_upstream);
  if (!added) {
    Error e = added.error();
    e.where = snapshot.config.origin(route_path + ".upstream");
    return e;
  }
  return *added;
}

// [[tcp_routes]] into the snapshot's TCP table, each with its upstream (`add_upstream` adds an
// inline target the way HTTP routes do). A rule that needs TLS on a route without it is an
// error, as in Traefik: a plain TCP connection has no SNI or ALPN to match.
template <class AddUpstream>
Result<void> add_tcp_routes(Snapshot& snapshot, trace::Metrics* metrics,
                            AddUpstream& add_upstream) {
  const config::Config& cfg = snapshot.config;
  std::vector<route::RouteSpec> specs;
  std::map<std::string, std::shared_ptr<TcpGate::InFlight>> in_flight;  // one per middleware
  for (const auto& r : cfg.tcp_routes) {
    std::vector<std::string> listeners = r.listeners;
    if (listeners.empty())
      for (const auto& l : cfg.listeners)
        if (l.is_tcp()) listeners.push_back(l.name);
    specs.push_back({r.name, r.rule, r.priority, std::move(listeners)});
    auto upstream = upstream_for(snapshot, r.upstream, "tcp_routes." + r.name, add_upstream);
    if (!upstream) return upstream.error();
    snapshot.tcp_routes.push_back(TcpRouteEntry{
        &r, *upstream, {}, metrics != nullptr ? metrics->tcp_route(r.name) : nullptr});
    for (const auto& name : r.middlewares)
      snapshot.tcp_routes.back().gates.push_back(compile_gate(cfg, name, in_flight));
  }
  auto table = route::Table::build(std::move(specs), route::Language::Tcp);
  if (!table) {
    Error e = table.error();
    e.message.insert(0, "tcp ");  // "tcp route \"pg\": ..."
    return locate_rule_error(e, cfg, "tcp_routes." + e.subject + ".rule");
  }
  for (const auto& compiled : table->routes()) {
    const config::TcpRoute& r = cfg.tcp_routes[compiled.index];
    std::string needs_tls = route::tls_only_matcher(compiled.rule);
    if (needs_tls.empty() || r.reads_tls()) continue;
    Error e = Error::config("tcp route \"" + r.name + "\": " + needs_tls +
                                " needs TLS, and this route relays plain TCP",
                            {},
                            "match every connection with HostSNI(`*`) (or ClientIP), or route "
                            "TLS by its SNI with tls = { passthrough = true }");
    e.where.column = 1;
    return locate_rule_error(e, cfg, "tcp_routes." + r.name + ".rule");
  }
  snapshot.tcp_table = std::move(*table);
  return {};
}

}  // namespace

Result<std::unique_ptr<Target>> parse_target(const std::string& url) {
  auto target = std::make_unique<Target>();
  target->url = url;
  std::string_view rest = url;
  auto take = [&](std::string_view prefix) {
    if (rest.substr(0, prefix.size()) != prefix) return false;
    rest.remove_prefix(prefix.size());
    return true;
  };
  if (take("builtin://")) {
    if (rest != "echo")
      return Error::config("unknown builtin target \"" + url + "\"", {},
                           "the only builtin is builtin://echo");
    target->scheme = Scheme::Echo;
    target->key = url;
    return target;
  }
  if (take("compose://"))
    target->scheme = Scheme::Compose;
  else if (take("k8s://"))
    target->scheme = Scheme::K8s;
  else if (take("https://"))
    target->scheme = Scheme::Https;
  else if (take("http://"))
    target->scheme = Scheme::Http;
  else if (take("h2c://")) {
    target->scheme = Scheme::Http;
    target->h2c = true;
  } else if (take("tcp://"))
    target->scheme = Scheme::Tcp;
  else if (take("unix://")) {
    // HTTP/1.1 (or h2c with the upstream's protocol = "h2c") on HTTP routes, bytes on TCP ones.
    if (!rest.starts_with('/'))
      return Error::config("target \"" + url + "\" needs an absolute path", {},
                           "e.g. unix:///run/app.sock");
    target->scheme = Scheme::Unix;
    target->host = std::string(rest);
    target->key = url;
    return target;
  } else
    return Error::config("unsupported target \"" + url + "\"", {},
                         "use http://, https://, h2c://, unix://, compose://, k8s://, tcp:// or "
                         "builtin://echo");
  if (target->scheme == Scheme::Compose || target->scheme == Scheme::K8s) {
    target->key = url;
    return target;
  }
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") {
      return Error::config("target \"" + url + "\" has a path; targets are scheme://host:port", {},
                           "use strip_prefix or a route rule for paths");
    }
    rest = rest.substr(0, slash);
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return Error::config("unclosed [ in \"" + url + "\"");
    target->host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error::config("invalid target \"" + url + "\"");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    target->host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (target->host.empty()) return Error::config("target \"" + url + "\" has no host");
  if (port_text.empty()) {
    if (target->scheme == Scheme::Tcp)
      return Error::config("target \"" + url + "\" has no port", {}, "e.g. tcp://127.0.0.1:5432");
    target->port = target->scheme == Scheme::Https ? 443 : 80;
  } else {
    auto port = parse_port(port_text, url);
    if (!port) return port.error();
    target->port = *port;
  }
  target->key = (target->scheme == Scheme::Https ? "https://"
                 : target->scheme == Scheme::Tcp ? "tcp://"
                 : target->h2c                   ? "h2c://"
                                                 : "http://") +
                target->host + ":" + std::to_string(target->port);
  return target;
}

bool Target::has_addresses() const {
  if (!dynamic()) return resolvable();
  if (!source) return false;
  return !source->current()->endpoints.empty();
}

const ListenerPolicy& Snapshot::policy(std::string_view name) const {
  for (const auto& listener : listeners) {
    if (listener.name == name) return listener;
  }
  static const ListenerPolicy fallback = ListenerPolicy::from(config::Listener{});
  return fallback;
}

std::string TcpGate::enter(const std::string& client_ip,
                           const std::optional<route::IpAddress>& ip) const {
  if (allow && !(ip && std::any_of(allow->begin(), allow->end(),
                                   [&](const route::IpNetwork& n) { return n.contains(*ip); })))
    return "ipAllowList " + name + ": " + client_ip + " is not in sourceRange";
  if (in_flight) {
    std::lock_guard lock(in_flight->mutex);
    int64_t& open = in_flight->open[client_ip];
    if (open >= in_flight->amount) {
      if (open == 0) in_flight->open.erase(client_ip);
      return "inFlightConn " + name + ": " + client_ip + " has " + std::to_string(open) +
             " connections open (amount " + std::to_string(in_flight->amount) + ")";
    }
    ++open;
  }
  return {};
}

void TcpGate::leave(const std::string& client_ip) const {
  if (!in_flight) return;
  std::lock_guard lock(in_flight->mutex);
  auto it = in_flight->open.find(client_ip);
  if (it != in_flight->open.end() && --it->second <= 0) in_flight->open.erase(it);
}

ListenerTcpRoutes Snapshot::tcp_routes_on(std::string_view name) const {
  ListenerTcpRoutes kinds;
  for (const auto& compiled : tcp_table.routes()) {
    if (!compiled.serves(name)) continue;
    (tcp_routes[compiled.index].config->reads_tls() ? kinds.tls : kinds.plain) = true;
  }
  return kinds;
}

const TcpRouteEntry* Snapshot::match_tcp(std::string_view listener, const route::RequestView& view,
                                         bool tls) const {
  for (bool reads_tls : {true, false}) {
    if (reads_tls && !tls) continue;
    for (const auto& compiled : tcp_table.routes()) {
      const TcpRouteEntry& entry = tcp_routes[compiled.index];
      if (entry.config->reads_tls() != reads_tls || !compiled.serves(listener)) continue;
      if (compiled.rule.matches(view)) return &entry;
    }
  }
  return nullptr;
}

std::vector<route::RouteDecision>
Snapshot::explain_tcp(std::string_view listener, const route::RequestView& view, bool tls) const {
  std::vector<route::RouteDecision> decisions;
  for (bool reads_tls : {true, false}) {
    for (const auto& compiled : tcp_table.routes()) {
      if (tcp_routes[compiled.index].config->reads_tls() != reads_tls) continue;
      route::Explanation why;
      if (!compiled.serves(listener))
        why.observed = "not on listener \"" + std::string(listener) + "\"";
      else if (reads_tls && !tls)
        why.observed = "a TLS route takes TLS connections only (give --sni)";
      else
        why = route::explain(compiled.rule, view);
      decisions.push_back({&compiled, std::move(why)});
    }
  }
  return decisions;
}

namespace {

// The middlewares `names` lists, chains resolved, each with its series.
MiddlewareChain chain_of(const Snapshot& snapshot, const std::vector<std::string>& names,
                         trace::Metrics* metrics) {
  MiddlewareChain out;
  out.chain = snapshot.middlewares.resolve(names);
  for (const middleware::Middleware* m : out.chain)
    out.series.push_back(metrics != nullptr ? metrics->middleware(m->name(), m->type()) : nullptr);
  return out;
}

}  // namespace

const MiddlewareChain& Snapshot::listener_chain(std::string_view name) const {
  static const MiddlewareChain none;
  for (size_t i = 0; i < listeners.size() && i < listener_middlewares.size(); ++i)
    if (listeners[i].name == name) return listener_middlewares[i];
  return none;
}

Result<std::shared_ptr<const Snapshot>>
build_snapshot(config::Config config, trace::Metrics* metrics, discovery::Registry* registry) {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->config = std::move(config);
  snapshot->hash = std::make_shared<const std::string>(snapshot->config.hash);
  snapshot->redaction = trace::Redaction(snapshot->config.trace.redact_headers,
                                         snapshot->config.trace.redact_defaults);
  for (size_t i = 1; i < bridge::http::field_count; ++i) {
    snapshot->redacted_known[i] =
        snapshot->redaction.covers(bridge::http::field_name(static_cast<bridge::http::Field>(i)));
  }
  const config::Config& cfg = snapshot->config;
  snapshot->middlewares = middleware::Set(cfg);
  for (const auto& listener : cfg.listeners) {
    snapshot->listeners.push_back(ListenerPolicy::from(listener));
  }

  auto add_upstream = [&](const config::Upstream& up) -> Result<const UpstreamSet*> {
    auto set = std::make_unique<UpstreamSet>();
    set->name = up.name;
    set->config = up;
    if (metrics != nullptr) set->series = metrics->upstream(up.name);
    for (const auto& url : up.targets) {
      auto target = parse_target(url);
      if (!target) {
        Error e = target.error();
        e.where = cfg.origin("upstreams." + up.name + ".targets");
        return e;
      }
      if ((*target)->dynamic()) {
        if (auto checked = discovery::check_url(url); !checked) {
          Error e = checked.error();
          e.where = cfg.origin("upstreams." + up.name + ".targets");
          return e;
        }
      }
      if ((*target)->dynamic() && registry != nullptr) {
        auto source = registry->get(url);
        if (!source) {
          Error e = source.error();
          e.where = cfg.origin("upstreams." + up.name + ".targets");
          return e;
        }
        (*target)->source = *source;
      }
      if ((*target)->scheme == Scheme::Https) {
        (*target)->key += up.tls.verify ? "|verify" : "|noverify";
        (*target)->key += "|ca=" + up.tls.ca + "|sni=" + up.tls.sni + "|" + up.protocol;
      } else if (up.protocol == "h2c" && !(*target)->h2c && (*target)->scheme != Scheme::Echo) {
        // protocol = "h2c" on an http://, compose:// or k8s:// target: prior knowledge
        (*target)->h2c = true;
        (*target)->key = "h2c|" + (*target)->key;
      }
      set->targets.push_back(std::move(*target));
    }
    set->schedule = weighted_schedule(up.weights);
    snapshot->upstreams.push_back(std::move(set));
    return snapshot->upstreams.back().get();
  };

  std::vector<route::RouteSpec> specs;
  for (const auto& up : cfg.upstreams) {
    auto added = add_upstream(up);
    if (!added) return added.error();
  }
  snapshot->routes.resize(cfg.routes.size());
  for (size_t i = 0; i < cfg.routes.size(); ++i) {
    const config::Route& r = cfg.routes[i];
    specs.push_back({r.name, r.rule, r.priority, r.listeners});
    auto upstream = upstream_for(*snapshot, r.upstream, "routes." + r.name, add_upstream);
    if (!upstream) return upstream.error();
    snapshot->routes[i] = RouteEntry{&r, *upstream, metrics ? metrics->route(r.name) : nullptr,
                                     chain_of(*snapshot, r.middlewares, metrics)};
  }
  for (const auto& listener : cfg.listeners)
    snapshot->listener_middlewares.push_back(chain_of(*snapshot, listener.middlewares, metrics));

  auto table = route::Table::build(std::move(specs));
  if (!table) {
    // The error's subject is the route whose rule failed: point into the file that set it.
    const Error& e = table.error();
    for (const auto& r : cfg.routes) {
      if (r.name == e.subject) return locate_rule_error(e, cfg, "routes." + r.name + ".rule");
    }
    return e;
  }
  snapshot->table = std::move(*table);
  if (auto tcp = add_tcp_routes(*snapshot, metrics, add_upstream); !tcp) return tcp.error();
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

}  // namespace bridge::proxy
