// [[sources]] type = "kubernetes": manifests (IngressRoute in both API groups, Middleware,
// TraefikService, IngressRouteTCP, MiddlewareTCP, Ingress, Service, Secret) read as Traefik v3's
// kubernetescrd and kubernetes providers build their routers, under the names Traefik gives
// them; what bridge cannot run is a warning at its file:line:col. The fixtures follow Traefik's
// documentation and its provider's own test fixtures (pkg/provider/kubernetes/crd/fixtures).
#include "config_test.hpp"

#include <algorithm>

namespace bridge::config::test {
namespace {

constexpr std::string_view base = R"toml(version = 1

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"

[traefik]
entrypoints = { websecure = "web" }

[[sources]]
type = "kubernetes"
path = "k8s"
)toml";

constexpr std::string_view tcp_listener = R"toml(
[[listeners]]
name = "db"
bind = "127.0.0.1:5433"
protocol = "tcp"
)toml";

const Route* route_named(const Config& c, std::string_view name) {
  auto it = std::find_if(c.routes.begin(), c.routes.end(),
                         [&](const Route& r) { return r.name == name; });
  return it == c.routes.end() ? nullptr : &*it;
}

std::vector<std::string> route_names(const Config& c) {
  std::vector<std::string> out;
  for (const Route& r : c.routes) out.push_back(r.name);
  return out;
}

std::string messages(const Config& c) {
  std::string out;
  for (const Error& w : c.warnings) out += w.where.str() + ": " + w.message + "\n";
  return out;
}

using Files = std::vector<std::pair<std::string, std::string>>;

// A config dir with `base` (plus `extra`) and the manifests `files` under k8s/.
struct Manifests {
  TempConfigDir dir;
  explicit Manifests(const Files& files, const std::string& extra = {}) {
    dir.write("base.toml", std::string(base) + extra);
    dir.write("dev.toml", "");
    for (const auto& [name, text] : files) dir.write("k8s/" + name, text);
  }
  Result<Config> load(bool strict = false) const {
    LoadOptions options = dir.options();
    options.strict = strict;
    return config::load(options);
  }
};

#define ASSERT_LOADED(config)                                                                      \
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message << "\n"      \
                      << config.error().hint

// Traefik's own fixture (crd/fixtures/simple.yml) and the name its test expects, and the same
// IngressRoute in the API group of Traefik v2.
constexpr std::string_view both_groups = R"yaml(apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: test.route
  namespace: default

spec:
  entryPoints:
    - web

  routes:
  - match: Host(`foo.com`) && PathPrefix(`/bar`)
    kind: Rule
    priority: 12
    services:
    - name: whoami
      port: 80
---
apiVersion: traefik.containo.us/v1alpha1
kind: IngressRoute
metadata:
  name: legacy
spec:
  routes:
  - match: PathPrefix(`/legacy`)
    kind: Rule
    services:
    - name: legacy-grpc
      port: 50051
      scheme: h2c
)yaml";

TEST(KubernetesSource, IngressRoutesOfBothApiGroupsAreRoutersNamedAsTraefikNamesThem) {
  Manifests m(Files{{"routes.yaml", std::string(both_groups)}},
              "namespace = \"shop\"\n");  // [[sources]] is the last table of base
  auto config = m.load();
  ASSERT_LOADED(config);
  EXPECT_TRUE(config->warnings.empty()) << messages(*config);
  const Route* test = route_named(*config, "default-test-route-6b204d94623b3df4370c@kubernetescrd");
  ASSERT_NE(test, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(test->rule, "Host(`foo.com`) && PathPrefix(`/bar`)");
  EXPECT_EQ(test->priority, 12);
  EXPECT_EQ(test->listeners, std::vector<std::string>{"web"});
  EXPECT_EQ(test->upstream, "default-test-route-6b204d94623b3df4370c@kubernetescrd");
  const Upstream* whoami = config->find_upstream(test->upstream);
  ASSERT_NE(whoami, nullptr);
  EXPECT_EQ(whoami->targets, std::vector<std::string>{"k8s://default/whoami:80"});
  EXPECT_EQ(whoami->protocol, "auto");
  EXPECT_EQ(config->imported.at(test->name),
            "IngressRoute default/test.route of " + m.dir.file("k8s/routes.yaml") + ":4:9");
  EXPECT_EQ(config->entry_origin("routes", test->name).str(),
            m.dir.file("k8s/routes.yaml") + ":12:5");

  // No metadata.namespace: the source's namespace.
  const Route* legacy = route_named(*config, "shop-legacy-517d854d672c59357445@kubernetescrd");
  ASSERT_NE(legacy, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_TRUE(legacy->listeners.empty()) << "no entryPoints: every listener";
  const Upstream* grpc = config->find_upstream(legacy->upstream);
  ASSERT_NE(grpc, nullptr);
  EXPECT_EQ(grpc->targets, std::vector<std::string>{"k8s://shop/legacy-grpc:50051"});
  EXPECT_EQ(grpc->protocol, "h2c") << "scheme: h2c";
}

// Two namespaces as a team has them: the shop's IngressRoute uses the auth team's basicAuth
// Middleware (users in a Secret) through a chain, a TraefikService sends 10% to a canary, and
// the storefront is a plain Ingress with Traefik's annotations.
constexpr std::string_view services_yaml = R"yaml(apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector:
    app: api
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: api-canary
  namespace: shop
spec:
  ports:
    - name: http
      port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports:
    - name: web
      port: 3000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
)yaml";

constexpr std::string_view auth_yaml = R"yaml(apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: basic
  namespace: auth
spec:
  basicAuth:
    secret: users
    removeHeader: true
---
apiVersion: v1
kind: Secret
metadata:
  name: users
  namespace: auth
type: Opaque
data:
  users: dGVzdDokYXByMSRINnVza2trVyRJZ1hMUDZld1RyU3VCa1RycUU4d2ovCg==
)yaml";

constexpr std::string_view shop_yaml = R"yaml(apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: strip-api
  namespace: shop
spec:
  stripPrefix:
    prefixes:
      - /api
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: secured
  namespace: shop
spec:
  chain:
    middlewares:
      - name: basic
        namespace: auth
      - name: strip-api
---
apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata:
  name: api-split
  namespace: shop
spec:
  weighted:
    services:
      - name: api
        port: http
        weight: 90
      - name: api-canary
        port: 8080
        weight: 10
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: api
  namespace: shop
spec:
  entryPoints:
    - websecure
  routes:
    - match: Host(`shop.localhost`) && PathPrefix(`/api`)
      kind: Rule
      middlewares:
        - name: secured
      services:
        - name: api-split
          kind: TraefikService
  tls:
    secretName: shop-tls
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: web
    traefik.ingress.kubernetes.io/router.middlewares: auth-basic@kubernetescrd
spec:
  ingressClassName: traefik
  rules:
    - host: shop.localhost
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  name: web
)yaml";

TEST(KubernetesSource, ATeamsNamespacesBecomeRoutesMiddlewaresAndWeightedUpstreams) {
  Manifests m(Files{{"auth.yaml", std::string(auth_yaml)},
                    {"services.yaml", std::string(services_yaml)},
                    {"shop.yaml", std::string(shop_yaml)}});
  auto config = m.load(true);
  ASSERT_LOADED(config);
  EXPECT_TRUE(config->warnings.empty()) << messages(*config);

  const Route* api = route_named(*config, "shop-api-c5d670486208934dacd5@kubernetescrd");
  ASSERT_NE(api, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(api->rule, "Host(`shop.localhost`) && PathPrefix(`/api`)");
  EXPECT_EQ(api->listeners, std::vector<std::string>{"web"}) << "websecure maps to web";
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"shop-secured@kubernetescrd"});
  EXPECT_EQ(api->upstream, "shop-api-split@kubernetescrd");
  EXPECT_EQ(config->imported.at(api->name),
            "IngressRoute shop/api of " + m.dir.file("k8s/shop.yaml") + ":41:9");

  const auto* secured = config->find_middleware("shop-secured@kubernetescrd");
  ASSERT_TRUE(secured && secured->chain);
  EXPECT_EQ(*secured->chain,
            (std::vector<std::string>{"auth-basic@kubernetescrd", "shop-strip-api@kubernetescrd"}));
  const auto* basic = config->find_middleware("auth-basic@kubernetescrd");
  ASSERT_TRUE(basic && basic->basic_auth);
  ASSERT_EQ(basic->basic_auth->users.size(), 1u);
  EXPECT_EQ(basic->basic_auth->users[0].first, "test");
  EXPECT_EQ(basic->basic_auth->users[0].second, "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/");
  EXPECT_TRUE(basic->basic_auth->remove_header);
  const auto* strip = config->find_middleware("shop-strip-api@kubernetescrd");
  ASSERT_TRUE(strip && strip->strip_prefix);
  EXPECT_EQ(*strip->strip_prefix, std::vector<std::string>{"/api"});

  // 90/10 over the Services' ports, the named one (http) resolved through the Service.
  const Upstream* split = config->find_upstream("shop-api-split@kubernetescrd");
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(split->targets,
            (std::vector<std::string>{"k8s://shop/api:80", "k8s://shop/api-canary:8080"}));
  EXPECT_EQ(split->weights, (std::vector<int64_t>{9000, 1000}));

  const Route* web = route_named(*config, "shop-web-shop-localhost@kubernetes");
  ASSERT_NE(web, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(web->rule, "Host(\"shop.localhost\") && PathPrefix(\"/\")");
  EXPECT_EQ(web->listeners, std::vector<std::string>{"web"});
  EXPECT_EQ(web->middlewares, std::vector<std::string>{"auth-basic@kubernetescrd"});
  EXPECT_EQ(web->upstream, "shop-web-web@kubernetes");
  const Upstream* storefront = config->find_upstream(web->upstream);
  ASSERT_NE(storefront, nullptr);
  EXPECT_EQ(storefront->targets, std::vector<std::string>{"k8s://shop/web:3000"});
  EXPECT_EQ(config->imported.at(web->name),
            "Ingress shop/web of " + m.dir.file("k8s/shop.yaml") + ":60:9");
  // Every manifest counts: editing one reloads bridge.
  EXPECT_NE(std::find(config->files.begin(), config->files.end(), m.dir.file("k8s/auth.yaml")),
            config->files.end());
}

constexpr std::string_view ingress_yaml = R"yaml(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
  annotations:
    traefik.ingress.kubernetes.io/router.entrypoints: web,websecure
    traefik.ingress.kubernetes.io/router.priority: "42"
    traefik.ingress.kubernetes.io/router.tls: "true"
spec:
  rules:
    - host: api.shop.localhost
      http:
        paths:
          - path: /v1/health
            pathType: Exact
            backend:
              service:
                name: api
                port:
                  number: 8080
          - path: /v1
            pathType: ImplementationSpecific
            backend:
              service:
                name: api
                port:
                  number: 8080
    - http:
        paths:
          - path: /static
            pathType: Prefix
            backend:
              service:
                name: cdn
                port:
                  number: 443
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: other
  namespace: shop
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: api
      port:
        number: 8080
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: fallback
  namespace: shop
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
)yaml";

TEST(KubernetesSource, IngressesFollowTraefiksAnnotationsAndIngressClasses) {
  Manifests m(Files{{"ingress.yaml", std::string(ingress_yaml)}});
  auto config = m.load();
  ASSERT_LOADED(config);
  const Route* exact = route_named(*config, "shop-shop-api-shop-localhost-v1-health@kubernetes");
  ASSERT_NE(exact, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(exact->rule, "Host(\"api.shop.localhost\") && Path(\"/v1/health\")");
  EXPECT_EQ(exact->priority, 42);
  EXPECT_EQ(exact->listeners, std::vector<std::string>{"web"}) << "web and websecure: one";
  EXPECT_EQ(exact->upstream, "shop-api-8080@kubernetes");
  const Route* prefix = route_named(*config, "shop-shop-api-shop-localhost-v1@kubernetes");
  ASSERT_NE(prefix, nullptr);
  EXPECT_EQ(prefix->rule, "Host(\"api.shop.localhost\") && PathPrefix(\"/v1\")");
  EXPECT_EQ(prefix->upstream, exact->upstream) << "one service per Service and port";
  const Route* cdn = route_named(*config, "shop-shop-static@kubernetes");
  ASSERT_NE(cdn, nullptr);
  EXPECT_EQ(cdn->rule, "PathPrefix(\"/static\")");
  const Upstream* cdn_upstream = config->find_upstream(cdn->upstream);
  ASSERT_NE(cdn_upstream, nullptr);
  EXPECT_EQ(cdn_upstream->targets, std::vector<std::string>{"k8s://shop/cdn:443"});
  // Traefik's default router of an Ingress without rules, below every other router.
  const Route* fallback = route_named(*config, "default-router@kubernetes");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->rule, "PathPrefix(\"/\")");
  EXPECT_EQ(fallback->priority, -1'000'000'000);
  EXPECT_EQ(fallback->upstream, "default-backend@kubernetes");
  EXPECT_EQ(config->imported.at(fallback->name),
            "Ingress shop/fallback of " + m.dir.file("k8s/ingress.yaml") + ":55:9");

  // Port 443 means HTTPS to Traefik; the nginx Ingress is another controller's.
  ASSERT_EQ(config->warnings.size(), 2u) << messages(*config);
  EXPECT_EQ(config->warnings[0].message,
            "Ingress shop/shop: spec.rules[1].http.paths[0].backend.service: Traefik speaks HTTPS "
            "to this Service; bridge connects to k8s:// targets with plain HTTP");
  EXPECT_EQ(where(config->warnings[0].where), m.dir.file("k8s/ingress.yaml") + ":37:27");
  EXPECT_EQ(config->warnings[1].message,
            "Ingress shop/other: ingress class \"nginx\" is not Traefik's; left out");
  EXPECT_EQ(where(config->warnings[1].where), m.dir.file("k8s/ingress.yaml") + ":45:21");
}

constexpr std::string_view tcp_yaml = R"yaml(apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata:
  name: db
  namespace: shop
spec:
  entryPoints:
    - db
  routes:
    - match: HostSNI(`db.shop.localhost`)
      middlewares:
        - name: only-local
      services:
        - name: postgres
          port: 5432
  tls:
    passthrough: true
---
apiVersion: traefik.io/v1alpha1
kind: MiddlewareTCP
metadata:
  name: only-local
  namespace: shop
spec:
  ipAllowList:
    sourceRange:
      - 127.0.0.1/32
---
apiVersion: traefik.io/v1alpha1
kind: IngressRouteTCP
metadata:
  name: cache
  namespace: shop
spec:
  entryPoints:
    - db
  routes:
    - match: HostSNI(`*`)
      services:
        - name: redis
          port: 6379
          weight: 3
        - name: redis-replica
          port: 6379
)yaml";

TEST(KubernetesSource, IngressRouteTcpRelaysPassthroughAndWeightsItsServices) {
  Manifests m(Files{{"tcp.yaml", std::string(tcp_yaml)}}, std::string(tcp_listener));
  auto config = m.load(true);
  ASSERT_LOADED(config);
  ASSERT_EQ(config->tcp_routes.size(), 2u);
  const TcpRoute& db = config->tcp_routes[0];
  EXPECT_EQ(db.name, "shop-db-dba7ce2c0bbd18727ebe@kubernetescrd");
  EXPECT_EQ(db.rule, "HostSNI(`db.shop.localhost`)");
  EXPECT_TRUE(db.tls_passthrough);
  EXPECT_EQ(db.listeners, std::vector<std::string>{"db"});
  EXPECT_EQ(db.middlewares, std::vector<std::string>{"shop-only-local@kubernetescrd"});
  const Upstream* postgres = config->find_upstream(db.upstream);
  ASSERT_NE(postgres, nullptr);
  EXPECT_EQ(postgres->targets, std::vector<std::string>{"k8s://shop/postgres:5432"});
  ASSERT_EQ(config->tcp_middlewares.size(), 1u);
  EXPECT_EQ(config->tcp_middlewares[0].name, "shop-only-local@kubernetescrd");
  EXPECT_EQ(config->imported.at(db.name),
            "IngressRouteTCP shop/db of " + m.dir.file("k8s/tcp.yaml") + ":4:9");

  const TcpRoute& cache = config->tcp_routes[1];
  EXPECT_EQ(cache.name, "shop-cache-673acf455cb2dab0b43a@kubernetescrd");
  EXPECT_FALSE(cache.reads_tls());
  const Upstream* redis = config->find_upstream(cache.upstream);
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->targets,
            (std::vector<std::string>{"k8s://shop/redis:6379", "k8s://shop/redis-replica:6379"}));
  EXPECT_EQ(redis->weights, (std::vector<int64_t>{7500, 2500}));
}

// `kubectl get ingressroute -n shop -o yaml`.
constexpr std::string_view kubectl_list = R"yaml(apiVersion: v1
items:
- apiVersion: traefik.io/v1alpha1
  kind: IngressRoute
  metadata:
    creationTimestamp: "2024-05-02T10:11:12Z"
    generation: 1
    name: orders
    namespace: shop
    resourceVersion: "48213"
    uid: 0d5bd1de-8a4e-4c1a-9d0e-0f6c8c1b1f1a
  spec:
    routes:
    - kind: Rule
      match: Host(`orders.localhost`)
      services:
      - name: orders
        port: 80
kind: List
metadata:
  resourceVersion: ""
)yaml";

TEST(KubernetesSource, KubectlListOutputIsReadItemByItem) {
  Manifests m(Files{{"live.yml", std::string(kubectl_list)}});
  auto config = m.load(true);
  ASSERT_LOADED(config);
  const Route* orders = route_named(*config, "shop-orders-941f3dbb6c79734a8ad4@kubernetescrd");
  ASSERT_NE(orders, nullptr) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(config->find_upstream(orders->upstream)->targets,
            std::vector<std::string>{"k8s://shop/orders:80"});
  EXPECT_EQ(config->imported.at(orders->name),
            "IngressRoute shop/orders of " + m.dir.file("k8s/live.yml") + ":8:11");
}

TEST(KubernetesSource, APortNamedForAServiceOutsideTheManifestsStaysItsName) {
  Manifests m(
      Files{{"route.yaml", "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n"
                           "  name: api\nspec:\n  routes:\n    - match: PathPrefix(`/`)\n"
                           "      services:\n        - name: api\n          port: http\n"}});
  auto config = m.load();
  // k8s:// resolves port names at run time (README); the target points at the manifest.
  if (config) {
    EXPECT_EQ(config->upstreams.back().targets, std::vector<std::string>{"k8s://default/api:http"});
  } else {
    EXPECT_EQ(where(config.error().where), m.dir.file("k8s/route.yaml") + ":10:17")
        << config.error().message;
  }
}

// Service objects say more than ports: an ExternalName is its DNS name, nativeLB is k8s://'s
// direct mode (the ClusterIP), and the serversscheme annotation of an Ingress's Service is h2c.
constexpr std::string_view service_kinds_yaml = R"yaml(apiVersion: v1
kind: Service
metadata:
  name: payments
spec:
  type: ExternalName
  externalName: payments.example.com
---
apiVersion: v1
kind: Service
metadata:
  name: grpc
  annotations:
    traefik.ingress.kubernetes.io/service.serversscheme: h2c
spec:
  ports:
    - name: grpc
      port: 50051
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: pay
spec:
  routes:
    - match: PathPrefix(`/pay`)
      services:
        - name: payments
          port: 443
    - match: PathPrefix(`/direct`)
      services:
        - name: grpc
          port: grpc
          nativeLB: true
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rpc
spec:
  rules:
    - host: rpc.localhost
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: grpc
                port:
                  name: grpc
)yaml";

TEST(KubernetesSource, ServicesResolveExternalNamesDirectModeAndSchemes) {
  Manifests m(Files{{"services.yaml", std::string(service_kinds_yaml)}});
  auto config = m.load(true);
  ASSERT_LOADED(config);
  std::vector<std::string> targets;
  for (const Route& r : config->routes) {
    const Upstream* u = config->find_upstream(r.upstream);
    ASSERT_NE(u, nullptr) << r.name;
    targets.push_back(u->targets.at(0) + " " + u->protocol);
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"https://payments.example.com:443 auto",
                                               "k8s://default/grpc:50051?mode=direct auto",
                                               "k8s://default/grpc:50051 h2c"}));
}

struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* message;
  int line;
  int column;
  const char* hint;  // nullptr: not checked
};

constexpr const char* api_service =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n"
    "    - name: http\n      port: 80\n---\n";

const ErrorCase error_cases[] = {
    {"ARouteWithoutMatch",
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n"
     "  routes:\n    - kind: Rule\n      services: [{name: api, port: 80}]\n",
     "IngressRoute default/api: spec.routes[0]: missing \"match\"", 7, 7, nullptr},
    {"AMisspelledKey",
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n"
     "  routes:\n    - match: PathPrefix(`/`)\n      servics: [{name: api, port: 80}]\n",
     "IngressRoute default/api: spec.routes[0].servics: unknown key", 8, 7,
     "did you mean \"services\"?"},
    {"APortTheServiceDoesNotHave",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  ports:\n"
     "    - name: http\n      port: 80\n---\n"
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n"
     "  routes:\n    - match: PathPrefix(`/`)\n      services:\n        - name: api\n"
     "          port: 8080\n",
     "IngressRoute default/api: spec.routes[0].services[0].port: the Service default/api has no "
     "port 8080",
     19, 17, nullptr},
    {"ARouteWithoutAPort",
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n"
     "  routes:\n    - match: PathPrefix(`/`)\n      services:\n        - name: api\n",
     "IngressRoute default/api: spec.routes[0].services[0]: needs a port", 9, 17,
     "e.g. port: 80, or a port name of the Service"},
    {"AnEntryPointWithoutAListener",
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: api\nspec:\n"
     "  entryPoints: [web, admin]\n  routes:\n    - match: PathPrefix(`/`)\n"
     "      services: [{name: api, port: 80}]\n",
     "http.routers.default-api-a431b128267aabc954fd.entryPoints[1]: no bridge listener for the "
     "Traefik entry point \"admin\"",
     6, 22, nullptr},
    {"AChainMemberThatIsNotAReference",
     "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: both\nspec:\n"
     "  chain:\n    middlewares:\n      - strip\n",
     "Middleware default/both: spec.chain.middlewares[0]: expected {name, namespace}", 8, 9,
     nullptr},
    {"AMiddlewareOptionIsCheckedWhereItIsWritten",
     "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: strip\nspec:\n"
     "  stripPrefix:\n    prefixs: [/api]\n",
     "unknown key \"prefixs\" in middlewares.\"default-strip@kubernetescrd\".stripPrefix", 7, 5,
     nullptr},
    {"ASecretThatIsNotBase64",
     "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: auth\nspec:\n"
     "  basicAuth:\n    secret: users\n---\napiVersion: v1\nkind: Secret\nmetadata:\n"
     "  name: users\ndata:\n  users: test:$apr1$x\n",
     "Secret default/users: data.users: expected base64", 14, 10,
     "Secret data is base64; stringData takes plain text"},
    {"AnObjectWithoutAName",
     "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  namespace: shop\n",
     "IngressRoute: metadata.name: missing", 1, 1, nullptr},
    {"AHelmTemplate", "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
     "a template: bridge reads manifests as they are applied, not Helm charts", 4, 9, nullptr},
    {"InvalidYaml", "apiVersion: v1\nkind: [\n", "invalid YAML: ", 3, 1, nullptr},
};

class KubernetesSourceErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(KubernetesSourceErrors, PointIntoTheManifest) {
  const ErrorCase& c = GetParam();
  Manifests m(Files{{"manifests.yaml", c.yaml}});
  auto config = m.load();
  ASSERT_FALSE(config) << c.name;
  const Error& e = config.error();
  EXPECT_TRUE(e.message.starts_with(c.message)) << e.message;
  EXPECT_EQ(e.where.source, m.dir.file("k8s/manifests.yaml")) << e.message;
  EXPECT_EQ(e.where.line, c.line) << e.message;
  EXPECT_EQ(e.where.column, c.column) << e.message;
  if (c.hint != nullptr) {
    EXPECT_EQ(e.hint, c.hint);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, KubernetesSourceErrors, ::testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

// What bridge cannot run is named where it is written, and what needs it is left out with it.
constexpr std::string_view unsupported_yaml = R"yaml(apiVersion: traefik.io/v1alpha1
kind: IngressRouteUDP
metadata:
  name: dns
spec:
  routes:
    - services: [{name: coredns, port: 53}]
---
apiVersion: traefik.io/v1alpha1
kind: TLSOption
metadata:
  name: modern
spec:
  minVersion: VersionTLS13
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: login
spec:
  basicAuth:
    secret: admins
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: admin
spec:
  routes:
    - match: PathPrefix(`/admin`)
      middlewares:
        - name: login
      services:
        - name: admin
          port: 80
    - match: PathPrefix(`/`)
      services:
        - name: web
          port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
)yaml";

TEST(KubernetesSource, WhatBridgeCannotRunIsAWarningAtItsPlace) {
  Manifests m(Files{{"all.yaml", std::string(unsupported_yaml)}});
  auto config = m.load();
  ASSERT_LOADED(config);
  const std::string file = m.dir.file("k8s/all.yaml");
  ASSERT_EQ(config->warnings.size(), 4u) << messages(*config);
  EXPECT_EQ(config->warnings[0].message,
            "Middleware default/login: spec.basicAuth.secret: the Secret default/admins is not in "
            "the manifests, and bridge does not read the cluster; this middleware is left out");
  EXPECT_EQ(where(config->warnings[0].where), file + ":22:13");
  EXPECT_EQ(config->warnings[0].hint, "add the Secret's manifest to " + m.dir.file("k8s") +
                                          " (kubectl get secret admins -n default -o yaml)");
  EXPECT_EQ(config->warnings[1].message,
            "IngressRouteUDP default/dns: bridge relays HTTP and TCP, not UDP; left out");
  EXPECT_EQ(where(config->warnings[1].where), file + ":4:9");
  EXPECT_TRUE(config->warnings[2].message.starts_with("TLSOption default/modern: "))
      << config->warnings[2].message;
  EXPECT_EQ(config->warnings[3].message,
            "IngressRoute default/admin: spec.routes[0]: router "
            "default-admin-1b3a9e446797d3042bce@kubernetescrd is left out: bridge cannot run its "
            "middleware default-login@kubernetescrd");
  EXPECT_EQ(where(config->warnings[3].where), file + ":30:7");
  // The other route of the same IngressRoute is served.
  ASSERT_EQ(config->routes.size(), 1u) << ::testing::PrintToString(route_names(*config));
  EXPECT_EQ(config->routes[0].rule, "PathPrefix(`/`)");

  // --strict: the first warning is the error.
  auto strict = m.load(true);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error().message, config->warnings[0].message);
  EXPECT_EQ(where(strict.error().where), file + ":22:13");
}

TEST(KubernetesSource, ABasicAuthSecretOfTypeBasicAuthIsHashedAsTraefikDoes) {
  Manifests m(Files{{"auth.yaml",
                     "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: auth\n"
                     "spec:\n  basicAuth:\n    secret: admin\n---\napiVersion: v1\nkind: Secret\n"
                     "metadata:\n  name: admin\ntype: kubernetes.io/basic-auth\nstringData:\n"
                     "  username: admin\n  password: s3cret\n"}});
  auto config = m.load(true);
  ASSERT_LOADED(config);
  const auto* auth = config->find_middleware("default-auth@kubernetescrd");
  ASSERT_TRUE(auth && auth->basic_auth);
  ASSERT_EQ(auth->basic_auth->users.size(), 1u);
  EXPECT_EQ(auth->basic_auth->users[0].first, "admin");
  // {SHA} + base64(SHA-1("s3cret")), as Traefik's loadBasicAuthCredentials writes it.
  EXPECT_EQ(auth->basic_auth->users[0].second, "{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg=");
}

// profiles/kubernetes.toml reads profiles/k8s/ as the cluster's Traefik does.
TEST(KubernetesSource, TheShippedProfileServesTheShopsIngressRoute) {
  LoadOptions options;
  options.profile = "kubernetes";
  options.config_dir = "profiles";
  options.environment_for_test.emplace();
  options.strict = true;
  auto config = load(options);
  ASSERT_LOADED(config);
  std::vector<std::string> imported;
  for (const Route& r : config->routes)
    if (r.name.ends_with("@kubernetescrd")) imported.push_back(r.name);
  ASSERT_EQ(imported.size(), 2u) << ::testing::PrintToString(route_names(*config));
  const Route* api = route_named(*config, imported[0]);
  EXPECT_EQ(api->rule, "Host(`orders.localhost`) && PathPrefix(`/api`)");
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"shop-orders-api-strip@kubernetescrd"});
  EXPECT_EQ(api->listeners, std::vector<std::string>{"web"});
  EXPECT_EQ(config->find_upstream(api->upstream)->targets,
            std::vector<std::string>{"k8s://shop/orders:80"})
      << "port http of the Service in service.yaml";
  EXPECT_TRUE(config->imported.at(api->name).starts_with(
      "IngressRoute shop/orders of profiles/k8s/ingressroute.yaml:"));
  EXPECT_NE(route_named(*config, "debug-echo"), nullptr) << "base's own debugging route stays";
  EXPECT_EQ(route_named(*config, "frontend"), nullptr);
}

}  // namespace
}  // namespace bridge::config::test
