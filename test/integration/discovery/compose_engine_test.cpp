// compose:// against a real Docker Engine (a private dockerd started once for this executable)
// and real docker-compose projects running busybox httpd; plus the file parser compared with
// `docker-compose config`, the reference implementation.
#include "discovery_env.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>

namespace bridge::test {
namespace {

using discovery::Registry;
using discovery::Resolution;
using discovery::State;

[[maybe_unused]] auto* const docker_env =
    ::testing::AddGlobalTestEnvironment(new DockerEnvironment);

std::string describe(const Resolution& r) {
  std::string out = "state=" + std::to_string(static_cast<int>(r.state)) + " via=" + r.via +
                    " error=" + r.error + " endpoints=";
  for (const auto& e : r.endpoints)
    out += e.host + ":" + std::to_string(e.port) + "(" + e.name + ") ";
  return out;
}

// "127.0.0.1:32768\n" from `docker-compose port` -> 32768
uint16_t port_of(const std::string& text) {
  auto colon = text.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::stoi(text.substr(colon + 1)));
}

TEST(ComposeEngine, EphemeralPortComesFromTheEngine) {
  REQUIRE_DOCKER();
  // The project name comes from the directory, normalised the same way by compose and bridge.
  ComposeProject project("Shop.App1",
                         "services:\n" + httpd_service("web", "      - \"127.0.0.1::8080\"\n"));
  auto up = project.compose({"up", "-d"});
  ASSERT_EQ(up.status, 0) << up.err;
  auto published = project.compose({"port", "web", "8080"});
  ASSERT_EQ(published.status, 0) << published.err;

  auto r = discovery::resolve_once("compose://web:8080", project.options());
  ASSERT_EQ(r.state, State::Resolved) << describe(r);
  EXPECT_EQ(r.via, "docker engine");
  EXPECT_EQ(r.description, "compose shopapp1/web:8080");
  ASSERT_EQ(r.endpoints.size(), 1u);
  EXPECT_EQ(r.endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(r.endpoints[0].port, port_of(published.out)) << published.out;
  EXPECT_EQ(r.endpoints[0].name, "shopapp1_web_1");
  EXPECT_FALSE(http_get("127.0.0.1", r.endpoints[0].port).empty());

  // The container port is not published: the error says which ports: line to add.
  auto unpublished = discovery::resolve_once("compose://web:9999", project.options());
  EXPECT_EQ(unpublished.state, State::Failed);
  EXPECT_NE(unpublished.error.find("container port 9999"), std::string::npos) << unpublished.error;
  EXPECT_NE(unpublished.error.find("add \"127.0.0.1::9999\""), std::string::npos)
      << unpublished.error;

  // Unknown service: the services are listed, with a did-you-mean.
  auto unknown = discovery::resolve_once("compose://wbe:8080", project.options());
  EXPECT_EQ(unknown.state, State::Failed);
  EXPECT_NE(unknown.error.find("unknown compose service \"wbe\""), std::string::npos)
      << unknown.error;
  EXPECT_NE(unknown.error.find("did you mean \"web\"?"), std::string::npos) << unknown.error;

  // No compose file where bridge runs: ?project= finds the running project in the engine.
  TempDir elsewhere;
  auto options = project.options();
  options.working_dir = elsewhere.path();
  auto by_project = discovery::resolve_once("compose://web:8080?project=shopapp1", options);
  ASSERT_EQ(by_project.state, State::Resolved) << describe(by_project);
  EXPECT_EQ(by_project.endpoints, r.endpoints);
  auto no_file = discovery::resolve_once("compose://web:8080", options);
  EXPECT_EQ(no_file.state, State::Failed);
  EXPECT_NE(no_file.error.find("no compose file found"), std::string::npos) << no_file.error;
  EXPECT_NE(no_file.error.find("looked in:\n  " + elsewhere.path()), std::string::npos);
  auto wrong = discovery::resolve_once("compose://web:8080?project=nope", options);
  EXPECT_EQ(wrong.state, State::Failed);
  EXPECT_NE(wrong.error.find("runs in project(s) shopapp1"), std::string::npos) << wrong.error;
}

TEST(ComposeEngine, ScaledServiceHasOneEndpointPerContainer) {
  REQUIRE_DOCKER();
  ComposeProject project("scaled",
                         "services:\n" + httpd_service("web", "      - \"127.0.0.1::8080\"\n"));
  write_file(project.path() + "/.env", "COMPOSE_PROJECT_NAME=scaledenv\n");
  auto up = project.compose({"up", "-d", "--scale", "web=2"});
  ASSERT_EQ(up.status, 0) << up.err;
  auto r = discovery::resolve_once("compose://web:8080", project.options());
  ASSERT_EQ(r.state, State::Resolved) << describe(r);
  EXPECT_EQ(r.description, "compose scaledenv/web:8080");  // COMPOSE_PROJECT_NAME from .env
  ASSERT_EQ(r.endpoints.size(), 2u) << describe(r);
  EXPECT_EQ(r.endpoints[0].name, "scaledenv_web_1");
  EXPECT_EQ(r.endpoints[1].name, "scaledenv_web_2");
  EXPECT_NE(r.endpoints[0].port, r.endpoints[1].port);
  auto a = http_get("127.0.0.1", r.endpoints[0].port);
  auto b = http_get("127.0.0.1", r.endpoints[1].port);
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  EXPECT_NE(a, b) << "two containers answer with their own hostnames";
}

TEST(ComposeEngine, RegistryFollowsRecreatedStoppedAndStartedContainers) {
  REQUIRE_DOCKER();
  ComposeProject project("follow",
                         "services:\n" + httpd_service("web", "      - \"127.0.0.1::8080\"\n"));
  ASSERT_EQ(project.compose({"up", "-d"}).status, 0);
  Registry registry(project.options());
  auto source = registry.get("compose://web:8080");
  ASSERT_TRUE(source);
  auto& s = **source;
  ASSERT_TRUE(wait_until([&] { return s.current()->state == State::Resolved; }, 10s))
      << describe(*s.current());
  auto first = s.current()->endpoints.at(0);
  auto first_host = http_get("127.0.0.1", first.port);
  ASSERT_FALSE(first_host.empty());

  // --force-recreate: a new container with a new ephemeral port; bridge follows via /events.
  auto recreate = project.compose({"up", "-d", "--force-recreate"});
  ASSERT_EQ(recreate.status, 0) << recreate.err;
  auto done = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until(
      [&] {
        auto c = s.current();
        return c->state == State::Resolved && c->endpoints.size() == 1 &&
               c->endpoints[0].port != first.port;
      },
      10s))
      << describe(*s.current());
  auto followed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - done)
          .count();
  std::printf("[ measure  ] recreated container followed %lld ms after docker-compose returned\n",
              static_cast<long long>(followed_ms));
  RecordProperty("recreate_followed_ms", std::to_string(followed_ms));
  auto second = s.current()->endpoints.at(0);
  auto second_host = http_get("127.0.0.1", second.port);
  EXPECT_FALSE(second_host.empty());
  EXPECT_NE(second_host, first_host);

  // Stopped: no endpoints, and the error says how to start it. Started again: followed.
  ASSERT_EQ(project.compose({"stop", "-t", "0"}).status, 0);
  ASSERT_TRUE(wait_until([&] { return s.current()->state == State::Failed; }, 10s))
      << describe(*s.current());
  EXPECT_NE(s.current()->error.find("no running container"), std::string::npos);
  EXPECT_NE(s.current()->error.find("up -d web"), std::string::npos) << s.current()->error;
  ASSERT_EQ(project.compose({"start"}).status, 0);
  ASSERT_TRUE(wait_until([&] { return s.current()->state == State::Resolved; }, 10s))
      << describe(*s.current());
  EXPECT_FALSE(http_get("127.0.0.1", s.current()->endpoints.at(0).port).empty());
  EXPECT_GT(s.current()->generation, 3u);

  // Same object for the same url (a reload does not restart it).
  auto again = registry.get("compose://web:8080");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), source->get());
}

TEST(ComposeFallback, EngineNotReachableUsesTheFileAndSaysSo) {
  TempDir dir;
  write_file(dir / "docker-compose.yml",
             "services:\n  api:\n    image: x\n    ports:\n      - \"${API_PORT:-18123}:8080\"\n"
             "      - \"127.0.0.1::9090\"\n");
  discovery::Options options;
  options.working_dir = dir.path();
  options.env = {{"DOCKER_HOST", "unix://" + (dir / "no-engine.sock")},
                 {"COMPOSE_FILE", ""},
                 {"COMPOSE_PROJECT_NAME", ""}};
  auto r = discovery::resolve_once("compose://api:8080", options);
  ASSERT_EQ(r.state, State::Resolved) << describe(r);
  ASSERT_EQ(r.endpoints.size(), 1u);
  EXPECT_EQ(r.endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(r.endpoints[0].port, 18123);
  EXPECT_TRUE(r.via.starts_with("compose file (docker engine not reachable: ")) << r.via;
  EXPECT_NE(r.via.find("no-engine.sock"), std::string::npos) << r.via;

  auto ephemeral = discovery::resolve_once("compose://api:9090", options);
  EXPECT_EQ(ephemeral.state, State::Failed);
  EXPECT_NE(ephemeral.error.find("ephemeral"), std::string::npos) << ephemeral.error;
  EXPECT_TRUE(ephemeral.via.starts_with("compose file")) << ephemeral.via;
}

// ---- the file parser against `docker-compose config` ------------------------------------

struct Published {
  std::string ip;
  int port = 0;  // 0: ephemeral
};

// docker-compose 1.29 normalises ports to {target, published, protocol} or "IP:HOST:CONT/proto".
std::map<std::pair<std::string, int>, Published> reference_ports(const std::string& config) {
  std::map<std::pair<std::string, int>, Published> out;
  YAML::Node root = YAML::Load(config);
  for (const auto& svc : root["services"]) {
    std::string name = svc.first.as<std::string>();
    if (!svc.second["ports"]) continue;
    for (const auto& p : svc.second["ports"]) {
      if (p.IsMap()) {
        if (p["protocol"] && p["protocol"].as<std::string>() != "tcp") continue;
        Published pub;
        pub.port = p["published"] ? p["published"].as<int>() : 0;
        out.emplace(std::make_pair(name, p["target"].as<int>()), pub);
      } else {
        std::string s = p.as<std::string>();
        auto slash = s.rfind('/');
        if (slash != std::string::npos && s.substr(slash + 1) != "tcp") continue;
        s = s.substr(0, slash);
        auto c1 = s.rfind(':');
        auto c2 = s.rfind(':', c1 - 1);
        Published pub;
        pub.ip = s.substr(0, c2);
        std::string host = s.substr(c2 + 1, c1 - c2 - 1);
        pub.port = host.empty() ? 0 : std::stoi(host);
        out.emplace(std::make_pair(name, std::stoi(s.substr(c1 + 1))), pub);
      }
    }
  }
  return out;
}

void expect_same_mapping(const std::string& dir, const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> compose_env = env;
  compose_env["COMPOSE_FILE"] = "";
  compose_env["COMPOSE_PROJECT_NAME"] = "";
  auto config = run({"docker-compose", "config"}, 60s, compose_env, dir);
  ASSERT_EQ(config.status, 0) << config.err;
  auto reference = reference_ports(config.out);
  ASSERT_FALSE(reference.empty()) << config.out;
  discovery::Options options;
  options.working_dir = dir;
  options.env = compose_env;
  options.env["DOCKER_HOST"] = "unix://" + dir + "/no-engine.sock";  // the file's mapping only
  for (const auto& [key, pub] : reference) {
    std::string url = "compose://" + key.first + ":" + std::to_string(key.second);
    auto r = discovery::resolve_once(url, options);
    std::string loopback = pub.ip.empty() || pub.ip == "0.0.0.0" ? "127.0.0.1"
                           : pub.ip == "::"                      ? "::1"
                                                                 : pub.ip;
    SCOPED_TRACE(url + "\n" + config.out + "\n" + describe(r));
    if (pub.port == 0) {
      EXPECT_EQ(r.state, State::Failed);
      EXPECT_NE(r.error.find("ephemeral"), std::string::npos);
    } else if (!loopback.starts_with("127.") && loopback != "::1") {
      EXPECT_EQ(r.state, State::Failed);
      EXPECT_NE(r.error.find("not loopback"), std::string::npos);
    } else {
      ASSERT_EQ(r.state, State::Resolved);
      EXPECT_EQ(r.endpoints.at(0).host, loopback);
      EXPECT_EQ(r.endpoints.at(0).port, pub.port);
    }
  }
}

bool have_docker_compose() { return run({"docker-compose", "version"}, 30s).status == 0; }

TEST(ComposeConfigReference, ShortAndLongSyntax) {
  if (!have_docker_compose()) GTEST_SKIP() << "skipped: docker-compose is not installed";
  TempDir dir;
  write_file(dir / "compose.yaml", R"(services:
  web:
    image: x
    ports:
      - "3000"
      - "3001-3002"
      - "8000:8000"
      - "9090-9091:8080-8081"
      - "127.0.0.1:8001:8001"
      - "127.0.0.1:5000-5001:5100-5101"
      - "127.0.0.1::5000"
      - "6060:6060/udp"
      - "[::1]:6001:6001"
      - "192.168.77.1:7000:7000"
      - 4000:4000
      - target: 80
        published: 8080
        protocol: tcp
        mode: host
      - target: 81
        published: "8181"
  db:
    image: y
    ports:
      - "127.0.0.1:15432:5432/tcp"
)");
  expect_same_mapping(dir.path(), {});
}

TEST(ComposeConfigReference, InterpolationFromEnvAndDotEnv) {
  if (!have_docker_compose()) GTEST_SKIP() << "skipped: docker-compose is not installed";
  TempDir dir;
  write_file(dir / ".env", "API_PORT=18081\nBIND=127.0.0.1\n# a comment\n");
  write_file(dir / "docker-compose.yml", R"(services:
  web:
    image: x
    ports:
      - "${WEB_PORT:-18080}:80"
      - "${BIND}:${API_PORT}:81"
      - "${UNSET_IP-127.0.0.2}:${ALT:-1}${ALT_PORT:-8082}:82"
      - "$BIND:18083:83"
)");
  expect_same_mapping(dir.path(), {{"WEB_PORT", "28080"}});
  expect_same_mapping(dir.path(), {{"WEB_PORT", ""}, {"API_PORT", "28081"}});
}

TEST(ComposeConfigReference, OverrideAndExtends) {
  if (!have_docker_compose()) GTEST_SKIP() << "skipped: docker-compose is not installed";
  TempDir dir;
  write_file(dir / "common.yml",
             "services:\n  base:\n    image: x\n    ports: [\"127.0.0.1:7001:7001\"]\n");
  write_file(dir / "docker-compose.yml",
             "services:\n  api:\n    extends: {file: common.yml, service: base}\n"
             "    ports: [\"7002:7002\"]\n  web:\n    image: x\n    ports: [\"8080:80\"]\n");
  write_file(dir / "docker-compose.override.yml",
             "services:\n  web:\n    ports: [\"127.0.0.1:8443:443\"]\n");
  expect_same_mapping(dir.path(), {});
}

}  // namespace
}  // namespace bridge::test
