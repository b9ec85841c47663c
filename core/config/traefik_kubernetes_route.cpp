// type = "kubernetes": IngressRoute and IngressRouteTCP objects as Traefik's kubernetescrd
// provider builds their routers (pkg/provider/kubernetes/crd/kubernetes_http.go and
// kubernetes_tcp.go, Traefik v3): a router per route, named NS-NAME-<hash of the match>.
#include "config/detail/traefik_kubernetes.hpp"

namespace bridge::config::detail::kube {

namespace {

// The router `key` of `routers`, or nullptr.
Node* router_named(Node& routers, const std::string& key) { return routers.find(key); }

}  // namespace

// Traefik (with no ingressClass of its own set) reads the objects of class "traefik" and those
// with none; an Ingress's class may also be an IngressClass of Traefik's controller.
bool ManifestReader::ingress_class_ok(const Object& o, bool ingress) {
  const Node* cls = nullptr;
  if (const Node* spec = o.spec(); spec != nullptr && spec->is(Kind::Table))
    cls = spec->find("ingressClassName");
  if (cls == nullptr || !cls->is(Kind::String))
    if (const Node* metadata = o.node->find("metadata"))
      if (const Node* annotations = metadata->find("annotations"))
        cls = annotations->find("kubernetes.io/ingress.class");
  if (cls == nullptr || !cls->is(Kind::String) || cls->text.empty() || cls->text == "traefik")
    return true;
  if (ingress && traefik_classes_.contains(cls->text)) return true;
  cannot_honour(context_,
                o.describe() + ": ingress class " + detail::quoted(cls->text) +
                    " is not Traefik's; left out",
                cls->origin, cls->span,
                "Traefik reads the objects of class traefik (or of an IngressClass whose "
                "controller is traefik.io/ingress-controller) and those with no class");
  return false;
}

Result<void> ManifestReader::ingress_route(const Object& o) {
  auto found = spec_table(o);
  BRIDGE_TRY(found);
  const Node* spec = *found;
  if (!ingress_class_ok(o, false)) return {};
  const Node* entry_points = nullptr;
  const Node* routes = nullptr;
  for (const Entry& e : spec->entries) {
    if (e.key == "entryPoints" || e.key == "routes") {
      if (!e.value.is(Kind::Array)) return fail(o, "spec." + e.key, "expected an array", e.value);
      (e.key == "routes" ? routes : entry_points) = &e.value;
    } else if (e.key == "parentRefs") {
      warn_key(o, "spec", e,
               "bridge routes each IngressRoute on its own, not below a parent's routers; this "
               "IngressRoute is left out");
      return {};
    } else if (e.key != "tls" && e.key != "ingressClassName") {
      // tls: an HTTP router's certificates are its bridge listener's.
      return unknown_key(o, "spec", e, {"entryPoints", "routes", "tls", "ingressClassName"});
    }
  }
  if (routes == nullptr)
    return fail(o, "spec", "missing \"routes\"", *spec,
                "e.g. routes: [{match: Host(`app.localhost`), services: [{name: app, port: 80}]}]");
  for (size_t i = 0; i < routes->items.size(); ++i)
    BRIDGE_TRY(ingress_route_rule(o, "spec.routes[" + std::to_string(i) + "]", routes->items[i],
                                  entry_points));
  return {};
}

Result<void> ManifestReader::ingress_route_rule(const Object& o, const std::string& path,
                                                const Node& route, const Node* entry_points) {
  if (!route.is(Kind::Table)) return fail(o, path, "expected a table", route);
  auto match = text(o, route, "match", path, true);
  BRIDGE_TRY(match);
  Node router = table_node(route.origin);
  const Node* services = nullptr;
  const Node* middlewares = nullptr;
  for (const Entry& e : route.entries) {
    if (e.key == "match") {
      put(router, "rule", e.value);
    } else if (e.key == "kind") {
      if (!e.value.is(Kind::String) || e.value.text != "Rule") {
        warn(o, path + ".kind", "Traefik reads routes of kind Rule only; this route is left out",
             e.value);
        return {};
      }
    } else if (e.key == "priority" || e.key == "syntax" || e.key == "observability") {
      put(router, e.key == "syntax" ? "ruleSyntax" : e.key, e.value, e.key_origin, e.key_span);
    } else if (e.key == "services" || e.key == "middlewares") {
      if (!e.value.is(Kind::Array))
        return fail(o, path + "." + e.key, "expected an array", e.value);
      (e.key == "services" ? services : middlewares) = &e.value;
    } else {
      return unknown_key(
          o, path, e,
          {"match", "kind", "priority", "syntax", "services", "middlewares", "observability"});
    }
  }
  const std::string key = traefik_normalize(o.ns + "-" + rule_key(o.name, *match));
  const std::string name = key + "@kubernetescrd";
  if (entry_points != nullptr) put(router, "entryPoints", *entry_points);
  if (middlewares != nullptr) {
    auto names = middleware_refs(o, path + ".middlewares", *middlewares);
    BRIDGE_TRY(names);
    std::vector<std::string> qualified;
    for (const Node& n : names->items)
      qualified.push_back(n.text.find('@') == std::string::npos ? n.text + "@kubernetescrd"
                                                                : n.text);
    if (const std::string refused = refused_among(qualified); !refused.empty()) {
      warn(o, path, "router " + name + " is left out: bridge cannot run its middleware " + refused,
           route, "the warning about " + refused + " says why");
      return {};
    }
    put(router, "middlewares", std::move(*names));
  }
  if (services == nullptr || services->items.empty()) {
    warn(o, path, "no services: Traefik builds such a router only below parentRefs; left out",
         route);
    return {};
  }
  std::string service = key;
  if (services->items.size() == 1) {
    auto single = service_ref(o, path + ".services[0]", services->items.front(), key);
    BRIDGE_TRY(single);
    service = *single;
  } else {
    BRIDGE_TRY(weighted(o, path + ".services", *services, key, route));
  }
  put(router, "service", string_node(service, services->origin, services->span));
  crd_.dynamic.described[name] = o.describe() + " of " + o.origin.str();
  if (Node* same = router_named(crd_.http_routers, key)) {
    warn(o, path + ".match", "the same match as another route of " + o.describe(),
         *route.find("match"), "Traefik names both " + name + " and keeps this one");
    *same = std::move(router);
    return {};
  }
  put(crd_.http_routers, key, std::move(router), route.origin, route.span);
  return {};
}

Result<void> ManifestReader::ingress_route_tcp(const Object& o) {
  auto found = spec_table(o);
  BRIDGE_TRY(found);
  const Node* spec = *found;
  if (!ingress_class_ok(o, false)) return {};
  const Node* entry_points = nullptr;
  const Node* routes = nullptr;
  Node tls = table_node(spec->origin);
  bool has_tls = false;
  for (const Entry& e : spec->entries) {
    if (e.key == "entryPoints" || e.key == "routes") {
      if (!e.value.is(Kind::Array)) return fail(o, "spec." + e.key, "expected an array", e.value);
      (e.key == "routes" ? routes : entry_points) = &e.value;
    } else if (e.key == "tls") {
      // Passed through, or terminated with the bridge listener's certificates.
      has_tls = true;
      tls.origin = e.value.origin;
      if (const Node* passthrough = e.value.find("passthrough"))
        put(tls, "passthrough", *passthrough);
    } else if (e.key != "ingressClassName") {
      return unknown_key(o, "spec", e, {"entryPoints", "routes", "tls", "ingressClassName"});
    }
  }
  if (routes == nullptr)
    return fail(o, "spec", "missing \"routes\"", *spec,
                "e.g. routes: [{match: HostSNI(`*`), services: [{name: db, port: 5432}]}]");
  for (size_t i = 0; i < routes->items.size(); ++i)
    BRIDGE_TRY(ingress_route_tcp_rule(o, "spec.routes[" + std::to_string(i) + "]", routes->items[i],
                                      entry_points, has_tls ? &tls : nullptr));
  return {};
}

Result<void> ManifestReader::ingress_route_tcp_rule(const Object& o, const std::string& path,
                                                    const Node& route, const Node* entry_points,
                                                    const Node* tls) {
  if (!route.is(Kind::Table)) return fail(o, path, "expected a table", route);
  auto match = text(o, route, "match", path, true);
  BRIDGE_TRY(match);
  Node router = table_node(route.origin);
  const Node* services = nullptr;
  for (const Entry& e : route.entries) {
    if (e.key == "match") {
      put(router, "rule", e.value);
    } else if (e.key == "priority" || e.key == "syntax") {
      put(router, e.key == "syntax" ? "ruleSyntax" : e.key, e.value, e.key_origin, e.key_span);
    } else if (e.key == "services") {
      if (!e.value.is(Kind::Array))
        return fail(o, path + ".services", "expected an array", e.value);
      services = &e.value;
    } else if (e.key == "middlewares") {
      if (!e.value.is(Kind::Array))
        return fail(o, path + ".middlewares", "expected an array", e.value);
      auto names = middleware_refs(o, path + ".middlewares", e.value);
      BRIDGE_TRY(names);
      put(router, "middlewares", std::move(*names), e.key_origin, e.key_span);
    } else {
      return unknown_key(o, path, e, {"match", "priority", "syntax", "services", "middlewares"});
    }
  }
  // Traefik's makeID(namespace, key): not normalized, unlike an HTTP router's name.
  const std::string key = o.ns + "-" + rule_key(o.name, *match);
  if (entry_points != nullptr) put(router, "entryPoints", *entry_points);
  if (tls != nullptr) put(router, "tls", *tls);
  if (services == nullptr || services->items.empty()) {
    warn(o, path, "no services; this route is left out", route);
    return {};
  }
  BRIDGE_TRY(tcp_services(o, path + ".services", *services, key, route));
  put(router, "service", string_node(key, services->origin, services->span));
  crd_.dynamic.described[key + "@kubernetescrd"] = o.describe() + " of " + o.origin.str();
  if (Node* same = router_named(crd_.tcp_routers, key)) {
    warn(o, path + ".match", "the same match as another route of " + o.describe(),
         *route.find("match"), "Traefik names both " + key + "@kubernetescrd and keeps this one");
    *same = std::move(router);
    return {};
  }
  put(crd_.tcp_routers, key, std::move(router), route.origin, route.span);
  return {};
}

// One service is the router's; several are a weighted service of KEY-SVC-PORT children.
Result<void> ManifestReader::tcp_services(const Object& o, const std::string& path,
                                          const Node& list, const std::string& key,
                                          const Node& at) {
  Node weighted_services = array_node(list.origin);
  for (size_t i = 0; i < list.items.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const Node& spec = list.items[i];
    if (!spec.is(Kind::Table)) return fail(o, item_path, "expected a table", spec);
    auto name = text(o, spec, "name", item_path, true);
    BRIDGE_TRY(name);
    auto ns = text(o, spec, "namespace", item_path, false);
    BRIDGE_TRY(ns);
    auto weight = get(o, spec, "weight", item_path, Kind::Integer);
    BRIDGE_TRY(weight);
    std::vector<Entry> extra;
    bool direct = false;
    for (const Entry& e : spec.entries) {
      if (e.key == "proxyProtocol" || e.key == "terminationDelay") {
        extra.push_back(e);
      } else if (e.key == "nativeLB") {
        direct = e.value.is(Kind::Boolean) && e.value.boolean;
      } else if (e.key == "tls") {
        if (e.value.is(Kind::Boolean) && e.value.boolean)
          warn_key(o, item_path, e,
                   "bridge relays the bytes as they come; it does not open TLS to the Service",
                   "pass the client's TLS through instead (tls: {passthrough: true})");
      } else if (e.key == "serversTransport" || e.key == "nodePortLB") {
        warn_key(o, item_path, e, "not something bridge does; left out");
      } else if (e.key != "name" && e.key != "namespace" && e.key != "port" && e.key != "weight") {
        return unknown_key(o, item_path, e,
                           {"name", "namespace", "port", "weight", "proxyProtocol",
                            "terminationDelay", "serversTransport", "tls", "nativeLB",
                            "nodePortLB"});
      }
    }
    auto target_of = target(o, item_path, ns->empty() ? o.ns : *ns, *spec.find("name"),
                            spec.find("port"), nullptr, direct, true);
    BRIDGE_TRY(target_of);
    const std::string child =
        list.items.size() == 1 ? key : key + "-" + *name + "-" + port_text(*spec.find("port"));
    add_load_balancer(crd_, child, spec, std::move(*target_of), true, std::move(extra));
    Node ref = table_node(spec.origin);
    put(ref, "name", string_node(child, spec.origin, spec.span));
    put(ref, "weight", *weight != nullptr ? **weight : integer_node(1, spec.origin));
    weighted_services.items.push_back(std::move(ref));
  }
  if (list.items.size() > 1 && crd_.service_names.insert(key).second) {
    Node weights = table_node(list.origin);
    put(weights, "services", std::move(weighted_services));
    Node service = table_node(at.origin);
    put(service, "weighted", std::move(weights));
    put(crd_.tcp_services, key, std::move(service), at.origin, at.span);
  }
  return {};
}

}  // namespace bridge::config::detail::kube
