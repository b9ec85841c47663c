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
    {"TcpRoutersAreNamedNotDropped", "tcp:\n  routers:\n    db:\n      rule: \"HostSNI(`*`)\"\n",
     "tcp: bridge does not import this part of a Traefik configuration", 1, 1,
     "put it in the bridge profile for now ([[tcp_routes]], a listener's tls)"},
    {"AWeightedServiceIsNamed",
     "http:\n  services:\n    canary:\n      weighted:\n        services: []\n",
     "http.services.canary.weighted: bridge does not import this part of a Traefik configuration",
     4, 7, "bridge imports loadBalancer services so far"},
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
            std::string(minimal_base) + "\n[[sources]]\ntype = \"kubernetes\"\npath = \"k8s\"\n");
  auto later = dir.load();
  ASSERT_FALSE(later);
  EXPECT_EQ(later.error().message,
            "sources[0].type: bridge reads sources of type \"traefik-file\" so far");
}

}  // namespace
}  // namespace bridge::config::test
