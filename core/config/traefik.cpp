// Traefik's dynamic configuration, from any provider (detail/traefik_providers.hpp), as bridge
// routes, TCP routes, upstreams and middlewares (detail/traefik.hpp). Middlewares copy over as
// they are: bridge reads Traefik's type and option names already. Routers and services are
// rewritten into bridge's keys, each value keeping its origin in the Traefik file. What bridge
// cannot honour is a warning, and a router that needs it is left out with another.
#include "config/detail/traefik.hpp"

#include "config/detail/node_build.hpp"
#include "config/detail/traefik_providers.hpp"
#include "config/keys.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace bridge::config::detail {

namespace {

namespace fs = std::filesystem;

// A name as Traefik qualifies it within `provider`; one naming another provider stays.
std::string qualified(std::string_view name, std::string_view provider) {
  return name.find('@') == std::string_view::npos ? std::string(name) + "@" + std::string(provider)
                                                  : std::string(name);
}

// The top-level table or array `key` of `tree`, created when missing.
Node* section(Node& tree, const std::string& key, Kind kind) {
  if (Node* n = tree.find(key)) return n;
  Node empty;
  empty.kind = kind;
  put(tree, key, std::move(empty));
  return &tree.entries.back().value;
}

// A service as read, before weighted ones are flattened into their servers.
struct Service {
  std::string name;
  Origin origin;
  int span = 1;
  bool tcp = false;
  Node upstream;                                       // bridge's keys, targets filled
  std::vector<std::pair<std::string, Node>> weighted;  // child name, its weight node
};

// A router (HTTP or TCP) as rewritten, kept until every service and middleware is known.
struct Router {
  std::string name;
  bool tcp = false;
  Node route;
  std::string service;
  std::vector<std::string> middlewares;
  Origin origin;
  int span = 1;
};

class Importer {
 public:
  Importer(Node& tree, const Sources& sources, std::vector<Error>& warnings,
           std::map<std::string, std::string> entrypoints, bool listeners_for_entrypoints)
      : tree_(tree), sources_(sources), warnings_(warnings), entrypoints_(std::move(entrypoints)),
        listeners_for_entrypoints_(listeners_for_entrypoints) {
    for (const Node& l : listeners_of(tree)) listeners_.push_back(l.text);
  }

  Result<void> add(const Dynamic& d) {
    provider_ = d.provider;
    protocols_.insert(d.protocols.begin(), d.protocols.end());
    for (const auto& [name, text] : d.described) described_[name] = text;
    for (const Entry& e : d.config.entries) {
      if (e.key == "http" || e.key == "tcp") {
        BRIDGE_TRY(section_of(e, e.key == "tcp"));
      } else if (e.key == "udp") {
        warn(e, "udp: bridge relays HTTP and TCP, not UDP; these routers are left out");
      } else if (e.key == "tls") {
        warn(e, "tls: certificates and options come from bridge's listeners (tls = { cert = "
                "..., key = ... } or local/acme); this part is left out");
      } else {
        return unknown(e, e.key, "Traefik's dynamic configuration has http, tcp, udp and tls");
      }
    }
    return {};
  }

  // Writes what was read into the tree: services (weighted ones flattened), middlewares, then
  // the routers whose service and middlewares all made it.
  Result<void> finish(std::map<std::string, std::string, std::less<>>& imported) {
    refuse_broken_chains();
    for (auto& [name, s] : services_) {
      if (!s.weighted.empty()) BRIDGE_TRY(flatten(s));
      if (refused_.contains(name)) continue;
      section(tree_, "upstreams", Kind::Array)->items.push_back(s.upstream);
    }
    for (Router& r : routers_) {
      std::string missing;
      if (refused_.contains(r.service)) missing = "service " + r.service;
      for (const std::string& m : r.middlewares)
        if (missing.empty() && refused_.contains(m)) missing = "middleware " + m;
      if (!missing.empty()) {
        warnings_.push_back(
            sources_.error("router " + r.name + " is left out: bridge cannot run its " + missing,
                           r.origin, r.span, "the warning about " + missing + " says why"));
        continue;
      }
      auto described = described_.find(r.name);
      const std::string plain = r.name.substr(0, r.name.find('@'));
      imported[r.name] =
          described != described_.end()
              ? described->second
              : std::string(r.tcp ? "the Traefik TCP router \"" : "the Traefik router \"") + plain +
                    "\" of " + r.origin.str();
      section(tree_, r.tcp ? "tcp_routes" : "routes", Kind::Array)
          ->items.push_back(std::move(r.route));
    }
    return {};
  }

 private:
  static std::vector<Node> listeners_of(const Node& tree) {
    std::vector<Node> out;
    if (const Node* list = tree.find("listeners"); list != nullptr && list->is(Kind::Array))
      for (const Node& l : list->items)
        if (const Node* name = l.find("name"); name != nullptr && name->is(Kind::String))
          out.push_back(*name);
    return out;
  }

  std::string q(std::string_view name) const { return qualified(name, provider_); }

  void warn(const Entry& e, std::string message, std::string hint = {}) {
    warnings_.push_back(
        sources_.error(std::move(message), e.key_origin, e.key_span, std::move(hint)));
  }
  Error unknown(const Entry& e, const std::string& path, std::string hint) const {
    return sources_.error(path + ": not a key of Traefik's dynamic configuration", e.key_origin,
                          e.key_span, std::move(hint));
  }
  Error expected(const Node& n, const std::string& path, std::string_view what) const {
    return sources_.error(path + ": expected " + std::string(what) + ", got " +
                              std::string(kind_name(n.kind)),
                          n.origin, n.span);
  }

  Result<void> section_of(const Entry& top, bool tcp) {
    if (!top.value.is(Kind::Table)) return expected(top.value, top.key, "a table");
    for (const Entry& e : top.value.entries) {
      const std::string path = top.key + "." + e.key;
      if (!e.value.is(Kind::Table)) return expected(e.value, path, "a table");
      if (e.key == "routers") {
        for (const Entry& r : e.value.entries) BRIDGE_TRY(router(r, path + "." + r.key, tcp));
      } else if (e.key == "services") {
        for (const Entry& s : e.value.entries) BRIDGE_TRY(service(s, path + "." + s.key, tcp));
      } else if (e.key == "middlewares") {
        for (const Entry& m : e.value.entries) middleware(m, tcp);
      } else if (e.key == "serversTransports") {
        warn(e, path + ": bridge sets upstream TLS per upstream (tls = { verify, ca, sni }); "
                       "these transports are left out");
      } else {
        return unknown(e, path, "it has routers, services, middlewares and serversTransports");
      }
    }
    return {};
  }

  // `route test --ingress`: an entry point the manifests name, as a listener of its own
  // (bound to no port: it is named with --listener).
  void add_listener(const Node& name, bool tcp) {
    Node listener;
    listener.origin = name.origin;
    put(listener, "name", name);
    put(listener, "bind", string_node("127.0.0.1:0", name.origin, name.span));
    if (tcp) put(listener, "protocol", string_node("tcp", name.origin, name.span));
    section(tree_, "listeners", Kind::Array)->items.push_back(std::move(listener));
    listeners_.push_back(name.text);
  }

  Result<Node> listeners(const Entry& e, const std::string& at, bool tcp) {
    if (!e.value.is(Kind::Array)) return expected(e.value, at, "an array of strings");
    Node out = e.value;
    out.items.clear();
    for (size_t i = 0; i < e.value.items.size(); ++i) {
      Node n = e.value.items[i];
      if (!n.is(Kind::String)) return expected(n, at, "an array of strings");
      auto mapped = entrypoints_.find(n.text);
      const std::string listener = mapped != entrypoints_.end() ? mapped->second : n.text;
      if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end() &&
          listeners_for_entrypoints_)
        add_listener(n, tcp);
      if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end())
        return sources_.error(at + "[" + std::to_string(i) +
                                  "]: no bridge listener for the Traefik entry point " +
                                  detail::quoted(n.text),
                              n.origin, n.span,
                              "map it in the profile: [traefik] entrypoints = { " + n.text +
                                  " = \"LISTENER\" } (listeners: " + join(listeners_) + ")");
      n.text = listener;
      // Two entry points on one listener (web and websecure on a laptop) are one.
      if (std::none_of(out.items.begin(), out.items.end(),
                       [&](const Node& l) { return l.text == listener; }))
        out.items.push_back(std::move(n));
    }
    return out;
  }

  // A router: rule, service, middlewares, entryPoints, priority, tls (the mapped listener's;
  // a TCP router's passthrough).
  Result<void> router(const Entry& r, const std::string& path, bool tcp) {
    if (!r.value.is(Kind::Table)) return expected(r.value, path, "a table");
    Router out{q(r.key), tcp, {}, {}, {}, r.key_origin, r.key_span};
    out.route.origin = r.key_origin;
    put(out.route, "name", string_node(out.name, r.key_origin, r.key_span));
    for (const Entry& e : r.value.entries) {
      const std::string at = path + "." + e.key;
      if (e.key == "rule" || e.key == "priority") {
        put(out.route, e.key, e.value);
      } else if (e.key == "service") {
        if (!e.value.is(Kind::String)) return expected(e.value, at, "a string");
        out.service = q(e.value.text);
        put(out.route, "upstream", string_node(out.service, e.value.origin, e.value.span));
      } else if (e.key == "middlewares") {
        if (!e.value.is(Kind::Array)) return expected(e.value, at, "an array of strings");
        Node names = e.value;
        for (Node& n : names.items) {
          if (!n.is(Kind::String)) return expected(n, at, "an array of strings");
          n.text = q(n.text);
          out.middlewares.push_back(n.text);
        }
        put(out.route, "middlewares", std::move(names));
      } else if (e.key == "entryPoints") {
        auto mapped = listeners(e, at, tcp);
        BRIDGE_TRY(mapped);
        put(out.route, "listeners", std::move(*mapped));
      } else if (e.key == "tls") {
        if (tcp) BRIDGE_TRY(tcp_tls(e, at, out.route));
        // An HTTP router's TLS is the listener's its entry point maps to.
      } else if (e.key == "ruleSyntax") {
        if (!e.value.is(Kind::String) || e.value.text != "v3")
          warn(e, at + ": bridge reads rules in Traefik v3's syntax",
               "v2's Host(`a`, `b`) is Host(`a`) || Host(`b`); HostRegexp takes a plain regex");
      } else if (e.key == "observability") {
        warn(e, at + ": bridge records every request (access log, metrics, traces) as its "
                     "profile says; this router's observability is left out");
      } else {
        return unknown(e, at,
                       "a router has rule, service, middlewares, entryPoints, priority, tls, "
                       "ruleSyntax and observability");
      }
    }
    if (out.route.find("rule") == nullptr)
      return sources_.error(path + ": missing \"rule\"", r.key_origin, r.key_span,
                            tcp ? "e.g. rule = \"HostSNI(`*`)\""
                                : "e.g. rule = \"Host(`app.localhost`)\"");
    if (out.service.empty())
      return sources_.error(path + ": missing \"service\"", r.key_origin, r.key_span,
                            std::string("name one of ") + (tcp ? "tcp" : "http") + ".services");
    routers_.push_back(std::move(out));
    return {};
  }

  // A TCP router's tls: passthrough = true relays the TLS bytes; otherwise the listener's
  // certificates terminate it.
  Result<void> tcp_tls(const Entry& e, const std::string& at, Node& route) {
    if (!e.value.is(Kind::Table)) return expected(e.value, at, "a table");
    Node tls;
    tls.origin = e.value.origin;
    for (const Entry& t : e.value.entries) {
      if (t.key == "passthrough") {
        put(tls, "passthrough", t.value);
      } else if (t.key == "certResolver" || t.key == "options" || t.key == "domains") {
        warn(t, at + "." + t.key + ": the certificates are the bridge listener's");
      } else {
        return unknown(t, at + "." + t.key, "tls has passthrough, certResolver, options, domains");
      }
    }
    put(route, "tls", std::move(tls));
    return {};
  }

  // A service: loadBalancer (servers, healthCheck, passHostHeader, proxyProtocol for TCP) or
  // weighted (services with weights); mirroring and failover are not bridge's.
  Result<void> service(const Entry& s, const std::string& path, bool tcp) {
    if (!s.value.is(Kind::Table)) return expected(s.value, path, "a table");
    Service out{q(s.key), s.key_origin, s.key_span, tcp, {}, {}};
    out.upstream.origin = s.key_origin;
    put(out.upstream, "name", string_node(out.name, s.key_origin, s.key_span));
    if (auto p = protocols_.find(out.name); p != protocols_.end())
      put(out.upstream, "protocol", string_node(p->second, s.key_origin, s.key_span));
    for (const Entry& kind : s.value.entries) {
      const std::string at = path + "." + kind.key;
      if (!kind.value.is(Kind::Table)) return expected(kind.value, at, "a table");
      if (kind.key == "loadBalancer") {
        BRIDGE_TRY(load_balancer(kind, at, out));
      } else if (kind.key == "weighted") {
        BRIDGE_TRY(weighted(kind, at, out));
      } else if (kind.key == "mirroring" || kind.key == "failover") {
        warn(kind, at + ": bridge balances over servers and weighted services; a " + kind.key +
                       " service is left out");
        refused_.insert(out.name);
      } else {
        return unknown(kind, at, "a service is a loadBalancer, weighted, mirroring or failover");
      }
    }
    if (!refused_.contains(out.name) && out.upstream.find("targets") == nullptr &&
        out.weighted.empty())
      return sources_.error(path + ": no loadBalancer.servers", s.key_origin, s.key_span,
                            tcp ? "e.g. servers = [{ address = \"127.0.0.1:5432\" }]"
                                : "e.g. servers = [{ url = \"http://127.0.0.1:3000\" }]");
    if (services_.contains(out.name))
      return sources_.error(path + ": a second service named " + out.name, s.key_origin, s.key_span,
                            "HTTP and TCP services share bridge's upstreams");
    services_.emplace(out.name, std::move(out));
    return {};
  }

  Result<void> load_balancer(const Entry& kind, const std::string& at, Service& out) {
    for (const Entry& e : kind.value.entries) {
      const std::string key = at + "." + e.key;
      if (e.key == "servers") {
        if (!e.value.is(Kind::Array)) return expected(e.value, key, "an array of tables");
        Node targets;
        targets.kind = Kind::Array;
        targets.origin = e.value.origin;
        const char* field = out.tcp ? "address" : "url";
        for (const Node& server : e.value.items) {
          const Node* url = server.find(field);
          if (url == nullptr || !url->is(Kind::String))
            return sources_.error(key + ": each server needs " + (out.tcp ? "an address" : "a url"),
                                  server.origin, server.span,
                                  out.tcp ? "e.g. servers = [{ address = \"127.0.0.1:5432\" }]"
                                          : "e.g. servers = [{ url = \"http://127.0.0.1:3000\" }]");
          Node target = *url;
          if (out.tcp && target.text.find("://") == std::string::npos)
            target.text = "tcp://" + target.text;
          targets.items.push_back(std::move(target));
          for (const Entry& other : server.entries)
            if (other.key == "weight" || other.key == "preservePath")
              warn(other, key + "." + other.key +
                              ": bridge sends to every server of a "
                              "loadBalancer in turn, the path as routed");
        }
        put(out.upstream, "targets", std::move(targets));
      } else if (e.key == "healthCheck" && !out.tcp) {
        if (!e.value.is(Kind::Table)) return expected(e.value, key, "a table");
        Node health;
        health.origin = e.value.origin;
        for (const Entry& h : e.value.entries) {
          if (h.key == "path" || h.key == "interval" || h.key == "timeout")
            put(health, h.key, h.value);
          else
            warn(h, key + "." + h.key + ": bridge checks a path with GET; left out",
                 "bridge reads a healthCheck's path, interval and timeout");
        }
        put(out.upstream, "health", std::move(health));
      } else if (e.key == "passHostHeader") {
        if (!e.value.is(Kind::Boolean)) return expected(e.value, key, "a boolean");
        if (!e.value.boolean)
          warn(e, key + ": bridge passes the client's Host (Traefik's default)",
               "a route's host_rewrite sets another");
      } else if (e.key == "proxyProtocol" && out.tcp) {
        const Node* version = e.value.find("version");
        put(out.upstream, "proxy_protocol",
            integer_node(version != nullptr && version->is(Kind::Integer) ? version->integer : 2,
                         e.value.origin));
      } else if (e.key == "sticky" || e.key == "serversTransport" ||
                 e.key == "responseForwarding" || e.key == "terminationDelay") {
        warn(e, key + ": not something bridge does; left out");
      } else {
        return unknown(e, key,
                       "a loadBalancer has servers, healthCheck, passHostHeader, sticky, "
                       "serversTransport, responseForwarding (TCP: proxyProtocol)");
      }
    }
    return {};
  }

  Result<void> weighted(const Entry& kind, const std::string& at, Service& out) {
    for (const Entry& e : kind.value.entries) {
      const std::string key = at + "." + e.key;
      if (e.key == "services") {
        if (!e.value.is(Kind::Array)) return expected(e.value, key, "an array of tables");
        for (const Node& child : e.value.items) {
          const Node* name = child.find("name");
          if (name == nullptr || !name->is(Kind::String))
            return sources_.error(key + ": each service needs a name", child.origin, child.span,
                                  "e.g. { name = \"v1\", weight = 3 }");
          const Node* weight = child.find("weight");
          Node w = weight != nullptr ? *weight : integer_node(1, child.origin);
          if (!w.is(Kind::Integer) || w.integer < 0)
            return sources_.error(key + ": a weight is a whole number, 0 or more", w.origin,
                                  w.span);
          out.weighted.emplace_back(q(name->text), std::move(w));
        }
      } else if (e.key == "sticky" || e.key == "healthCheck") {
        warn(e, key + ": not something bridge does for weighted services; left out");
      } else {
        return unknown(e, key, "a weighted service has services, sticky and healthCheck");
      }
    }
    if (out.weighted.empty())
      return sources_.error(at + ": no services", kind.key_origin, kind.key_span,
                            "e.g. services = [{ name = \"v1\", weight = 3 }]");
    return {};
  }

  // A weighted service becomes one upstream over its children's servers, each server's weight
  // its child's share split evenly over that child's servers.
  Result<void> flatten(Service& s) {
    std::vector<std::pair<Node, double>> shares;
    BRIDGE_TRY(shares_of(s, 1.0, 0, shares));
    if (refused_.contains(s.name)) return {};
    Node targets, weights;
    targets.kind = weights.kind = Kind::Array;
    targets.origin = weights.origin = s.origin;
    double total = 0;
    for (const auto& [target, share] : shares) total += share;
    for (auto& [target, share] : shares) {
      targets.items.push_back(target);
      const double scaled = total > 0 ? share / total * 10'000 : 0;
      weights.items.push_back(
          integer_node(share > 0 ? std::max<int64_t>(1, std::llround(scaled)) : 0, s.origin));
    }
    put(s.upstream, "targets", std::move(targets));
    put(s.upstream, "weights", std::move(weights));
    return {};
  }

  Result<void> shares_of(Service& s, double share, int depth,
                         std::vector<std::pair<Node, double>>& out) {
    if (depth > 8)
      return sources_.error("service " + s.name +
                                ": weighted services nest too deep "
                                "(a loop?)",
                            s.origin, s.span);
    if (s.weighted.empty()) {
      const Node* targets = s.upstream.find("targets");
      if (targets == nullptr) return {};
      for (const Node& t : targets->items)
        out.emplace_back(t, share / static_cast<double>(targets->items.size()));
      return {};
    }
    int64_t sum = 0;
    for (const auto& [child, weight] : s.weighted) sum += weight.integer;
    for (const auto& [child, weight] : s.weighted) {
      auto found = services_.find(child);
      if (found == services_.end())
        return sources_.error("service " + s.name + ": no service " + child, weight.origin,
                              weight.span,
                              "a weighted service names services of the same provider");
      if (refused_.contains(child)) {
        refused_.insert(s.name);
        warnings_.push_back(sources_.error(
            "service " + s.name + " is left out: bridge cannot run its service " + child, s.origin,
            s.span));
        return {};
      }
      if (found->second.tcp != s.tcp)
        return sources_.error("service " + s.name + ": " + child + " is not a " +
                                  (s.tcp ? "TCP" : "HTTP") + " service",
                              weight.origin, weight.span);
      // The first child's health check and protocol stand for the whole upstream.
      for (const char* key : {"health", "protocol", "proxy_protocol"})
        if (s.upstream.find(key) == nullptr)
          if (const Node* v = found->second.upstream.find(key)) put(s.upstream, key, *v);
      const double part = sum > 0 ? share * static_cast<double>(weight.integer) / sum : 0;
      BRIDGE_TRY(shares_of(found->second, part, depth + 1, out));
    }
    return {};
  }

  // A chain with a member left out is left out too (and a chain of that chain), with a warning.
  void refuse_broken_chains() {
    Node* middlewares = tree_.find("middlewares");
    if (middlewares == nullptr) return;
    for (bool changed = true; changed;) {
      changed = false;
      std::erase_if(middlewares->entries, [&](const Entry& m) {
        const Node* chain = m.value.find("chain");
        const Node* names = chain != nullptr ? chain->find("middlewares") : nullptr;
        if (names == nullptr || !names->is(Kind::Array)) return false;
        for (const Node& n : names->items) {
          if (!refused_.contains(n.text)) continue;
          warnings_.push_back(sources_.error(
              "middleware " + m.key + " is left out: bridge cannot run its member " + n.text,
              m.key_origin, m.key_span));
          refused_.insert(m.key);
          changed = true;
          return true;
        }
        return false;
      });
    }
  }

  // A middleware as it is (bridge reads Traefik's names), with the names it refers to
  // qualified: a chain's members, an errors middleware's service. A plugin is not bridge's.
  void middleware(const Entry& m, bool tcp) {
    Entry copy = m;
    copy.key = q(m.key);
    for (Entry& type : copy.value.entries) {
      if (type.key == "plugin") {
        warn(type, (tcp ? "tcp.middlewares." : "http.middlewares.") + m.key +
                       ".plugin: bridge runs Traefik's own middlewares, not plugins; left out");
        refused_.insert(copy.key);
        return;
      }
      if (type.key == "chain")
        if (Node* names = type.value.find("middlewares"); names && names->is(Kind::Array))
          for (Node& n : names->items)
            if (n.is(Kind::String)) n.text = q(n.text);
      if (type.key == "errors")
        if (Node* service = type.value.find("service");
            service && service->is(Kind::String) && service->text.find("://") == std::string::npos)
          service->text = q(service->text);
    }
    section(tree_, tcp ? "tcp_middlewares" : "middlewares", Kind::Table)
        ->entries.push_back(std::move(copy));
  }

  Node& tree_;
  const Sources& sources_;
  std::vector<Error>& warnings_;
  std::map<std::string, std::string> entrypoints_;
  bool listeners_for_entrypoints_ = false;
  std::vector<std::string> listeners_;
  std::string provider_;
  std::map<std::string, Service> services_;
  std::vector<Router> routers_;
  std::set<std::string> refused_;  // services and middlewares left out, with a warning
  std::map<std::string, std::string> described_;
  std::map<std::string, std::string> protocols_;
};

// [traefik]: entrypoints = { web = "LISTENER" }, and listeners_for_entrypoints (route test
// --ingress sets it).
struct TraefikSection {
  std::map<std::string, std::string> entrypoints;
  bool listeners_for_entrypoints = false;
};

Result<TraefikSection> traefik_section(const Node& tree, const Sources& sources) {
  TraefikSection section;
  auto& out = section.entrypoints;
  const Node* traefik = tree.find("traefik");
  if (traefik == nullptr) return section;
  for (const Entry& e : traefik->entries) {
    if (e.key == "listeners_for_entrypoints" && e.value.is(Kind::Boolean)) {
      section.listeners_for_entrypoints = e.value.boolean;
      continue;
    }
    if (e.key != "entrypoints") {
      std::vector<std::string> known = keys_inside("traefik");
      return sources.error("traefik." + e.key + ": unknown key", e.key_origin, e.key_span,
                           suggest(e.key, known, "known keys: " + join(known)));
    }
    for (const Entry& map : e.value.entries) {
      if (!map.value.is(Kind::String))
        return sources.error("traefik.entrypoints." + map.key + ": expected a listener name",
                             map.value.origin, map.value.span);
      out[map.key] = map.value.text;
    }
  }
  return section;
}

struct SourceType {
  std::string_view name;
  Result<std::vector<Dynamic>> (*read)(ProviderContext&);
  std::vector<std::string_view> keys;  // besides type and path
  std::string_view path_means;
};

const std::vector<SourceType>& source_types() {
  static const std::vector<SourceType> types = {
      {"traefik-file", file_provider, {}, "a Traefik dynamic configuration file or directory"},
      {"docker-labels",
       docker_labels_provider,
       {"project"},
       "a compose file, or the directory of the compose project"},
      {"kubernetes",
       kubernetes_provider,
       {"namespace"},
       "a manifest file or a directory of them (kubectl get -o yaml output)"},
  };
  return types;
}

}  // namespace

Result<void> import_sources(Node& tree, Sources& sources, Imported& out) {
  const Node* list = tree.find("sources");
  if (list == nullptr) return {};
  if (!list->is(Kind::Array))
    return sources.error("sources: expected an array of tables", list->origin, list->span,
                         "[[sources]]\ntype = \"traefik-file\"\npath = \"traefik/dynamic.yml\"");
  auto traefik = traefik_section(tree, sources);
  BRIDGE_TRY(traefik);
  const Node sources_list = *list;  // the tree grows below
  // One importer for every source: a router may name another provider's middleware.
  Importer importer(tree, sources, out.warnings, traefik->entrypoints,
                    traefik->listeners_for_entrypoints);
  std::vector<std::string> type_names;
  for (const SourceType& t : source_types()) type_names.emplace_back(t.name);
  for (size_t i = 0; i < sources_list.items.size(); ++i) {
    const Node& source = sources_list.items[i];
    const std::string at = "sources[" + std::to_string(i) + "]";
    const Node* type = source.find("type");
    const Node* path = source.find("path");
    const SourceType* chosen = nullptr;
    for (const SourceType& t : source_types())
      if (type != nullptr && type->is(Kind::String) && type->text == t.name) chosen = &t;
    if (chosen == nullptr)
      return sources.error(at + ".type: expected one of " + join(type_names),
                           type != nullptr ? type->origin : source.origin,
                           type != nullptr ? type->span : 1,
                           "e.g. type = \"traefik-file\", path = \"traefik/dynamic.yml\"");
    if (path == nullptr || !path->is(Kind::String))
      return sources.error(at + ": needs path (" + std::string(chosen->path_means) + ")",
                           source.origin, 1, "e.g. path = \"traefik/dynamic.yml\"");
    for (const Entry& e : source.entries)
      if (e.key != "type" && e.key != "path" &&
          std::find(chosen->keys.begin(), chosen->keys.end(), e.key) == chosen->keys.end()) {
        std::vector<std::string> known = {"type", "path"};
        known.insert(known.end(), chosen->keys.begin(), chosen->keys.end());
        if (std::vector<std::string> all = keys_inside("sources[]");
            std::find(all.begin(), all.end(), e.key) == all.end())
          return sources.error(at + "." + e.key + ": unknown key", e.key_origin, e.key_span,
                               suggest(e.key, all, "known keys: " + join(all)));
        return sources.error(at + "." + e.key + ": unknown key for type " + type->text,
                             e.key_origin, e.key_span, "known keys: " + join(known));
      }
    // Relative to the profile file that names it, as usersFile is.
    std::string where = path->text;
    if (!where.starts_with('/') && path->origin.has_position() &&
        !path->origin.source.starts_with("<"))
      where = (fs::path(path->origin.source).parent_path() / where).lexically_normal().string();
    std::error_code ec;
    if (!fs::exists(where, ec))
      return sources.error(at + ".path: " + detail::quoted(where) + " does not exist", path->origin,
                           path->span, std::string(chosen->path_means));
    ProviderContext context{source,    where,        at,          sources,           out.files,
                            out.texts, out.warnings, out.options, out.label_projects};
    auto documents = chosen->read(context);
    BRIDGE_TRY(documents);
    for (const Dynamic& d : *documents) BRIDGE_TRY(importer.add(d));
  }
  return importer.finish(out.routes);
}

}  // namespace bridge::config::detail
