#include "config/detail/decode.hpp"

#include <algorithm>

namespace bridge::config::detail {

void check_names(Reader& r, std::string_view key, const std::vector<std::string>& names,
                 const std::string& owner, const std::vector<std::string>& known,
                 std::string_view kind) {
  const Node* v = r.get(key);
  for (size_t i = 0; v && i < names.size(); ++i) {
    if (std::find(known.begin(), known.end(), names[i]) != known.end()) continue;
    return r.decoder().fail(owner + ": unknown " + std::string(kind) + " " + quoted(names[i]),
                            v->items[i], suggest(names[i], known, "defined: " + join(known)));
  }
}

std::string_view target_scheme(std::string_view url) {
  auto sep = url.find("://");
  return sep == std::string_view::npos ? std::string_view() : url.substr(0, sep);
}

namespace {

void decode_headers(Reader& r, HeaderOps& out) {
  if (const Node* set = r.table("set")) {
    for (const Entry& e : set->entries) {
      if (!valid_header_name(e.key))
        return r.decoder().fail(r.decoder().sources().error(
            r.path("set") + ": invalid header name " + quoted(e.key), e.key_origin, e.key_span,
            "header names are letters, digits and !#$%&'*+-.^_`|~"));
      if (!r.expect("set." + render_key(e.key), e.value, Kind::String, "a string")) return;
      out.set.emplace_back(e.key, e.value.text);
    }
  }
  r.strings("remove", out.remove);
  const Node* remove = r.get("remove");
  for (size_t i = 0; remove && i < out.remove.size(); ++i)
    if (!valid_header_name(out.remove[i]))
      return r.decoder().fail(r.path("remove") + ": invalid header name " + quoted(out.remove[i]),
                              remove->items[i]);
}

// An upstream name defined under [[upstreams]], or an inline target URL.
void check_upstream(Reader& r, const Route& route, const Config& config) {
  const Node* v = r.get("upstream");
  if (!v || !v->is(Kind::String)) return;
  if (route.upstream.find("://") != std::string::npos) {
    if (auto why = check_target(route.upstream); !why.empty())
      r.decoder().fail(r.path("upstream") + ": invalid target " + quoted(route.upstream) + ": " +
                           why,
                       *v, std::string(target_hint));
    else if (target_scheme(route.upstream) == "tcp")
      r.decoder().fail(r.path("upstream") + ": " + quoted(route.upstream) +
                           " is a TCP target; an HTTP route forwards to http://, https://, "
                           "h2c://, unix://, compose:// or k8s://",
                       *v,
                       "relay raw TCP with a [[tcp_routes]] entry on a protocol = \"tcp\" "
                       "listener");
    return;
  }
  if (const Upstream* up = config.find_upstream(route.upstream)) {
    if (up->proxy_protocol != 0)
      return r.decoder().fail("route " + quoted(route.name) + ": upstream " +
                                  quoted(route.upstream) +
                                  " sends a PROXY header (proxy_protocol), which HTTP routes do "
                                  "not",
                              *v,
                              "HTTP upstreams learn the client from X-Forwarded-For; use "
                              "the upstream from [[tcp_routes]] only");
    for (const auto& target : up->targets)
      if (target_scheme(target) == "tcp")
        return r.decoder().fail("route " + quoted(route.name) + ": upstream " +
                                    quoted(route.upstream) + " has the TCP target " +
                                    quoted(target),
                                *v,
                                "an HTTP route needs http://, https://, h2c://, unix://, "
                                "compose:// or k8s:// targets; relay raw TCP with [[tcp_routes]]");
    return;
  }
  auto names = names_of(config.upstreams);
  r.decoder().fail("route " + quoted(route.name) + ": unknown upstream " + quoted(route.upstream),
                   *v,
                   suggest(route.upstream, names,
                           "define it under [[upstreams]], or use a target URL such as "
                           "\"http://127.0.0.1:3000\""));
}

}  // namespace

void decode_route(Reader& r, Route& out, const Config& config) {
  std::string owner = "route " + quoted(out.name);
  if (!r.require("rule", owner, "add rule = \"PathPrefix(`/`)\"")) return;
  if (!r.require("upstream", owner, "add upstream = \"NAME\" or an inline target URL")) return;
  // The rule's syntax belongs to the route module; here it only has to be a string.
  r.string("rule", out.rule);
  if (const Node* rule = r.get("rule");
      rule->is(Kind::String) && out.rule.find_first_not_of(" \t\r\n") == std::string::npos)
    r.decoder().fail(r.path("rule") + ": is empty", *rule, "e.g. rule = \"PathPrefix(`/`)\"");
  r.string("upstream", out.upstream);
  check_upstream(r, out, config);
  r.strings("listeners", out.listeners);
  check_names(r, "listeners", out.listeners, owner, names_of(config.listeners), "listener");
  const Node* listeners = r.get("listeners");
  for (size_t i = 0; listeners && i < out.listeners.size(); ++i) {
    const Listener* l = config.find_listener(out.listeners[i]);
    if (l != nullptr && l->is_tcp())
      return r.decoder().fail(owner + ": listener " + quoted(l->name) +
                                  " relays TCP (protocol = \"tcp\"), it serves no HTTP routes",
                              listeners->items[i],
                              "use a [[tcp_routes]] entry for it, or an HTTP listener here");
  }
  r.integer("priority", out.priority, -1'000'000'000, 1'000'000'000);
  r.string("strip_prefix", out.strip_prefix);
  if (const Node* p = r.get("strip_prefix");
      p && p->is(Kind::String) && !out.strip_prefix.starts_with('/'))
    r.decoder().fail(r.path("strip_prefix") + ": must start with \"/\"", *p, "e.g. \"/api\"");
  r.string("host_rewrite", out.host_rewrite);
  if (const Node* h = r.get("host_rewrite");
      h && h->is(Kind::String) && out.host_rewrite.find_first_of(" /\t") != std::string::npos)
    r.decoder().fail(r.path("host_rewrite") + ": expected a host name, got " +
                         quoted(out.host_rewrite),
                     *h, "e.g. \"orders.staging.example.com\"");
  for (auto [key, ops] : {std::pair{"request_headers", &out.request_headers},
                          std::pair{"response_headers", &out.response_headers}}) {
    if (const Node* t = r.table(key)) {
      Reader hr(r, key, *t);
      decode_headers(hr, *ops);
    }
  }
  r.duration("timeout", out.timeout, true);
  r.size("max_body_bytes", out.max_body_bytes);
  r.strings("middlewares", out.middlewares);
  check_middleware_names(r, out.middlewares, owner, config);
}

}  // namespace bridge::config::detail
