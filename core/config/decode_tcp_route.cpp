// [[tcp_routes]]: Traefik's TCP routers. The rule's syntax is checked where it is compiled
// (proxy/snapshot.cpp, with the route module); here the entry's shape and references.
#include "config/detail/decode.hpp"

#include <algorithm>

namespace bridge::config::detail {
namespace {

bool tcp_scheme(std::string_view url) {
  std::string_view scheme = target_scheme(url);
  return scheme == "tcp" || scheme == "unix" || scheme == "compose" || scheme == "k8s";
}

constexpr std::string_view tcp_target_hint =
    "a TCP route forwards to tcp://host:port, unix:///path.sock, compose://service:port or "
    "k8s://namespace/service:port";

// An upstream name whose targets are all TCP-capable, or an inline TCP target.
void check_tcp_upstream(Reader& r, const TcpRoute& route, const Config& config) {
  const Node* v = r.get("upstream");
  if (!v || !v->is(Kind::String)) return;
  if (route.upstream.find("://") != std::string::npos) {
    if (auto why = check_target(route.upstream); !why.empty())
      r.decoder().fail(r.path("upstream") + ": invalid target " + quoted(route.upstream) + ": " +
                           why,
                       *v, std::string(tcp_target_hint));
    else if (!tcp_scheme(route.upstream))
      r.decoder().fail(r.path("upstream") + ": " + quoted(route.upstream) + " is not a TCP target",
                       *v, std::string(tcp_target_hint));
    return;
  }
  const Upstream* up = config.find_upstream(route.upstream);
  if (up == nullptr)
    return r.decoder().fail(
        "tcp route " + quoted(route.name) + ": unknown upstream " + quoted(route.upstream), *v,
        suggest(route.upstream, names_of(config.upstreams),
                "define it under [[upstreams]], or use a target URL such as "
                "\"tcp://127.0.0.1:5432\""));
  for (const auto& target : up->targets)
    if (!tcp_scheme(target))
      return r.decoder().fail("tcp route " + quoted(route.name) + ": upstream " +
                                  quoted(route.upstream) + " has the target " + quoted(target) +
                                  ", which is not TCP",
                              *v, std::string(tcp_target_hint));
}

// Every listener named must relay TCP, or be a TLS listener that a passthrough route shares
// with HTTP (as Traefik's websecure); naming none means all TCP listeners, of which there must
// be one.
void check_tcp_listeners(Reader& r, const TcpRoute& route, const Config& config,
                         const std::string& owner) {
  const Node* listeners = r.get("listeners");
  for (size_t i = 0; listeners && i < route.listeners.size(); ++i) {
    const Listener* l = config.find_listener(route.listeners[i]);
    if (l == nullptr) continue;
    if (route.tls_terminate && !l->tls)
      return r.decoder().fail(owner +
                                  ": tls = {} terminates TLS with the listener's "
                                  "certificates, and listener " +
                                  quoted(l->name) + " has none",
                              listeners->items[i],
                              "list a listener with a tls table here, or pass the TLS "
                              "connection through with tls = { passthrough = true }");
    if (l->is_tcp() || (l->tls && route.reads_tls())) continue;
    return r.decoder().fail(
        owner + ": listener " + quoted(l->name) +
            " serves HTTP; a TCP route needs protocol = \"tcp\" on it" +
            (l->tls ? ", or tls = { passthrough = true } or tls = {} (terminate)" : ""),
        listeners->items[i],
        l->tls ? "with tls the route takes the TLS connections whose ClientHello it matches "
                 "(passed through, or terminated with the listener's certificates), and HTTP "
                 "keeps the rest"
               : "add protocol = \"tcp\" to [[listeners]] " + quoted(l->name) +
                     ", or define a TCP listener for this route");
  }
  if (route.tls_terminate && listeners == nullptr)
    return r.decoder().fail(owner + ": tls = {} terminates TLS with a listener's certificates; "
                                    "name that listener",
                            r.node(), "add listeners = [\"NAME\"] with a listener that has tls");
  if (listeners == nullptr && std::none_of(config.listeners.begin(), config.listeners.end(),
                                           [](const Listener& l) { return l.is_tcp(); }))
    r.decoder().fail(owner + ": no listener relays TCP", r.node(),
                     "add [[listeners]] with protocol = \"tcp\" (e.g. name = \"pg\", bind = "
                     "\"127.0.0.1:5432\") and listeners = [\"pg\"] here");
}

}  // namespace

void decode_tcp_route(Reader& r, TcpRoute& out, const Config& config) {
  std::string owner = "tcp route " + quoted(out.name);
  if (!r.require("rule", owner, "add rule = \"HostSNI(`*`)\" (every connection)")) return;
  if (!r.require("upstream", owner, "add upstream = \"tcp://127.0.0.1:5432\" or an upstream name"))
    return;
  r.string("rule", out.rule);
  if (const Node* rule = r.get("rule");
      rule->is(Kind::String) && out.rule.find_first_not_of(" \t\r\n") == std::string::npos)
    r.decoder().fail(r.path("rule") + ": is empty", *rule, "e.g. rule = \"HostSNI(`*`)\"");
  r.string("upstream", out.upstream);
  check_tcp_upstream(r, out, config);
  if (const Node* tls = r.table("tls")) {
    Reader tr(r, "tls", *tls);
    tr.boolean("passthrough", out.tls_passthrough);
    out.tls_terminate = !out.tls_passthrough;  // Traefik's tls: {} on a TCP router
  }
  r.strings("listeners", out.listeners);
  check_names(r, "listeners", out.listeners, owner, names_of(config.listeners), "listener");
  if (!r.decoder().failed()) check_tcp_listeners(r, out, config, owner);
  r.integer("priority", out.priority, -1'000'000'000, 1'000'000'000);
  r.duration("idle_timeout", out.idle_timeout, true);
  r.strings("middlewares", out.middlewares);
  check_tcp_middleware_names(r, out, config);
}

}  // namespace bridge::config::detail
