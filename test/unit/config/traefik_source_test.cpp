// [[sources]] type = "traefik-file": Traefik's dynamic configuration, in YAML and TOML, read as
// bridge routes, upstreams and middlewares under Traefik's provider-qualified names, entry
// points mapped to listeners; errors point into the Traefik file with line:col. The fixtures
// follow the shapes of Traefik's file-provider documentation.
#include "config_test.hpp"

#include <algorithm>

namespace bridge::config::test {
namespace {

constexpr std::string_view base_with_source = R"toml(version = 1

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"

[[listeners]]
name = "tls"
bind = "127.0.0.1:8443"
tls = { auto = "local-ca" }

[traefik]
entrypoints = { websecure = "tls" }

[[sources]]
type = "traefik-file"
path = "traefik"
)toml";

constexpr std::string_view dynamic_yaml = R"yaml(http:
  routers:
    api:
      rule: "Host(`app.localhost`) && PathPrefix(`/api`)"
      entryPoints:
        - websecure
      middlewares:
        - strip-api
        - auth@file
      service: api
      tls: {}
  middlewares:
    strip-api:
      stripPrefix:
        prefixes:
          - "/api"
    auth:
      basicAuth:
        users:
          - "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"
    secured:
      chain:
        middlewares: [strip-api, auth]
  services:
    api:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9001"
          - url: "http://127.0.0.1:9002"
        healthCheck:
          path: /health
          interval: "10s"
        passHostHeader: true
)yaml";

constexpr std::string_view dynamic_toml = R"toml([http.routers.web]
rule = "PathPrefix(`/`)"
service = "web"
entryPoints = ["web"]
priority = 1

[http.services.web.loadBalancer]
servers = [{ url = "http://127.0.0.1:9003" }]
)toml";

const Route* route_named(const Config& c, std::string_view name) {
  auto it = std::find_if(c.routes.begin(), c.routes.end(),
                         [&](const Route& r) { return r.name == name; });
  return it == c.routes.end() ? nullptr : &*it;
}
const Upstream* upstream_named(const Config& c, std::string_view name) {
  auto it = std::find_if(c.upstreams.begin(), c.upstreams.end(),
                         [&](const Upstream& u) { return u.name == name; });
  return it == c.upstreams.end() ? nullptr : &*it;
}

TEST(TraefikSource, ADirectoryOfYamlAndTomlBecomesRoutesUpstreamsAndMiddlewares) {
  TempConfigDir dir;
  dir.write("base.toml", base_with_source);
  dir.write("dev.toml", "");
  dir.write("traefik/10-api.yml", dynamic_yaml);
  dir.write("traefik/20-web.toml", dynamic_toml);
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const Route* api = route_named(*config, "api@file");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->rule, "Host(`app.localhost`) && PathPrefix(`/api`)");
  EXPECT_EQ(api->upstream, "api@file");
  EXPECT_EQ(api->middlewares, (std::vector<std::string>{"strip-api@file", "auth@file"}));
  EXPECT_EQ(api->listeners, std::vector<std::string>{"tls"}) << "websecure mapped to tls";
  const Route* web = route_named(*config, "web@file");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->listeners, std::vector<std::string>{"web"}) << "a name maps to its listener";
  EXPECT_EQ(web->priority, 1);
  const Upstream* upstream = upstream_named(*config, "api@file");
  ASSERT_NE(upstream, nullptr);
  EXPECT_EQ(upstream->targets,
            (std::vector<std::string>{"http://127.0.0.1:9001", "http://127.0.0.1:9002"}));
  ASSERT_TRUE(upstream->health.has_value());
  EXPECT_EQ(upstream->health->path, "/health");
  EXPECT_EQ(upstream->health->interval, std::chrono::seconds(10));
  const auto* strip = config->find_middleware("strip-api@file");
  ASSERT_TRUE(strip && strip->strip_prefix);
  EXPECT_EQ(*strip->strip_prefix, std::vector<std::string>{"/api"});
  const auto* auth = config->find_middleware("auth@file");
  ASSERT_TRUE(auth && auth->basic_auth);
  const auto* secured = config->find_middleware("secured@file");
  ASSERT_TRUE(secured && secured->chain);
  EXPECT_EQ(*secured->chain, (std::vector<std::string>{"strip-api@file", "auth@file"}));
  // Both files count: editing one reloads bridge.
  EXPECT_NE(std::find(config->files.begin(), config->files.end(), dir.file("traefik/10-api.yml")),
            config->files.end());
}

struct ErrorCase {
  const char* name;
  const char* yaml;
  const char* message;
  int line;
  int column;
  const char* hint;  // nullptr: not checked
};

const ErrorCase error_cases[] = {
    {"AMiddlewareOptionIsCheckedWhereItIsWritten",
     "http:\n  middlewares:\n    strip:\n      stripPrefix:\n        prefixs: [\"/api\"]\n",
     "unknown key \"prefixs\" in middlewares.\"strip@file\".stripPrefix", 5, 9, nullptr},
    {"AnEntryPointWithoutAListener",
     "http:\n  routers:\n    api:\n      rule: \"PathPrefix(`/`)\"\n      service: api\n"
     "      entryPoints: [web, admin]\n  services:\n    api:\n      loadBalancer:\n"
     "        servers: [{url: \"http://127.0.0.1:9001\"}]\n",
     "http.routers.api.entryPoints[1]: no bridge listener for the Traefik entry point \"admin\"", 6,
     26,
     "map it in the profile: [traefik] entrypoints = { admin = \"LISTENER\" } (listeners: web, "
     "tls)"},
    {"ATcpRouterWithoutAService", "tcp:\n  routers:\n    db:\n      rule: \"HostSNI(`*`)\"\n",
     "tcp.routers.db: missing \"service\"", 3, 5, "name one of tcp.services"},
    {"AnEmptyWeightedService",
     "http:\n  services:\n    canary:\n      weighted:\n        services: []\n",
     "http.services.canary.weighted: no services", 4, 7,
     "e.g. services = [{ name = \"v1\", weight = 3 }]"},
    {"AWeightedServiceNamingNoService",
     "http:\n  services:\n    canary:\n      weighted:\n        services:\n"
     "          - name: v2\n            weight: 1\n",
     "service canary@file: no service v2@file", 7, 21,
     "a weighted service names services of the same provider"},
    {"AKeyTraefikDoesNotHave",
     "http:\n  routers:\n    api:\n      rule: \"PathPrefix(`/`)\"\n      servce: api\n",
     "http.routers.api.servce: not a key of Traefik's dynamic configuration", 5, 7,
     "a router has rule, service, middlewares, entryPoints, priority, tls, ruleSyntax and "
     "observability"},
    {"AGoTemplateIsNotRendered",
     "http:\n  routers:\n{{ range $i, $e := until 3 }}\n    r{{ $e }}:\n",
     "a Go template: bridge reads Traefik's files as they are, without rendering them", 3, 1,
     "render it first (e.g. with the values your deployment uses) and name the result"},
    {"AnUnknownServiceOfARouter",
     "http:\n  routers:\n    api:\n      rule: \"PathPrefix(`/`)\"\n      service: nowhere\n",
     "route \"api@file\": unknown upstream \"nowhere@file\"", 5, 16, nullptr},
    {"InvalidYaml", "http:\n  routers: [\n", "invalid YAML: ", 3, 1, nullptr},
};

class TraefikSourceErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TraefikSourceErrors, PointIntoTheTraefikFile) {
  const ErrorCase& c = GetParam();
  TempConfigDir dir;
  dir.write("base.toml", base_with_source);
  dir.write("dev.toml", "");
  dir.write("traefik/dynamic.yml", c.yaml);
  auto config = dir.load();
  ASSERT_FALSE(config) << c.name;
  const Error& e = config.error();
  EXPECT_TRUE(e.message.starts_with(c.message)) << e.message;
  EXPECT_EQ(e.where.source, dir.file("traefik/dynamic.yml")) << e.message;
  EXPECT_EQ(e.where.line, c.line) << e.message;
  EXPECT_EQ(e.where.column, c.column) << e.message;
  if (c.hint != nullptr) {
    EXPECT_EQ(e.hint, c.hint);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TraefikSourceErrors, ::testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TraefikSource, AMissingPathAndAnotherTypeSayWhatIsRead) {
  TempConfigDir dir;
  dir.write("base.toml", std::string(minimal_base) +
                             "\n[[sources]]\ntype = \"traefik-file\"\npath = \"nowhere.yml\"\n");
  dir.write("dev.toml", "");
  auto missing = dir.load();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "sources[0].path: \"" + dir.file("nowhere.yml") + "\" does not exist");
  dir.write("base.toml",
            std::string(minimal_base) + "\n[[sources]]\ntype = \"consul\"\npath = \"k8s\"\n");
  auto other = dir.load();
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message,
            "sources[0].type: expected one of traefik-file, docker-labels, kubernetes");
}

constexpr std::string_view tcp_base = R"toml(version = 1

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"

[[listeners]]
name = "pg"
bind = "127.0.0.1:15432"
protocol = "tcp"

[traefik]
entrypoints = { postgres = "pg" }

[[sources]]
type = "traefik-file"
path = "traefik"
)toml";

// Traefik's documented TCP shapes: a HostSNI(`*`) router for a database, a passthrough one
// over TLS, a TCP middleware, a TCP service with a PROXY header.
TEST(TraefikSource, TcpRoutersServicesAndMiddlewaresBecomeTcpRoutes) {
  TempConfigDir dir;
  dir.write("base.toml", tcp_base);
  dir.write("dev.toml", "");
  dir.write("traefik/tcp.yml", R"yaml(tcp:
  routers:
    db:
      entryPoints: [postgres]
      rule: "HostSNI(`*`)"
      service: db
      middlewares: [local-only]
    billing:
      entryPoints: [postgres]
      rule: "HostSNI(`billing.localhost`)"
      service: billing
      tls:
        passthrough: true
  services:
    db:
      loadBalancer:
        servers:
          - address: "127.0.0.1:5432"
        proxyProtocol:
          version: 2
    billing:
      loadBalancer:
        servers:
          - address: "127.0.0.1:9443"
  middlewares:
    local-only:
      ipAllowList:
        sourceRange: ["127.0.0.1/32"]
)yaml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  ASSERT_EQ(config->tcp_routes.size(), 2u);
  const TcpRoute& db = config->tcp_routes[0];
  EXPECT_EQ(db.name, "db@file");
  EXPECT_EQ(db.rule, "HostSNI(`*`)");
  EXPECT_EQ(db.listeners, std::vector<std::string>{"pg"});
  EXPECT_EQ(db.upstream, "db@file");
  EXPECT_EQ(db.middlewares, std::vector<std::string>{"local-only@file"});
  EXPECT_FALSE(db.reads_tls());
  EXPECT_TRUE(config->tcp_routes[1].tls_passthrough);
  const Upstream* upstream = upstream_named(*config, "db@file");
  ASSERT_NE(upstream, nullptr);
  EXPECT_EQ(upstream->targets, std::vector<std::string>{"tcp://127.0.0.1:5432"});
  EXPECT_EQ(upstream->proxy_protocol, 2);
  ASSERT_EQ(config->tcp_middlewares.size(), 1u);
  EXPECT_EQ(config->tcp_middlewares[0].name, "local-only@file");
  EXPECT_EQ(config->imported.at("db@file"),
            "the Traefik TCP router \"db\" of " + dir.file("traefik/tcp.yml") + ":3:5");
}

// Traefik's canary example: a weighted service over two loadBalancers, one nested in another
// weighted one. bridge balances over the servers, each weighted by its share.
TEST(TraefikSource, WeightedServicesBecomeWeightedTargets) {
  TempConfigDir dir;
  dir.write("base.toml", base_with_source);
  dir.write("dev.toml", "");
  dir.write("traefik/canary.yml", R"yaml(http:
  routers:
    app:
      rule: "PathPrefix(`/`)"
      service: app
  services:
    app:
      weighted:
        services:
          - name: appv1
            weight: 3
          - name: appv2
            weight: 1
    appv1:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9001"
          - url: "http://127.0.0.1:9002"
        healthCheck:
          path: /health
    appv2:
      weighted:
        services:
          - name: appv2-blue
            weight: 1
    appv2-blue:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9003"
)yaml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const Upstream* app = upstream_named(*config, "app@file");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->targets,
            (std::vector<std::string>{"http://127.0.0.1:9001", "http://127.0.0.1:9002",
                                      "http://127.0.0.1:9003"}));
  // 3/4 split over two servers, 1/4 to the third: 3750, 3750, 2500 of 10,000.
  EXPECT_EQ(app->weights, (std::vector<int64_t>{3750, 3750, 2500}));
  ASSERT_TRUE(app->health.has_value()) << "the first child's health check stands for all";
  EXPECT_EQ(app->health->path, "/health");
}

// What bridge cannot honour is a warning at its line, and a router that needs it is left out
// with another; `--strict` (LoadOptions::strict) makes the first one the error.
TEST(TraefikSource, WhatBridgeCannotHonourIsAWarningAndStrictMakesItAnError) {
  TempConfigDir dir;
  dir.write("base.toml", base_with_source);
  dir.write("dev.toml", "");
  dir.write("traefik/dynamic.yml", R"yaml(http:
  routers:
    app:
      rule: "PathPrefix(`/`)"
      service: app
    blocked:
      rule: "PathPrefix(`/geo`)"
      service: app
      middlewares: [geoblock]
  middlewares:
    geoblock:
      plugin:
        geoblock:
          allowedCountries: [DE]
    guarded:
      chain:
        middlewares: [geoblock]
  services:
    app:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:9001"
udp:
  routers:
    dns:
      service: dns
)yaml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_NE(route_named(*config, "app@file"), nullptr);
  EXPECT_EQ(route_named(*config, "blocked@file"), nullptr);
  EXPECT_EQ(config->find_middleware("geoblock@file"), nullptr);
  EXPECT_EQ(config->find_middleware("guarded@file"), nullptr) << "a chain needing it too";
  ASSERT_EQ(config->warnings.size(), 4u);
  EXPECT_EQ(config->warnings[0].message,
            "http.middlewares.geoblock.plugin: bridge runs Traefik's own middlewares, not "
            "plugins; left out");
  EXPECT_EQ(config->warnings[0].where.line, 12);
  EXPECT_EQ(config->warnings[0].where.column, 7);
  EXPECT_EQ(config->warnings[1].message,
            "udp: bridge relays HTTP and TCP, not UDP; these routers are left out");
  EXPECT_EQ(config->warnings[1].where.line, 23);
  EXPECT_EQ(config->warnings[2].message,
            "middleware guarded@file is left out: bridge cannot run its member geoblock@file");
  EXPECT_EQ(config->warnings[2].where.line, 15);
  EXPECT_EQ(config->warnings[3].message,
            "router blocked@file is left out: bridge cannot run its middleware geoblock@file");
  EXPECT_EQ(config->warnings[3].where.line, 6);

  LoadOptions strict = dir.options();
  strict.strict = true;
  auto refused = load(strict);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, config->warnings[0].message);
  EXPECT_EQ(refused.error().where.line, 12);
  EXPECT_TRUE(refused.error().hint.starts_with("without --strict this is a warning"))
      << refused.error().hint;
}

}  // namespace
}  // namespace bridge::config::test
