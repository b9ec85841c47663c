#pragma once
/// type = "kubernetes" internals, shared by core/config/traefik_kubernetes*.cpp: the objects of a
/// directory of manifests, and how they become the dynamic configurations of Traefik's
/// kubernetescrd provider (IngressRoute, IngressRouteTCP, Middleware, MiddlewareTCP,
/// TraefikService) and kubernetes provider (Ingress), as Traefik v3 names and builds them
/// (pkg/provider/kubernetes/crd and .../ingress of github.com/traefik/traefik).

#include "config/detail/node_build.hpp"
#include "config/detail/traefik_providers.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail::kube {

/// One Kubernetes object of the manifests (a document, or an item of a `kind: List`).
struct Object {
  const Node* node = nullptr;
  std::string kind;     // "IngressRoute"
  std::string group;    // apiVersion's group: "traefik.io", "networking.k8s.io"; "" for v1
  std::string version;  // apiVersion's version: "v1alpha1"
  std::string name;
  std::string ns;  // metadata.namespace, else the source's namespace, else "default"
  Origin origin;   // metadata.name's value (the object's own when it has none)
  int span = 1;

  const Node* spec() const { return node->find("spec"); }
  /// "IngressRoute shop/api", as messages and `route list` name it.
  std::string describe() const { return kind + " " + ns + "/" + name; }
};

/// Traefik's makeServiceKey: `name`, "-", and the first 10 bytes of the SHA-256 of `rule` in hex
/// (20 digits).
std::string rule_key(std::string_view name, std::string_view rule);
/// A Secret's data value, base64-decoded into `out`; false when it is not base64.
bool base64_decode(std::string_view text, std::string& out);
/// "{SHA}" + base64(SHA-1(password)): how Traefik turns a kubernetes.io/basic-auth Secret into an
/// htpasswd line (loadBasicAuthCredentials).
std::string sha1_htpasswd(std::string_view password);

/// One provider's dynamic configuration as it is built: its sections, filled in any order.
struct Output {
  explicit Output(std::string provider) { dynamic.provider = std::move(provider); }
  Dynamic dynamic;
  Node http_routers, http_services, http_middlewares;
  Node tcp_routers, tcp_services, tcp_middlewares;
  std::set<std::string> service_names;  // both sections: bridge's upstreams share one namespace

  /// The dynamic configuration with the sections that have entries.
  Dynamic finish() &&;
};

/// What a service reference (an IngressRoute's, a TraefikService's, an Ingress backend's)
/// resolves to.
struct Target {
  Node url;              // k8s://NS/SVC:PORT (or an ExternalName Service's http(s)://HOST:PORT)
  std::string protocol;  // "h2c" where the scheme says so
};

/// A port as written (a number or a port name), as Traefik puts it in service names.
std::string port_text(const Node& port);

/// Reads the objects of the manifests into the two providers' dynamic configurations.
class ManifestReader {
 public:
  ManifestReader(ProviderContext& context, std::vector<Object> objects);
  /// kubernetescrd's, then kubernetes's; errors and warnings name the object and its file.
  Result<std::vector<Dynamic>> read();

 private:
  // traefik_kubernetes.cpp: messages, values, and Services as targets.
  Error fail(const Object& o, const std::string& path, const std::string& problem, const Node& at,
             std::string hint = {}) const;
  void warn(const Object& o, const std::string& path, const std::string& problem, const Node& at,
            std::string hint = {});
  void warn_key(const Object& o, const std::string& path, const Entry& e, const std::string& why,
                std::string hint = {});
  Error unknown_key(const Object& o, const std::string& path, const Entry& e,
                    const std::vector<std::string>& known) const;
  /// The object's spec: a table ("spec: missing" otherwise), with entries when `needs` says
  /// what it must hold ("spec: needs a middleware type").
  Result<const Node*> spec_table(const Object& o, std::string_view needs = {},
                                 std::string hint = {}) const;
  /// `key` of `table` when it is a `kind`; nullptr when absent (or `key:` with no value).
  Result<const Node*> get(const Object& o, const Node& table, std::string_view key,
                          const std::string& path, Kind kind) const;
  Result<std::string> text(const Object& o, const Node& table, std::string_view key,
                           const std::string& path, bool required) const;
  /// `name` in `ns` as Traefik's resolveReference makes it: a name with "@" as it is, else
  /// traefik_normalize(NS-NAME) (the importer adds "@" and the provider).
  static std::string reference(const std::string& ns, const std::string& name);
  const Object* service_object(const std::string& ns, const std::string& name) const;
  /// The target of Service `name` in `ns` at `port` (a number or a port name of the Service),
  /// with the scheme rules of Traefik's parseServiceProtocol (h2c; https when given, on port
  /// 443 or on a port named https*).
  Result<Target> target(const Object& o, const std::string& path, const std::string& ns,
                        const Node& name, const Node* port, const Node* scheme, bool direct,
                        bool tcp);
  /// `name` as a loadBalancer service of `target` in `out`, once per name.
  void add_load_balancer(Output& out, const std::string& name, const Node& at, Target target,
                         bool tcp, std::vector<Entry> extra = {});
  void refuse_middleware(const std::string& qualified, const std::string& why);
  /// The first of `middlewares` (qualified names) that bridge cannot run; "" when none.
  std::string refused_among(const std::vector<std::string>& middlewares) const;

  // traefik_kubernetes_crd.cpp: Middleware, MiddlewareTCP, TraefikService, service references.
  Result<void> middleware(const Object& o);
  Result<bool> middleware_option(const Object& o, const std::string& id, Entry& type);
  Result<bool> auth_from_secret(const Object& o, const std::string& id, Entry& type);
  Result<Node> middleware_refs(const Object& o, const std::string& path, const Node& list);
  void finish_middlewares();
  Result<void> middleware_tcp(const Object& o);
  Result<void> traefik_service(const Object& o);
  Result<void> weighted(const Object& o, const std::string& path, const Node& list,
                        const std::string& name, const Node& at);
  /// A LoadBalancerSpec: the service name it stands for, building the loadBalancer service of
  /// a Kubernetes Service under `own_name` (NS-SVC-PORT when empty).
  Result<std::string> service_ref(const Object& o, const std::string& path, const Node& spec,
                                  const std::string& own_name);

  // traefik_kubernetes_route.cpp: IngressRoute, IngressRouteTCP.
  bool ingress_class_ok(const Object& o, bool ingress);
  Result<void> ingress_route(const Object& o);
  Result<void> ingress_route_rule(const Object& o, const std::string& path, const Node& route,
                                  const Node* entry_points);
  Result<void> ingress_route_tcp(const Object& o);
  Result<void> ingress_route_tcp_rule(const Object& o, const std::string& path, const Node& route,
                                      const Node* entry_points, const Node* tls);
  Result<void> tcp_services(const Object& o, const std::string& path, const Node& list,
                            const std::string& key, const Node& at);

  // traefik_kubernetes_ingress.cpp: Ingress.
  /// What the router.* annotations of an Ingress say about each of its routers.
  struct IngressOptions {
    Node router;                           // entryPoints, middlewares, priority, ruleSyntax
    std::vector<std::string> middlewares;  // qualified
    std::string path_matcher = "PathPrefix";
  };
  Result<void> ingress(const Object& o);
  Result<void> ingress_options(const Object& o, IngressOptions& options);
  Result<Node> ingress_path(const Object& o, const std::string& at, const std::string& host,
                            const Node& p, const IngressOptions& options);
  Result<void> ingress_default(const Object& o, const Node& backend, const Node& options);
  Result<std::string> ingress_backend(const Object& o, const std::string& path, const Node& backend,
                                      const std::string& own_name = {});

  // A chain of middlewares, so that a chain naming one bridge cannot run is refused too.
  struct Chain {
    std::string describe;
    Origin origin;
    int span = 1;
    std::vector<std::string> members;  // qualified
  };

  ProviderContext& context_;
  std::vector<Object> objects_;
  std::map<std::string, const Object*> services_;  // "ns/name" -> Service
  std::map<std::string, const Object*> secrets_;   // "ns/name" -> Secret
  std::set<std::string> traefik_classes_;          // IngressClasses of Traefik's controller
  Output crd_{"kubernetescrd"};
  Output ingress_{"kubernetes"};
  std::map<std::string, std::string> refused_middlewares_;          // qualified -> why
  std::vector<std::pair<std::string, Entry>> pending_middlewares_;  // qualified, entry
  std::map<std::string, Chain> chains_;                             // qualified -> members
};

}  // namespace bridge::config::detail::kube
