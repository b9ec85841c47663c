// [[sources]] type = "docker-labels": the traefik.* labels of a compose project's services, read
// as Traefik's docker provider reads its containers' labels (exposedByDefault = true), into
// routes, upstreams and middlewares named NAME@docker with compose:// targets. The fixtures
// follow the label examples of Traefik's documentation (routing/providers/docker.md and the
// middleware pages' "Docker & Swarm" tabs). Errors and warnings point at the label in the
// compose file; a running container's labels (LoadOptions::container_labels, standing in for
// the Docker Engine here) win over the file's.
#include "config_test.hpp"

#include <algorithm>
#include <functional>

namespace bridge::config::test {
namespace {

constexpr std::string_view base_with_labels = R"toml(version = 1

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"

[[sources]]
type = "docker-labels"
path = "shop"
)toml";

// Traefik's documented shapes: list form with an explicit port, a health check and a
// stripPrefix middleware; map form with a priority; a service set aside with traefik.enable.
constexpr std::string_view shop_compose = R"yaml(services:
  api:
    image: shop/api
    ports:
      - "127.0.0.1::8080"
    labels:
      - "traefik.http.routers.api.rule=Host(`shop.localhost`) && PathPrefix(`/api`)"
      - "traefik.http.routers.api.entrypoints=web"
      - "traefik.http.routers.api.middlewares=api-strip"
      - "traefik.http.middlewares.api-strip.stripprefix.prefixes=/api"
      - "traefik.http.services.api.loadbalancer.server.port=8080"
      - "traefik.http.services.api.loadbalancer.healthcheck.path=/health"
      - "traefik.http.services.api.loadbalancer.healthcheck.interval=10"
  web:
    image: shop/web
    expose:
      - "3000"
    labels:
      traefik.http.routers.web.rule: "PathPrefix(`/`)"
      traefik.http.routers.web.priority: 1
  db:
    image: postgres
    ports: ["5432"]
    labels:
      - traefik.enable=false
)yaml";

const Route* route_named(const Config& c, std::string_view name) {
  auto it = std::find_if(c.routes.begin(), c.routes.end(),
                         [&](const Route& r) { return r.name == name; });
  return it == c.routes.end() ? nullptr : &*it;
}
const TcpRoute* tcp_route_named(const Config& c, std::string_view name) {
  auto it = std::find_if(c.tcp_routes.begin(), c.tcp_routes.end(),
                         [&](const TcpRoute& r) { return r.name == name; });
  return it == c.tcp_routes.end() ? nullptr : &*it;
}

std::string error_text(const Error& e) { return e.where.str() + ": " + e.message; }

/// The dir with base.toml naming shop/ and `compose` as shop/compose.yaml.
struct Shop {
  explicit Shop(std::string_view compose, std::string_view base = base_with_labels) {
    dir.write("base.toml", base);
    dir.write("dev.toml", "");
    dir.write("shop/compose.yaml", compose);
  }
  Result<Config> load(const std::function<void(LoadOptions&)>& edit = {}) const {
    LoadOptions options;
    options.profile = "dev";
    options.config_dir = dir.path();
    options.environment_for_test.emplace();
    if (edit) edit(options);
    return config::load(options);
  }
  std::string compose() const { return dir.file("shop/compose.yaml"); }
  TempConfigDir dir;
};

TEST(DockerLabels, TraefiksDocumentedLabelsBecomeRoutesUpstreamsAndMiddlewares) {
  Shop shop(shop_compose);
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  const Route* api = route_named(*config, "api@docker");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->rule, "Host(`shop.localhost`) && PathPrefix(`/api`)");
  EXPECT_EQ(api->listeners, std::vector<std::string>{"web"});
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"api-strip@docker"});
  EXPECT_EQ(api->upstream, "api@docker");
  const Upstream* upstream = config->find_upstream("api@docker");
  ASSERT_NE(upstream, nullptr);
  EXPECT_EQ(upstream->targets, std::vector<std::string>{"compose://api:8080"});
  ASSERT_TRUE(upstream->health.has_value());
  EXPECT_EQ(upstream->health->path, "/health");
  EXPECT_EQ(upstream->health->interval, std::chrono::seconds(10)) << "a bare number is seconds";
  const auto* strip = config->find_middleware("api-strip@docker");
  ASSERT_TRUE(strip && strip->strip_prefix);
  EXPECT_EQ(*strip->strip_prefix, std::vector<std::string>{"/api"});

  const Route* web = route_named(*config, "web@docker");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->priority, 1);
  EXPECT_EQ(web->upstream, "web-shop@docker") << "the service Traefik makes for the container";
  ASSERT_NE(config->find_upstream("web-shop@docker"), nullptr);
  EXPECT_EQ(config->find_upstream("web-shop@docker")->targets,
            std::vector<std::string>{"compose://web:3000"})
      << "its one exposed port";

  EXPECT_EQ(route_named(*config, "db-shop@docker"), nullptr) << "traefik.enable=false";
  EXPECT_TRUE(config->warnings.empty()) << config->warnings.front().message;
  EXPECT_EQ(config->imported.at("api@docker"),
            "label traefik.http.routers.api.rule of " + shop.compose() + ":7:10");
  EXPECT_EQ(config->imported.at("web@docker"),
            "label traefik.http.routers.web.rule of " + shop.compose() + ":19:7");
  EXPECT_EQ(config->entry_origin("routes", "api@docker").str(), shop.compose() + ":7:10");
  EXPECT_EQ(config->origin("routes.\"api@docker\".rule").str(), shop.compose() + ":7:40");
  EXPECT_EQ(config->label_projects, std::vector<std::string>{"shop"});
  EXPECT_NE(std::find(config->files.begin(), config->files.end(), shop.compose()),
            config->files.end())
      << "editing the compose file reloads bridge";
}

TEST(DockerLabels, AServiceWithoutLabelsGetsTraefiksDefaultRouterRuleAndPort) {
  Shop shop("name: Web_Shop\nservices:\n  front_end:\n    image: nginx\n    ports:\n"
            "      - \"127.0.0.1:8081:80\"\n");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  // Traefik's getServiceName: Normalize("front_end" + "_" + project); the default rule
  // Host(`{{ normalize .Name }}`) of it. The project is compose's name: `name:` lowercased.
  const Route* route = route_named(*config, "front-end-web-shop@docker");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->rule, "Host(`front-end-web-shop`)");
  EXPECT_EQ(route->upstream, "front-end-web-shop@docker");
  EXPECT_EQ(config->find_upstream("front-end-web-shop@docker")->targets,
            std::vector<std::string>{"compose://front_end:80"})
      << "the container port";
  EXPECT_EQ(config->imported.at("front-end-web-shop@docker"),
            "compose service front_end of " + shop.compose() + ":3:3 (Traefik's default router)");
  EXPECT_EQ(config->label_projects, std::vector<std::string>{"web_shop"});
}

TEST(DockerLabels, KeysAreReadIgnoringCaseAndTheFirstSpellingNamesTheRouter) {
  Shop shop("services:\n  api:\n    expose: [\"8080\"]\n    labels:\n"
            "      - traefik.http.routers.api.RULE=PathPrefix(`/api`)\n"
            "      - Traefik.HTTP.Routers.Api.EntryPoints=web\n"
            "      - traefik.http.routers.api.Middlewares=Strip\n"
            "      - traefik.http.middlewares.Strip.StripPrefix.Prefixes=/api, /v1\n"
            "      - traefik.http.services.api.LoadBalancer.Server.Port=8080\n");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  // "Traefik.HTTP.Routers.Api..." sorts first (byte order), as paerser reads the keys.
  const Route* api = route_named(*config, "Api@docker");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->rule, "PathPrefix(`/api`)");
  EXPECT_EQ(api->listeners, std::vector<std::string>{"web"});
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"Strip@docker"});
  const auto* strip = config->find_middleware("Strip@docker");
  ASSERT_TRUE(strip && strip->strip_prefix);
  EXPECT_EQ(*strip->strip_prefix, (std::vector<std::string>{"/api", "/v1"})) << "items trimmed";
  EXPECT_EQ(config->find_upstream("api@docker")->targets,
            std::vector<std::string>{"compose://api:8080"});
}

TEST(DockerLabels, MiddlewareOptionsMapToTraefiksOptionNames) {
  Shop shop(R"yaml(services:
  api:
    expose: ["8080"]
    labels:
      - "traefik.http.routers.api.rule=PathPrefix(`/`)"
      - "traefik.http.routers.api.middlewares=cors,limit,zip,again,guard,both"
      - "traefik.http.middlewares.cors.headers.customrequestheaders.X-Env=dev"
      - "traefik.http.middlewares.cors.headers.accesscontrolallowmethods=GET,OPTIONS,PUT"
      - "traefik.http.middlewares.cors.headers.accesscontrolalloworiginlist=http://localhost:3000"
      - "traefik.http.middlewares.cors.headers.accesscontrolmaxage=100"
      - "traefik.http.middlewares.cors.headers.addvaryheader=true"
      - "traefik.http.middlewares.limit.ratelimit.average=100"
      - "traefik.http.middlewares.limit.ratelimit.burst=50"
      - "traefik.http.middlewares.limit.ratelimit.period=1m"
      - "traefik.http.middlewares.zip.compress=true"
      - "traefik.http.middlewares.again.retry.attempts=4"
      - "traefik.http.middlewares.again.retry.initialinterval=100ms"
      - "traefik.http.middlewares.guard.ipallowlist.sourcerange=127.0.0.1/32, 192.168.1.7"
      - "traefik.http.middlewares.guard.ipallowlist.ipstrategy.depth=2"
      - "traefik.http.middlewares.both.chain.middlewares=cors,limit"
)yaml");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  const auto* cors = config->find_middleware("cors@docker");
  ASSERT_TRUE(cors && cors->headers);
  EXPECT_EQ(cors->headers->custom_request_headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Env", "dev"}}))
      << "a map key keeps its spelling";
  EXPECT_EQ(cors->headers->allow_methods, (std::vector<std::string>{"GET", "OPTIONS", "PUT"}));
  EXPECT_EQ(cors->headers->allow_origin_list, std::vector<std::string>{"http://localhost:3000"});
  EXPECT_EQ(cors->headers->max_age, 100);
  EXPECT_TRUE(cors->headers->add_vary_header);
  const auto* limit = config->find_middleware("limit@docker");
  ASSERT_TRUE(limit && limit->rate_limit);
  EXPECT_EQ(limit->rate_limit->average, 100);
  EXPECT_EQ(limit->rate_limit->burst, 50);
  EXPECT_EQ(limit->rate_limit->period, std::chrono::minutes(1));
  const auto* zip = config->find_middleware("zip@docker");
  ASSERT_TRUE(zip && zip->compress) << "compress=true alone, as Traefik's allowEmpty";
  const auto* again = config->find_middleware("again@docker");
  ASSERT_TRUE(again && again->retry);
  EXPECT_EQ(again->retry->attempts, 4);
  EXPECT_EQ(again->retry->initial_interval, std::chrono::milliseconds(100));
  const auto* guard = config->find_middleware("guard@docker");
  ASSERT_TRUE(guard && guard->ip_allow_list);
  EXPECT_EQ(guard->ip_allow_list->source_range,
            (std::vector<std::string>{"127.0.0.1/32", "192.168.1.7"}));
  const auto* both = config->find_middleware("both@docker");
  ASSERT_TRUE(both && both->chain);
  EXPECT_EQ(*both->chain, (std::vector<std::string>{"cors@docker", "limit@docker"}));
}

TEST(DockerLabels, TcpLabelsBecomeTcpRoutesAndNoHttpRoute) {
  Shop shop("services:\n  db:\n    image: postgres\n    ports: [\"127.0.0.1::5432\"]\n"
            "    labels:\n"
            "      - \"traefik.tcp.routers.db.rule=HostSNI(`*`)\"\n"
            "      - \"traefik.tcp.routers.db.entrypoints=pg\"\n"
            "      - \"traefik.tcp.services.db.loadbalancer.server.port=5432\"\n"
            "  cache:\n    image: redis\n    expose: [\"6379\"]\n    labels:\n"
            "      - \"traefik.tcp.routers.cache.rule=HostSNI(`cache.localhost`)\"\n"
            "      - \"traefik.tcp.routers.cache.tls.passthrough=true\"\n",
            std::string(base_with_labels) +
                "\n[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:15432\"\nprotocol = "
                "\"tcp\"\n");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  const TcpRoute* db = tcp_route_named(*config, "db@docker");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->rule, "HostSNI(`*`)");
  EXPECT_EQ(db->listeners, std::vector<std::string>{"pg"});
  EXPECT_EQ(config->find_upstream("db@docker")->targets,
            std::vector<std::string>{"compose://db:5432"});
  const TcpRoute* cache = tcp_route_named(*config, "cache@docker");
  ASSERT_NE(cache, nullptr);
  EXPECT_TRUE(cache->tls_passthrough);
  EXPECT_EQ(cache->upstream, "cache-shop@docker") << "the default TCP service";
  EXPECT_EQ(config->find_upstream("cache-shop@docker")->targets,
            std::vector<std::string>{"compose://cache:6379"});
  EXPECT_TRUE(config->routes.empty()) << "TCP labels alone make no HTTP router";
}

TEST(DockerLabels, ComposeInterpolationAndANamedProjectInTheTargets) {
  Shop shop("services:\n  api:\n    labels:\n"
            "      traefik.http.routers.api.rule: \"Host(`${API_HOST:-api.localhost}`)\"\n"
            "      traefik.http.services.api.loadbalancer.server.port: ${API_PORT}\n"
            "      traefik.http.middlewares.auth.basicauth.users: "
            "\"test:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/\"\n",
            std::string(base_with_labels) + "project = \"shop-dev\"\n");
  shop.dir.write("shop/.env", "API_PORT=9000\n");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  EXPECT_EQ(route_named(*config, "api@docker")->rule, "Host(`api.localhost`)");
  EXPECT_EQ(config->find_upstream("api@docker")->targets,
            std::vector<std::string>{"compose://api:9000?project=shop-dev"});
  const auto* auth = config->find_middleware("auth@docker");
  ASSERT_TRUE(auth && auth->basic_auth) << "$$ is a '$' in compose files";
  EXPECT_EQ(config->label_projects, std::vector<std::string>{"shop-dev"});
}

struct ErrorCase {
  const char* name;
  const char* compose;
  const char* message;
  int line;
  int column;
  const char* hint;  // nullptr: not checked
};

const ErrorCase error_cases[] = {
    {"AKeyThatIsNoTraefikKey",
     "services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
     "      - \"traefik.http.routers.api.rul=PathPrefix(`/`)\"\n",
     "label traefik.http.routers.api.rul: not a Traefik key", 5, 10, "did you mean \"rule\"?"},
    {"AMisspelledMiddlewareOption",
     "services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
     "      traefik.http.middlewares.strip.stripprefix.prefix: /api\n",
     "label traefik.http.middlewares.strip.stripprefix.prefix: not a Traefik key", 5, 7,
     "did you mean \"prefixes\"?"},
    {"APriorityThatIsNoNumber",
     "services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
     "      - traefik.http.routers.api.priority=high\n",
     "label traefik.http.routers.api.priority: expected an integer, got \"high\"", 5, 43, nullptr},
    {"AnEnableThatIsNoBoolean", "services:\n  api:\n    labels:\n      traefik.enable: \"yes\"\n",
     "label traefik.enable: expected true or false, got \"yes\"", 4, 24, nullptr},
    {"SeveralPortsAndNoPortLabel",
     "services:\n  api:\n    ports: [\"8080\", \"127.0.0.1:9090:9090\"]\n    labels:\n"
     "      - traefik.http.routers.api.rule=PathPrefix(`/`)\n",
     "compose service \"api\" has several ports (8080, 9090), so Traefik's service api-shop "
     "needs to be told which",
     2, 3, "add the label traefik.http.services.api-shop.loadbalancer.server.port=8080"},
    {"AMiddlewareOptionIsCheckedWhereTheLabelSetsIt",
     "services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
     "      - \"traefik.http.middlewares.strip.stripprefix.prefixes=/api,v1\"\n",
     "middlewares.\"strip@docker\".stripPrefix.prefixes[1]: \"v1\" does not start with /", 5, 67,
     nullptr},
    {"ARouterWithoutServiceAmongSeveral",
     "services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
     "      - traefik.http.routers.api.rule=PathPrefix(`/`)\n"
     "      - traefik.http.services.a.loadbalancer.server.port=80\n"
     "      - traefik.http.services.b.loadbalancer.server.port=81\n",
     "router api names no service, and compose service \"api\" has several (a, b)", 5, 9,
     "add the label traefik.http.routers.api.service=a"},
    {"TwoServicesWriteOneRouterDifferently",
     "services:\n  a:\n    expose: [\"80\"]\n    labels:\n"
     "      - traefik.http.routers.api.rule=PathPrefix(`/a`)\n"
     "  b:\n    expose: [\"80\"]\n    labels:\n"
     "      - traefik.http.routers.api.rule=PathPrefix(`/b`)\n",
     "http.routers.api: written differently by compose services \"a\" and \"b\"", 9, 9, nullptr},
    {"InvalidYaml", "services:\n  api: [\n", "invalid YAML: ", 3, 1, nullptr},
};

class DockerLabelErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(DockerLabelErrors, PointAtTheLabel) {
  const ErrorCase& c = GetParam();
  Shop shop(c.compose);
  auto config = shop.load();
  ASSERT_FALSE(config) << c.name;
  const Error& e = config.error();
  EXPECT_TRUE(e.message.starts_with(c.message)) << e.message;
  EXPECT_EQ(e.where.source, shop.compose()) << e.message;
  EXPECT_EQ(e.where.line, c.line) << e.message;
  EXPECT_EQ(e.where.column, c.column) << e.message;
  if (c.hint != nullptr) {
    EXPECT_EQ(e.hint, c.hint);
  }
  if (std::string_view(c.name) != "InvalidYaml") {  // that one points past the end
    EXPECT_FALSE(e.source_line.empty()) << "the label's line is quoted";
  }
}

INSTANTIATE_TEST_SUITE_P(Table, DockerLabelErrors, ::testing::ValuesIn(error_cases),
                         [](const auto& info) { return std::string(info.param.name); });

constexpr std::string_view unhonoured = R"yaml(services:
  api:
    expose: ["80"]
    labels:
      - "traefik.http.routers.api.rule=PathPrefix(`/`)"
      - "traefik.docker.network=proxy"
      - "traefik.udp.routers.dns.entrypoints=dns"
      - "traefik.http.services.api-shop.loadbalancer.sticky.cookie.name=lb"
  plugged:
    expose: ["80"]
    labels:
      - "traefik.http.routers.plugged.rule=PathPrefix(`/p`)"
      - "traefik.http.routers.plugged.middlewares=demo"
      - "traefik.http.middlewares.demo.plugin.example.headers.foo=bar"
)yaml";

TEST(DockerLabels, WhatBridgeCannotHonourIsAWarningAtTheLabel) {
  Shop shop(unhonoured);
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  std::vector<std::string> warnings;
  for (const Error& w : config->warnings) warnings.push_back(error_text(w));
  const std::string file = shop.compose();
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                file + ":6:10: label traefik.docker.network: bridge reaches containers by their "
                       "published ports (compose:// targets), not over a docker network; left out",
                file + ":7:10: label traefik.udp.routers.dns.entrypoints: bridge relays HTTP and "
                       "TCP, not UDP; left out",
                file + ":8:10: http.services.api-shop.loadBalancer.sticky: not something bridge "
                       "does; left out",
                file + ":14:10: http.middlewares.demo.plugin: bridge runs Traefik's own "
                       "middlewares, not plugins; left out",
                file + ":12:10: router plugged@docker is left out: bridge cannot run its "
                       "middleware demo@docker",
            }));
  EXPECT_NE(route_named(*config, "api@docker"), nullptr);
  EXPECT_EQ(route_named(*config, "plugged@docker"), nullptr);

  auto strict = shop.load([](LoadOptions& o) { o.strict = true; });
  ASSERT_FALSE(strict);
  EXPECT_EQ(error_text(strict.error()), warnings.front());
}

TEST(DockerLabels, AServiceOnlyExposedByDefaultWithoutAPortIsLeftOutWithAWarning) {
  Shop shop("services:\n  api:\n    expose: [\"80\"]\n    labels:\n"
            "      - traefik.http.routers.api.rule=PathPrefix(`/`)\n"
            "  worker:\n    image: shop/worker\n");
  auto config = shop.load();
  ASSERT_TRUE(config) << error_text(config.error());
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_EQ(error_text(config->warnings[0]),
            shop.compose() + ":6:3: compose service \"worker\" publishes or exposes no port, so "
                             "Traefik's service worker-shop has none; left out");
  EXPECT_EQ(config->warnings[0].hint,
            "add the label traefik.http.services.worker-shop.loadbalancer.server.port=PORT, or "
            "traefik.enable=false to leave it out");
  EXPECT_EQ(config->routes.size(), 1u);
}

TEST(DockerLabels, RunningContainersLabelsWinOverTheComposeFile) {
  Shop shop(shop_compose);
  std::vector<std::string> asked;
  auto with_engine = [&](std::string rule) {
    return [&asked, rule](LoadOptions& o) {
      o.container_labels =
          [&asked, rule](const std::string& project) -> Result<std::vector<ContainerLabels>> {
        asked.push_back(project);
        return std::vector<ContainerLabels>{
            {"shop-api-2",
             "api",
             {{"traefik.http.routers.api.rule", rule},
              {"traefik.http.services.api.loadbalancer.server.port", "8080"},
              {"com.docker.compose.project", "shop"}}},
            {"shop-api-1",
             "api",
             {{"traefik.http.routers.api.rule", rule},
              {"traefik.http.services.api.loadbalancer.server.port", "8080"}}},
        };
      };
    };
  };
  auto config = shop.load(with_engine("PathPrefix(`/v2`)"));
  ASSERT_TRUE(config) << error_text(config.error());
  EXPECT_EQ(asked, std::vector<std::string>{"shop"});
  const Route* api = route_named(*config, "api@docker");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->rule, "PathPrefix(`/v2`)");
  EXPECT_TRUE(api->middlewares.empty()) << "the container's labels replace the file's";
  EXPECT_EQ(config->imported.at("api@docker"),
            "label traefik.http.routers.api.rule of container shop-api-1");
  EXPECT_EQ(config->entry_origin("routes", "api@docker").str(), "container shop-api-1");
  EXPECT_NE(route_named(*config, "web@docker"), nullptr) << "web does not run: its file labels";

  // Another label on the container is another config (a reload applies it).
  auto changed = shop.load(with_engine("PathPrefix(`/v3`)"));
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->hash, config->hash);

  // An engine error (none running here) reads the file.
  auto no_engine = shop.load([](LoadOptions& o) {
    o.container_labels = [](const std::string&) -> Result<std::vector<ContainerLabels>> {
      return Error::runtime("docker engine at /var/run/docker.sock: connect: no such file");
    };
  });
  ASSERT_TRUE(no_engine) << error_text(no_engine.error());
  EXPECT_EQ(route_named(*no_engine, "api@docker")->rule,
            "Host(`shop.localhost`) && PathPrefix(`/api`)");
}

TEST(DockerLabels, AContainerLabelErrorNamesTheContainerAndTheLabel) {
  Shop shop("services:\n  api:\n    expose: [\"80\"]\n");
  auto config = shop.load([](LoadOptions& o) {
    o.container_labels = [](const std::string&) -> Result<std::vector<ContainerLabels>> {
      return std::vector<ContainerLabels>{
          {"shop-api-1", "api", {{"traefik.http.routers.api.entrypoint", "web"}}}};
    };
  });
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().where.str(), "container shop-api-1");
  EXPECT_EQ(config.error().message, "label traefik.http.routers.api.entrypoint: not a Traefik key");
  EXPECT_EQ(config.error().hint, "did you mean \"entrypoints\"?");
}

TEST(DockerLabels, ADirectoryWithoutAComposeFileSaysWhatIsLookedFor) {
  TempConfigDir dir;
  dir.write("base.toml", base_with_labels);
  dir.write("dev.toml", "");
  dir.write("shop/README", "");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message,
            "sources[0].path: no compose file in \"" + dir.file("shop") + "\"");
  EXPECT_EQ(config.error().where.line, 9);
}

// profiles/compose-labels.toml serves the shipped compose example (profiles/compose/) from its
// labels, the way its team's Traefik would. The test runs in the source root.
TEST(DockerLabels, TheShippedComposeLabelsProfileServesTheExampleFromItsLabels) {
  LoadOptions options;
  options.profile = "compose-labels";
  options.config_dir = "profiles";
  options.environment_for_test.emplace();
  auto config = load(options);
  ASSERT_TRUE(config) << error_text(config.error());
  const Route* api = route_named(*config, "api@docker");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->rule, "PathPrefix(`/api`)");
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"api-strip@docker"});
  EXPECT_EQ(config->find_upstream("api@docker")->targets,
            std::vector<std::string>{"compose://api:8080?project=compose"});
  const Route* web = route_named(*config, "web@docker");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->rule, "PathPrefix(`/`)");
  EXPECT_EQ(config->find_upstream("web@docker")->targets,
            std::vector<std::string>{"compose://web:8080?project=compose"});
  EXPECT_EQ(route_named(*config, "frontend"), nullptr) << "base.toml's routes give way";
  EXPECT_TRUE(config->warnings.empty()) << error_text(config->warnings.front());
  EXPECT_EQ(config->label_projects, std::vector<std::string>{"compose"});
  for (const auto& leaf : config->leaves)
    EXPECT_TRUE(leaf.origin.source.starts_with("<default") || leaf.origin.has_position())
        << leaf.path;
  EXPECT_TRUE(config->imported.at("api@docker")
                  .starts_with("label traefik.http.routers.api.rule of "
                               "profiles/compose/compose.yaml:"))
      << config->imported.at("api@docker");
}

}  // namespace
}  // namespace bridge::config::test
