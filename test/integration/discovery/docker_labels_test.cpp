// `[[sources]] type = "docker-labels"` end to end: a compose project whose busybox httpd
// services carry Traefik labels (a Host rule, a PathPrefix rule with a stripPrefix middleware,
// an explicit loadbalancer.server.port) runs on the private dockerd; `bridge up` with a profile
// whose only routing is that source serves both through compose:// targets. Recreating a
// service with another label (the compose file unchanged: the label takes its rule from the
// environment of `docker-compose up`) is followed through the engine's events, and
// `bridge route list` says which label of which container a route comes from.
#include "bridge_process.hpp"
#include "discovery_env.hpp"
#include "net.hpp"

#include <csignal>
#include <cstdlib>
#include <functional>

namespace bridge::test {
namespace {

[[maybe_unused]] auto* const docker_env =
    ::testing::AddGlobalTestEnvironment(new DockerEnvironment);

// httpd serving `body` at / ; the container port 8080 published on loopback.
std::string labelled_service(const std::string& name, const std::string& body,
                             const std::string& labels) {
  return "  " + name + ":\n    image: " + std::string(busybox_image) +
         "\n    command: [\"/bin/sh\", \"-c\", \"echo " + body +
         " > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www\"]\n"
         "    stop_signal: SIGKILL\n    ports:\n      - \"127.0.0.1::8080\"\n"
         "    expose:\n      - \"9000\"\n    labels:\n" +
         labels;
}

// web: a Host rule; api: a PathPrefix rule whose prefix `docker-compose up` may set, stripped
// by a middleware. Both have two ports (8080, 9000): the port label says which one serves.
const std::string compose_yaml =
    "services:\n" +
    labelled_service("web", "hello from web",
                     "      - \"traefik.http.routers.web.rule=Host(`web.localhost`)\"\n"
                     "      - \"traefik.http.services.web.loadbalancer.server.port=8080\"\n") +
    labelled_service(
        "api", "hello from api",
        "      - \"traefik.http.routers.api.rule=PathPrefix(`${API_PREFIX:-/api}`)\"\n"
        "      - \"traefik.http.routers.api.middlewares=api-strip\"\n"
        "      - \"traefik.http.middlewares.api-strip.stripprefix.prefixes=${API_PREFIX:-/api}\"\n"
        "      - \"traefik.http.services.api.loadbalancer.server.port=8080\"\n");

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(uint16_t port, const std::string& path, const std::string& host = "") {
  std::vector<std::string> args = {"-m", "5", "-w", "\n%{http_code}"};
  if (!host.empty()) args.insert(args.end(), {"-H", "Host: " + host});
  args.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  auto r = curl(args, 8s);
  Reply out;
  auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  while (!out.body.empty() && out.body.back() == '\n') out.body.pop_back();
  return out;
}

TEST(DockerLabels, BridgeUpServesTheLabelsAndFollowsARecreatedContainer) {
  REQUIRE_DOCKER();
  ::setenv("DOCKER_HOST", DockerEnvironment::engine()->docker_host().c_str(), 1);
  ComposeProject project("labelsup", compose_yaml);
  auto compose = [&](std::vector<std::string> args, const std::string& prefix) {
    auto env = DockerEnvironment::engine()->env();
    if (!prefix.empty()) env["API_PREFIX"] = prefix;
    args.insert(args.begin(), "docker-compose");
    return run(args, 120s, env, project.path());
  };
  auto up = compose({"up", "-d"}, "");
  ASSERT_EQ(up.status, 0) << up.out << up.err;

  const uint16_t port = free_port();
  BridgeUp bridge;
  // The only routing: the labels. bridge runs elsewhere, so the project is named.
  bridge.write_config("version = 1\n[bridge]\nadmin = \"off\"\naccess_log = \"off\"\n"
                      "workers = 2\n\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:" +
                      std::to_string(port) +
                      "\"\n\n[[sources]]\ntype = \"docker-labels\"\npath = \"" + project.path() +
                      "\"\nproject = \"labelsup\"\n");
  ASSERT_TRUE(bridge.start(port, {}, 10s)) << bridge.output();

  Reply web;
  ASSERT_TRUE(
      wait_until([&] { return (web = get(port, "/", "web.localhost")).status == 200; }, 10s))
      << web.status << " " << web.body << "\n"
      << bridge.output();
  EXPECT_EQ(web.body, "hello from web");
  Reply api = get(port, "/api/");
  EXPECT_EQ(api.status, 200) << api.body;
  EXPECT_EQ(api.body, "hello from api") << "the /api prefix stripped";
  EXPECT_EQ(get(port, "/v2/").status, 404);

  // Where the routes come from: the running containers' labels.
  auto list = run_bridge({"route", "list", "--config-dir", bridge.config_dir()}, 20s);
  EXPECT_EQ(list.status, 0) << list.out << list.err;
  EXPECT_NE(list.out.find("api@docker"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("api@docker is label traefik.http.routers.api.rule of container "),
            std::string::npos)
      << list.out;
  EXPECT_NE(list.out.find("compose://api:8080?project=labelsup"), std::string::npos) << list.out;

  // The same compose file, another label on the recreated container: bridge follows.
  auto recreate = compose({"up", "-d", "api"}, "/v2");
  ASSERT_EQ(recreate.status, 0) << recreate.out << recreate.err;
  auto t0 = std::chrono::steady_clock::now();
  Reply moved;
  ASSERT_TRUE(wait_until([&] { return (moved = get(port, "/v2/")).status == 200; }, 15s))
      << moved.status << " " << moved.body << "\n"
      << bridge.output();
  std::printf("[ measure  ] bridge served the recreated container's new rule %lld ms after "
              "docker-compose returned\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
  EXPECT_EQ(moved.body, "hello from api");
  EXPECT_EQ(get(port, "/api/").status, 404) << "the old rule is gone";
  EXPECT_EQ(get(port, "/", "web.localhost").body, "hello from web");
  EXPECT_TRUE(bridge.wait_for_log("reloaded (container labels changed)", 5s)) << bridge.output();
}

// The shipped example as its comments say to run it: web and api of profiles/compose/ started
// with compose.laptop.yaml, then `bridge up --profile compose-labels` from the source tree.
TEST(DockerLabels, TheShippedComposeLabelsProfileServesTheComposeExample) {
  REQUIRE_DOCKER();
  ::setenv("DOCKER_HOST", DockerEnvironment::engine()->docker_host().c_str(), 1);
  const std::string dir = source_dir() + "/profiles/compose";
  auto compose = [&](std::vector<std::string> args) {
    auto env = DockerEnvironment::engine()->env();
    env["BUSYBOX_IMAGE"] = busybox_image;
    args.insert(args.begin(), {"docker-compose", "-f", dir + "/compose.yaml", "-f",
                               dir + "/compose.laptop.yaml"});
    return run(args, 120s, env, dir);
  };
  struct Down {
    std::function<void()> f;
    ~Down() { f(); }
  } down{[&] { compose({"down", "-t", "0"}); }};
  auto up = compose({"up", "-d", "web", "api"});
  ASSERT_EQ(up.status, 0) << up.out << up.err;

  const uint16_t port = free_port();
  TempDir cwd;
  Process bridge({bridge_bin(), "up", "--config-dir", source_dir() + "/profiles", "--profile",
                  "compose-labels", "--set", "bridge.admin=off", "--set",
                  "listeners.web.bind=127.0.0.1:" + std::to_string(port)},
                 {{"NO_COLOR", "1"}, {"BRIDGE_CONFIG_DIR", ""}, {"BRIDGE_PROFILE", ""}},
                 cwd.path());
  Reply web, api;
  ASSERT_TRUE(wait_until([&] { return (web = get(port, "/")).status == 200; }, 15s))
      << web.status << " " << web.body << "\n"
      << bridge.stdout_text() << bridge.stderr_text();
  EXPECT_EQ(web.body, "hello from web");
  api = get(port, "/api/");
  EXPECT_EQ(api.status, 200) << api.body;
  EXPECT_EQ(api.body, "hello from api");
  bridge.signal(SIGTERM);
  EXPECT_TRUE(bridge.wait_exit(5s).has_value());
}

}  // namespace
}  // namespace bridge::test
