// type = "kubernetes" (detail/traefik_providers.hpp): Kubernetes manifests, read as Traefik v3's
// kubernetescrd and kubernetes (Ingress) providers read the cluster's objects. This file finds
// the objects; traefik_kubernetes_crd.cpp (Middleware, TraefikService),
// traefik_kubernetes_route.cpp (IngressRoute, IngressRouteTCP) and traefik_kubernetes_ingress.cpp
// (Ingress) build the dynamic configuration from them, traefik_kubernetes_target.cpp turns
// Services into targets and traefik_kubernetes_names.cpp names what is built as Traefik does.
#include "config/detail/traefik_kubernetes.hpp"

#include "config/detail/yaml.hpp"

#include <algorithm>
#include <cctype>

namespace bridge::config::detail {

namespace kube {

namespace {

bool is_traefik_group(std::string_view group) {
  return group == "traefik.io" || group == "traefik.containo.us";
}

// Objects of Traefik's groups that bridge does not build, and why.
std::string unsupported_kind(std::string_view kind) {
  if (kind == "IngressRouteUDP") return "bridge relays HTTP and TCP, not UDP";
  if (kind == "ServersTransport" || kind == "ServersTransportTCP")
    return "bridge sets TLS to upstreams per upstream (tls = { verify, ca, sni })";
  if (kind == "TLSOption")
    return "TLS versions and client certificates are the bridge listener's (tls.min_version, "
           "tls.client_ca)";
  if (kind == "TLSStore") return "certificates are the bridge listener's (tls = { cert, key })";
  return "not a kind of Traefik's that bridge reads";
}

}  // namespace

ManifestReader::ManifestReader(ProviderContext& context, std::vector<Object> objects)
    : context_(context), objects_(std::move(objects)) {
  for (const Object& o : objects_) {
    if (o.group.empty() && o.kind == "Service") services_[o.ns + "/" + o.name] = &o;
    if (o.group.empty() && o.kind == "Secret") secrets_[o.ns + "/" + o.name] = &o;
    if (o.group == "networking.k8s.io" && o.kind == "IngressClass")
      if (const Node* spec = o.spec())
        if (const Node* controller = spec->find("controller");
            controller != nullptr && controller->is(Kind::String) &&
            controller->text == "traefik.io/ingress-controller")
          traefik_classes_.insert(o.name);
  }
}

Result<std::vector<Dynamic>> ManifestReader::read() {
  // Middlewares first: routers that name one bridge cannot run are left out with a warning.
  for (const Object& o : objects_)
    if (is_traefik_group(o.group) && o.kind == "Middleware") BRIDGE_TRY(middleware(o));
  finish_middlewares();
  for (const Object& o : objects_) {
    if (is_traefik_group(o.group)) {
      if (o.kind == "Middleware") continue;
      if (o.kind == "MiddlewareTCP") {
        BRIDGE_TRY(middleware_tcp(o));
      } else if (o.kind == "TraefikService") {
        BRIDGE_TRY(traefik_service(o));
      } else if (o.kind == "IngressRoute") {
        BRIDGE_TRY(ingress_route(o));
      } else if (o.kind == "IngressRouteTCP") {
        BRIDGE_TRY(ingress_route_tcp(o));
      } else {
        cannot_honour(context_, o.describe() + ": " + unsupported_kind(o.kind) + "; left out",
                      o.origin, o.span);
      }
    } else if (o.kind == "Ingress" && (o.group == "networking.k8s.io" || o.group == "extensions")) {
      if (o.group == "networking.k8s.io" && o.version == "v1") {
        BRIDGE_TRY(ingress(o));
      } else {
        cannot_honour(context_,
                      o.describe() + ": apiVersion " + o.group + "/" + o.version +
                          ": Traefik v3 reads Ingresses of networking.k8s.io/v1; left out",
                      o.origin, o.span, "kubectl convert, or write the v1 shape");
      }
    } else if (o.group == "gateway.networking.k8s.io" && o.kind.ends_with("Route")) {
      cannot_honour(context_,
                    o.describe() +
                        ": bridge reads IngressRoutes and Ingresses, not Gateway API routes; left "
                        "out",
                    o.origin, o.span);
    }
  }
  std::vector<Dynamic> out;
  out.push_back(std::move(crd_).finish());
  out.push_back(std::move(ingress_).finish());
  return out;
}

Error ManifestReader::fail(const Object& o, const std::string& path, const std::string& problem,
                           const Node& at, std::string hint) const {
  return context_.sources.error(o.describe() + ": " + path + ": " + problem, at.origin, at.span,
                                std::move(hint));
}

void ManifestReader::warn(const Object& o, const std::string& path, const std::string& problem,
                          const Node& at, std::string hint) {
  cannot_honour(context_, o.describe() + ": " + path + ": " + problem, at.origin, at.span,
                std::move(hint));
}

void ManifestReader::warn_key(const Object& o, const std::string& path, const Entry& e,
                              const std::string& why, std::string hint) {
  cannot_honour(context_, o.describe() + ": " + path + "." + e.key + ": " + why, e.key_origin,
                e.key_span, std::move(hint));
}

Error ManifestReader::unknown_key(const Object& o, const std::string& path, const Entry& e,
                                  const std::vector<std::string>& known) const {
  return context_.sources.error(o.describe() + ": " + path + "." + e.key + ": unknown key",
                                e.key_origin, e.key_span,
                                suggest(e.key, known, "known keys: " + join(known)));
}

Result<const Node*> ManifestReader::spec_table(const Object& o, std::string_view needs,
                                               std::string hint) const {
  const Node* spec = o.spec();
  const Node& at = spec != nullptr ? *spec : *o.node;
  if (spec == nullptr || !spec->is(Kind::Table) || (!needs.empty() && spec->entries.empty()))
    return fail(o, "spec", needs.empty() ? "missing" : "needs " + std::string(needs), at,
                std::move(hint));
  return spec;
}

Result<const Node*> ManifestReader::get(const Object& o, const Node& table, std::string_view key,
                                        const std::string& path, Kind kind) const {
  const Node* n = table.find(key);
  if (n == nullptr || n->is(kind)) return n;
  // `key:` with nothing after it reads as an empty table: Kubernetes reads it as unset.
  if (n->is(Kind::Table) && n->entries.empty()) return nullptr;
  return fail(
      o, path + "." + std::string(key),
      "expected " + std::string(kind_name(kind)) + ", got " + std::string(kind_name(n->kind)), *n);
}

Result<std::string> ManifestReader::text(const Object& o, const Node& table, std::string_view key,
                                         const std::string& path, bool required) const {
  auto n = get(o, table, key, path, Kind::String);
  BRIDGE_TRY(n);
  if (*n != nullptr && !(*n)->text.empty()) return (*n)->text;
  if (required) return fail(o, path, "missing " + detail::quoted(key), *n != nullptr ? **n : table);
  return std::string();
}

std::string ManifestReader::reference(const std::string& ns, const std::string& name) {
  if (name.find('@') != std::string::npos) return name;
  return traefik_normalize(ns + "-" + name);
}

const Object* ManifestReader::service_object(const std::string& ns, const std::string& name) const {
  auto found = services_.find(ns + "/" + name);
  return found == services_.end() ? nullptr : found->second;
}

void ManifestReader::refuse_middleware(const std::string& qualified, const std::string& why) {
  refused_middlewares_.emplace(qualified, why);
}

std::string ManifestReader::refused_among(const std::vector<std::string>& middlewares) const {
  for (const std::string& m : middlewares)
    if (refused_middlewares_.contains(m)) return m;
  return {};
}

Dynamic Output::finish() && {
  Node config = table_node(Origin{});
  for (auto [key, routers, services, middlewares] :
       {std::tuple{"http", &http_routers, &http_services, &http_middlewares},
        std::tuple{"tcp", &tcp_routers, &tcp_services, &tcp_middlewares}}) {
    Node section = table_node(Origin{});
    if (!routers->entries.empty()) put(section, "routers", std::move(*routers));
    if (!services->entries.empty()) put(section, "services", std::move(*services));
    if (!middlewares->entries.empty()) put(section, "middlewares", std::move(*middlewares));
    if (!section.entries.empty()) put(config, key, std::move(section));
  }
  dynamic.config = std::move(config);
  return std::move(dynamic);
}

namespace {

// A document as a Kubernetes object (or the items of a List), in `out`; documents without a
// kind (kustomization files, Helm values) are not objects and are passed over.
Result<void> collect(const Node& document, const std::string& default_ns, const Sources& sources,
                     std::vector<Object>& out) {
  const Node* kind = document.find("kind");
  const Node* api = document.find("apiVersion");
  if (kind == nullptr || !kind->is(Kind::String) || api == nullptr || !api->is(Kind::String))
    return {};
  if (const Node* items = document.find("items");
      kind->text.ends_with("List") && items != nullptr && items->is(Kind::Array)) {
    for (const Node& item : items->items)
      if (item.is(Kind::Table)) BRIDGE_TRY(collect(item, default_ns, sources, out));
    return {};
  }
  Object o;
  o.node = &document;
  o.kind = kind->text;
  const size_t slash = api->text.find('/');
  o.group = slash == std::string::npos ? "" : api->text.substr(0, slash);
  o.version = slash == std::string::npos ? api->text : api->text.substr(slash + 1);
  o.ns = default_ns;
  o.origin = document.origin;
  const Node* metadata = document.find("metadata");
  if (metadata != nullptr && metadata->is(Kind::Table)) {
    const Node* name = metadata->find("name");
    if (name == nullptr || !name->is(Kind::String)) name = metadata->find("generateName");
    if (name != nullptr && name->is(Kind::String)) {
      o.name = name->text;
      o.origin = name->origin;
      o.span = name->span;
    }
    if (const Node* ns = metadata->find("namespace"); ns != nullptr && ns->is(Kind::String))
      o.ns = ns->text;
  }
  if (o.name.empty()) {
    const bool read = o.group.starts_with("traefik.") || o.kind == "Ingress" ||
                      o.kind == "Service" || o.kind == "Secret";
    if (read)
      return sources.error(o.kind + ": metadata.name: missing", document.origin, 1,
                           "every Kubernetes object has a name");
    return {};
  }
  out.push_back(std::move(o));
  return {};
}

}  // namespace

}  // namespace kube

Result<std::vector<Dynamic>> kubernetes_provider(ProviderContext& context) {
  std::string default_ns = "default";
  if (const Node* ns = context.source.find("namespace")) {
    if (!ns->is(Kind::String) || ns->text.empty())
      return context.sources.error(context.at + ".namespace: expected a namespace name", ns->origin,
                                   ns->span, "e.g. namespace = \"shop\"");
    default_ns = ns->text;
  }
  // Every document is kept here: the objects point into them.
  std::vector<std::vector<Node>> documents;
  for (const std::string& file : files_of(context.path, {".yaml", ".yml"})) {
    auto text = read_source_file(context, file);
    BRIDGE_TRY(text);
    if (auto at = template_at(*text, file))
      return context.sources.error(
          "a template: bridge reads manifests as they are applied, not Helm charts", *at, 2,
          "render them first (helm template ... > k8s/rendered.yaml, or kustomize build) and "
          "name the result");
    auto parsed = parse_yaml_documents(*text, file, context.sources);
    BRIDGE_TRY(parsed);
    documents.push_back(std::move(*parsed));
  }
  std::vector<kube::Object> objects;
  for (const std::vector<Node>& file : documents)
    for (const Node& document : file)
      BRIDGE_TRY(kube::collect(document, default_ns, context.sources, objects));
  kube::ManifestReader reader(context, std::move(objects));
  return reader.read();
}

}  // namespace bridge::config::detail
