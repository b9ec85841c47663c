// type = "kubernetes": networking.k8s.io/v1 Ingresses as Traefik's kubernetes (ingress) provider
// builds them (pkg/provider/kubernetes/ingress/kubernetes.go and annotations.go, Traefik v3): a
// router per host and path, named NS-NAME-HOSTPATH, the router.* annotations as its options.
#include "config/detail/traefik_kubernetes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bridge::config::detail::kube {

namespace {

constexpr std::string_view router_prefix = "traefik.ingress.kubernetes.io/router.";
constexpr std::string_view service_prefix = "traefik.ingress.kubernetes.io/service.";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0)
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.remove_suffix(1);
  return std::string(text);
}

// Go's %q for the hosts and paths of an Ingress: Traefik writes Host("a") && PathPrefix("/b").
std::string go_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// "a, b" as an array of strings, each at the annotation's value.
Node comma_list(const Node& value) {
  Node out = array_node(value.origin);
  size_t start = 0;
  const std::string& text = value.text;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (std::string item = trim(std::string_view(text).substr(start, end - start)); !item.empty())
      out.items.push_back(string_node(std::move(item), value.origin, value.span));
    start = end + 1;
  }
  return out;
}

const Node* annotations_of(const Node& object) {
  const Node* metadata = object.find("metadata");
  const Node* annotations = metadata != nullptr ? metadata->find("annotations") : nullptr;
  return annotations != nullptr && annotations->is(Kind::Table) ? annotations : nullptr;
}

}  // namespace

// The router.* annotations (Traefik's parseRouterConfig): what every router of the Ingress has.
Result<void> ManifestReader::ingress_options(const Object& o, IngressOptions& options) {
  const Node* annotations = annotations_of(*o.node);
  if (annotations == nullptr) return {};
  for (const Entry& a : annotations->entries) {
    const std::string key = lower(a.key);
    if (!key.starts_with(router_prefix)) continue;
    const std::string option = key.substr(router_prefix.size());
    const std::string at = "metadata.annotations." + a.key;
    Node value = a.value;
    if (value.is(Kind::Integer)) value = string_node(std::to_string(value.integer), value.origin);
    if (!value.is(Kind::String)) return fail(o, at, "expected a string", a.value);
    if (option == "entrypoints" || option == "middlewares") {
      Node list = comma_list(value);
      if (option == "middlewares")
        for (const Node& m : list.items)
          options.middlewares.push_back(
              m.text.find('@') == std::string::npos ? m.text + "@kubernetes" : m.text);
      put(options.router, option == "entrypoints" ? "entryPoints" : "middlewares", std::move(list),
          a.key_origin, a.key_span);
    } else if (option == "priority") {
      int64_t priority = 0;
      const std::string& t = value.text;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), priority);
      if (ec != std::errc() || end != t.data() + t.size())
        return fail(o, at, "expected a whole number", a.value);
      put(options.router, "priority", integer_node(priority, value.origin), a.key_origin,
          a.key_span);
    } else if (option == "rulesyntax") {
      put(options.router, "ruleSyntax", value, a.key_origin, a.key_span);
    } else if (option == "pathmatcher") {
      if (value.text != "Path" && value.text != "PathPrefix" && value.text != "PathRegexp")
        return fail(o, at, "expected Path, PathPrefix or PathRegexp", a.value);
      options.path_matcher = value.text;
    } else if (option == "tls" || option.starts_with("tls.")) {
      // An HTTP router's TLS is its bridge listener's.
    } else {
      warn_key(o, "metadata.annotations", a, "not a router option bridge reads; left out",
               "bridge reads router.entrypoints, middlewares, priority, rulesyntax, "
               "pathmatcher and tls");
    }
  }
  return {};
}

Result<void> ManifestReader::ingress(const Object& o) {
  auto found = spec_table(o);
  BRIDGE_TRY(found);
  const Node* spec = *found;
  if (!ingress_class_ok(o, true)) return {};
  IngressOptions options{table_node(o.origin), {}, "PathPrefix"};
  BRIDGE_TRY(ingress_options(o, options));
  if (const std::string refused = refused_among(options.middlewares); !refused.empty()) {
    cannot_honour(context_,
                  o.describe() + ": left out: bridge cannot run its middleware " + refused,
                  o.origin, o.span, "the warning about " + refused + " says why");
    return {};
  }
  const Node* rules = nullptr;
  const Node* default_backend = nullptr;
  for (const Entry& e : spec->entries) {
    if (e.key == "rules") {
      if (!e.value.is(Kind::Array)) return fail(o, "spec.rules", "expected an array", e.value);
      rules = &e.value;
    } else if (e.key == "defaultBackend") {
      default_backend = &e.value;
    } else if (e.key != "tls" && e.key != "ingressClassName") {
      return unknown_key(o, "spec", e, {"rules", "defaultBackend", "tls", "ingressClassName"});
    }
  }
  if (rules == nullptr || rules->items.empty()) {
    if (default_backend != nullptr)
      BRIDGE_TRY(ingress_default(o, *default_backend, options.router));
    return {};
  }
  if (default_backend != nullptr)
    warn(o, "spec.defaultBackend",
         "Traefik reads the default backend of an Ingress without rules only; left out",
         *default_backend);
  std::map<std::string, std::vector<std::pair<Node, const Node*>>> routers;  // key -> (router, at)
  for (size_t i = 0; i < rules->items.size(); ++i) {
    const std::string path = "spec.rules[" + std::to_string(i) + "]";
    const Node& rule = rules->items[i];
    if (!rule.is(Kind::Table)) return fail(o, path, "expected a table", rule);
    auto host = text(o, rule, "host", path, false);
    BRIDGE_TRY(host);
    auto http = get(o, rule, "http", path, Kind::Table);
    BRIDGE_TRY(http);
    auto paths = *http != nullptr ? get(o, **http, "paths", path + ".http", Kind::Array)
                                  : Result<const Node*>(nullptr);
    BRIDGE_TRY(paths);
    if (*paths == nullptr) continue;
    for (size_t j = 0; j < (*paths)->items.size(); ++j) {
      const Node& p = (*paths)->items[j];
      auto router =
          ingress_path(o, path + ".http.paths[" + std::to_string(j) + "]", *host, p, options);
      BRIDGE_TRY(router);
      if (router->entries.empty()) continue;
      const Node* value = p.find("path");
      const std::string key = traefik_normalize(o.ns + "-" + o.name + "-" + *host +
                                                (value != nullptr ? value->text : std::string()));
      routers[key].emplace_back(std::move(*router), &p);
    }
  }
  // Routers that would share a name get the hash of their rule, as Traefik names them.
  for (auto& [key, same] : routers)
    for (auto& [router, at] : same) {
      const std::string name = same.size() == 1 ? key : rule_key(key, router.find("rule")->text);
      ingress_.dynamic.described[name + "@kubernetes"] = o.describe() + " of " + o.origin.str();
      put(ingress_.http_routers, name, std::move(router), at->origin, at->span);
    }
  return {};
}

// One path of a rule: a router of options.router's options, its rule Traefik's (Host("h") &&
// PathPrefix("/p")); an empty table for a resource backend, which is left out with a warning.
Result<Node> ManifestReader::ingress_path(const Object& o, const std::string& at,
                                          const std::string& host, const Node& p,
                                          const IngressOptions& options) {
  if (!p.is(Kind::Table)) return fail(o, at, "expected a table", p);
  auto value = text(o, p, "path", at, false);
  BRIDGE_TRY(value);
  auto type = text(o, p, "pathType", at, false);
  BRIDGE_TRY(type);
  auto backend = get(o, p, "backend", at, Kind::Table);
  BRIDGE_TRY(backend);
  if (*backend == nullptr) return fail(o, at, "missing \"backend\"", p);
  auto service = ingress_backend(o, at + ".backend", **backend);
  BRIDGE_TRY(service);
  if (service->empty()) return table_node(p.origin);
  std::string matcher = options.path_matcher;
  if (*type == "Exact") {
    matcher = "Path";
  } else if (*type == "Prefix") {
    matcher = "PathPrefix";
  } else if (!type->empty() && *type != "ImplementationSpecific") {
    return fail(o, at + ".pathType", "expected Exact, Prefix or ImplementationSpecific",
                *p.find("pathType"));
  }
  std::vector<std::string> parts;
  if (!host.empty()) parts.push_back("Host(" + go_quoted(host) + ")");
  if (!value->empty()) parts.push_back(matcher + "(" + go_quoted(*value) + ")");
  // Neither: all of the Ingress's traffic (Traefik would build an empty rule).
  if (parts.empty()) parts.emplace_back("PathPrefix(\"/\")");
  Node router = options.router;
  router.origin = p.origin;
  put(router, "rule", string_node(join(parts, " && "), p.origin, p.span));
  put(router, "service", string_node(*service, (*backend)->origin, (*backend)->span));
  return router;
}

// An Ingress with no rules and a default backend: Traefik's "default-router", below every
// other router (Traefik's priority is math.MinInt32; bridge's lowest is -1000000000).
Result<void> ManifestReader::ingress_default(const Object& o, const Node& backend,
                                             const Node& options) {
  if (!backend.is(Kind::Table)) return fail(o, "spec.defaultBackend", "expected a table", backend);
  if (ingress_.http_routers.find("default-router") != nullptr) {
    warn(o, "spec.defaultBackend", "another Ingress has the default backend already; left out",
         backend);
    return {};
  }
  auto service = ingress_backend(o, "spec.defaultBackend", backend, "default-backend");
  BRIDGE_TRY(service);
  if (service->empty()) return {};
  Node router = options;
  router.origin = backend.origin;
  put(router, "rule", string_node("PathPrefix(\"/\")", backend.origin, backend.span));
  if (router.find("priority") == nullptr)
    put(router, "priority", integer_node(-1'000'000'000, backend.origin));
  put(router, "service", string_node(*service, backend.origin, backend.span));
  ingress_.dynamic.described["default-router@kubernetes"] = o.describe() + " of " + o.origin.str();
  put(ingress_.http_routers, "default-router", std::move(router), backend.origin, backend.span);
  return {};
}

// backend.service {name, port: {number | name}} as the loadBalancer service NS-SVC-PORT (or
// `own_name`); "" when it is a resource backend, which Traefik does not read.
Result<std::string> ManifestReader::ingress_backend(const Object& o, const std::string& path,
                                                    const Node& backend,
                                                    const std::string& own_name) {
  if (const Node* resource = backend.find("resource")) {
    warn(o, path + ".resource", "Traefik routes to Services, not resource backends; left out",
         *resource);
    return std::string();
  }
  auto service = get(o, backend, "service", path, Kind::Table);
  BRIDGE_TRY(service);
  if (*service == nullptr) return fail(o, path, "missing \"service\"", backend);
  const std::string at = path + ".service";
  auto name = text(o, **service, "name", at, true);
  BRIDGE_TRY(name);
  auto port = get(o, **service, "port", at, Kind::Table);
  BRIDGE_TRY(port);
  const Node* number = *port != nullptr ? (*port)->find("number") : nullptr;
  const Node* port_name = *port != nullptr ? (*port)->find("name") : nullptr;
  const Node* chosen = number != nullptr ? number : port_name;
  if (chosen == nullptr)
    return fail(o, at, "needs port.number or port.name", **service, "e.g. port: {number: 80}");
  // The Service's traefik.ingress.kubernetes.io/service.* annotations.
  std::vector<Entry> extra;
  const Node* scheme = nullptr;
  bool direct = false;
  const Object* svc = service_object(o.ns, *name);
  const Node* annotations = svc != nullptr ? annotations_of(*svc->node) : nullptr;
  const std::string service_name =
      !own_name.empty() ? own_name
                        : traefik_normalize(o.ns + "-" + *name + "-" + port_text(*chosen));
  if (ingress_.service_names.contains(service_name)) return service_name;
  // Both branches lvalues: a ?: with a temporary would copy the entries, and `scheme` below
  // would point into the copy after the loop (ASan: heap-use-after-free).
  static const std::vector<Entry> none;
  for (const Entry& a : annotations != nullptr ? annotations->entries : none) {
    const std::string key = lower(a.key);
    if (!key.starts_with(service_prefix)) continue;
    const std::string option = key.substr(service_prefix.size());
    const bool yes = a.value.is(Kind::String) ? lower(a.value.text) == "true"
                                              : a.value.is(Kind::Boolean) && a.value.boolean;
    if (option == "serversscheme") {
      scheme = &a.value;
    } else if (option == "passhostheader") {
      Entry pass = a;
      pass.key = "passHostHeader";
      pass.value = boolean_node(yes, a.value.origin);
      extra.push_back(std::move(pass));
    } else if (option == "nativelb") {
      direct = yes;
    } else {
      warn_key(*svc, "metadata.annotations", a, "not a service option bridge reads; left out",
               "bridge reads service.serversscheme, passhostheader and nativelb");
    }
  }
  auto target_of = target(o, at, o.ns, *(*service)->find("name"), chosen, scheme, direct, false);
  BRIDGE_TRY(target_of);
  add_load_balancer(ingress_, service_name, **service, std::move(*target_of), false,
                    std::move(extra));
  return service_name;
}

}  // namespace bridge::config::detail::kube
