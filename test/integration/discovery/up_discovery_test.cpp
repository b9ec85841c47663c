// End to end through `bridge up`: compose:// and k8s:// upstreams served by the proxy, for
// HTTP routes and TCP routes.
// They cover the proxy's side of core/discovery: one Registry per `bridge up`, balancing over
// Resolution::endpoints, report_failure on refused/reset connections, and a 502 with a hint
// while a target has no endpoints.
//
// The private dockerd (one per executable) and test/support/fake-kubectl (standing in for
// kubectl: no cluster can run here) are the same as in the other discovery tests.
#include "backend.hpp"
#include "bridge_process.hpp"
#include "discovery_env.hpp"
#include "net.hpp"
#include "raw_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace bridge::test {
namespace {

[[maybe_unused]] auto* const docker_env =
    ::testing::AddGlobalTestEnvironment(new DockerEnvironment);

std::string config(uint16_t port, const std::string& upstreams, const std::string& routes) {
  return "version = 1\n[bridge]\nadmin = \"off\"\naccess_log = \"off\"\nworkers = 2\n\n"
         "[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:" +
         std::to_string(port) + "\"\n\n" + upstreams + "\n" + routes;
}

std::string upstream(const std::string& name, const std::string& target,
                     const std::string& extra = "") {
  return "[[upstreams]]\nname = \"" + name + "\"\ntargets = [\"" + target + "\"]\n" + extra + "\n";
}

std::string route(const std::string& name, const std::string& rule, const std::string& up) {
  return "[[routes]]\nname = \"" + name + "\"\nrule = \"" + rule + "\"\nupstream = \"" + up +
         "\"\n\n";
}

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(uint16_t port, const std::string& path = "/") {
  auto r = curl(
      {"-m", "5", "-w", "\n%{http_code}", "http://127.0.0.1:" + std::to_string(port) + path}, 8s);
  Reply out;
  auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  while (!out.body.empty() && out.body.back() == '\n') out.body.pop_back();
  return out;
}

// True once bridge has logged that it stopped using one of its endpoints: the latest
// "PREFIX ADDRESSES (via)" line of the discovery watch lists a single address, or a health check
// marked one down.
bool one_endpoint_dropped(const std::string& log, const std::string& prefix) {
  if (log.find(" is down (") != std::string::npos) return true;
  auto at = log.rfind(prefix);
  if (at == std::string::npos) return false;
  std::string addresses = log.substr(at + prefix.size());
  addresses = addresses.substr(0, addresses.find_first_of("(\"\n"));
  return !addresses.empty() && addresses.find(',') == std::string::npos;
}

class UpDiscovery : public ::testing::Test {
 protected:
  void SetUp() override { port_ = free_port(); }
  void use_engine() {
    ::setenv("DOCKER_HOST", DockerEnvironment::engine()->docker_host().c_str(), 1);
  }
  uint16_t port_ = 0;
  BridgeUp bridge_;
};

TEST_F(UpDiscovery, ComposeUpstreamFollowsARecreatedContainer) {
  REQUIRE_DOCKER();
  use_engine();
  ComposeProject project("upfollow",
                         "services:\n" + httpd_service("web", "      - \"127.0.0.1::8080\"\n"));
  ASSERT_EQ(project.compose({"up", "-d"}).status, 0);
  bridge_.write_config(config(port_, upstream("web", "compose://web:8080?project=upfollow"),
                              route("all", "PathPrefix(`/`)", "web")));
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  ASSERT_TRUE(wait_until([&] { return get(port_).status == 200; }, 10s)) << bridge_.output();
  auto first = get(port_).body;
  // `bridge up` says where the upstream resolved.
  EXPECT_TRUE(wait_until(
      [&] {
        return bridge_.output().find("upstream web: compose upfollow/web:8080 -> 127.0.0.1:") !=
               std::string::npos;
      },
      5s))
      << bridge_.output();

  ASSERT_EQ(project.compose({"up", "-d", "--force-recreate"}).status, 0);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = get(port_);
        return r.status == 200 && r.body != first;
      },
      10s))
      << bridge_.output();
  std::printf("[ measure  ] bridge up served the recreated container %lld ms after "
              "docker-compose returned\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
}

TEST_F(UpDiscovery, RoundRobinAcrossAScaledServiceAndAStoppedContainerIsSkipped) {
  REQUIRE_DOCKER();
  use_engine();
  ComposeProject project("upscale",
                         "services:\n" + httpd_service("web", "      - \"127.0.0.1::8080\"\n"));
  ASSERT_EQ(project.compose({"up", "-d", "--scale", "web=2"}).status, 0);
  bridge_.write_config(config(port_,
                              upstream("web", "compose://web:8080?project=upscale",
                                       "balance = \"round_robin\"\nhealth = { path = \"/\", "
                                       "interval = \"500ms\", timeout = \"500ms\" }\n"),
                              route("all", "PathPrefix(`/`)", "web")));
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  ASSERT_TRUE(wait_until([&] { return get(port_).status == 200; }, 10s)) << bridge_.output();
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(get(port_).body);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 2u);
  EXPECT_NE(seen[0], seen[1]);
  EXPECT_EQ(seen[0], seen[2]);
  EXPECT_EQ(seen[1], seen[3]);

  // Stop one container with docker directly (its port then refuses): traffic goes to the other.
  auto stopped = DockerEnvironment::engine()->docker({"stop", "-t", "0", "upscale_web_1"});
  ASSERT_EQ(stopped.status, 0) << stopped.err;
  ASSERT_TRUE(wait_until(
      [&] {
        return one_endpoint_dropped(bridge_.output(), "upstream web: compose upscale/web:8080 -> ");
      },
      10s))
      << "bridge did not log that one of the two containers went away\n"
      << bridge_.output();
  std::set<std::string> after;
  for (int i = 0; i < 6; ++i) {
    auto r = get(port_);
    EXPECT_EQ(r.status, 200) << r.body;
    after.insert(r.body);
  }
  EXPECT_EQ(after.size(), 1u);
}

TEST_F(UpDiscovery, K8sTunnelGapGets502WithAHintThenRecovers) {
  const char* kubectl = std::getenv("BRIDGE_FAKE_KUBECTL");
  ASSERT_NE(kubectl, nullptr);
  TestBackend backend;
  std::string error;
  ASSERT_TRUE(backend.start(&error)) << error;
  TempDir control;
  ::setenv("BRIDGE_KUBECTL", kubectl, 1);
  ::setenv("FAKE_KUBECTL_CONTROL", control.path().c_str(), 1);
  ::setenv("FAKE_KUBECTL_BACKEND_PORT", std::to_string(backend.port()).c_str(), 1);
  // New requests wait up to the connect timeout for the tunnel to come back, then get a 502.
  bridge_.write_config(config(port_, upstream("orders", "k8s://staging/orders:8080"),
                              route("all", "PathPrefix(`/`)", "orders")) +
                       "[limits]\nconnect_timeout = \"2s\"\n");
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  ASSERT_TRUE(wait_until([&] { return get(port_).status == 200; }, 10s)) << bridge_.output();

  // kubectl dies and cannot come back for a while: requests get 502 with a hint.
  write_file(control / "fail-start", "");
  write_file(control / "exit", "");
  Reply gap;
  ASSERT_TRUE(wait_until([&] { return (gap = get(port_)).status == 502; }, 10s))
      << bridge_.output();
  auto body = nlohmann::json::parse(gap.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << gap.body;
  EXPECT_TRUE(body.contains("request_id"));
  ASSERT_TRUE(body.contains("hint")) << gap.body;
  EXPECT_NE(body["hint"].get<std::string>().find("kubectl"), std::string::npos) << gap.body;

  // It comes back on a new port: served again without restarting bridge.
  std::remove((control / "fail-start").c_str());
  ASSERT_TRUE(wait_until([&] { return get(port_).status == 200; }, 15s)) << bridge_.output();
  EXPECT_EQ(bridge_.process().running(), true);
}

TEST_F(UpDiscovery, AnUnresolvableTargetWarnsWithoutStoppingOtherRoutes) {
  TestBackend backend;
  std::string error;
  ASSERT_TRUE(backend.start(&error)) << error;
  ::setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
  bridge_.write_config(config(
      port_,
      upstream("ghost", "compose://ghost:8080?project=nothere") + upstream("real", backend.url()),
      route("ghost", "PathPrefix(`/ghost`)", "ghost") + route("real", "PathPrefix(`/`)", "real")));
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  EXPECT_EQ(get(port_, "/ok").status, 200) << bridge_.output();
  auto ghost = get(port_, "/ghost");
  EXPECT_EQ(ghost.status, 502) << ghost.body;
  EXPECT_NE(bridge_.output().find("compose://ghost:8080"), std::string::npos) << bridge_.output();
}

// ---- TCP routes to compose:// and k8s:// targets ---------------------------------------------

std::string tcp_config(uint16_t http_port, uint16_t tcp_port, const std::string& upstream) {
  return config(http_port, "", "") +
         "[[listeners]]\nname = \"tcp-in\"\nbind = \"127.0.0.1:" + std::to_string(tcp_port) +
         "\"\nprotocol = \"tcp\"\n\n[[tcp_routes]]\nname = \"svc\"\nrule = \"HostSNI(`*`)\"\n"
         "upstream = \"" +
         upstream + "\"\n";
}

// Sends `text`, half-closes, and returns everything the other end wrote until it closed.
std::string exchange_bytes(uint16_t port, const std::string& text) {
  RawClient client(port);
  if (!client.send(text)) return "<send failed: " + client.last_error() + ">";
  client.shutdown_write();
  std::string out;
  while (client.read_some(out, 65536, 3s) > 0) {
  }
  return out;
}

TEST_F(UpDiscovery, ComposeTcpRouteRelaysToTheServiceAndFollowsARecreatedContainer) {
  REQUIRE_DOCKER();
  use_engine();
  // busybox nc on 7000: each connection gets the container's hostname, then its own bytes back.
  ComposeProject project("uptcp", std::string("services:\n  echo:\n    image: ") + busybox_image +
                                      "\n    command: [\"/bin/busybox\", \"nc\", \"-ll\", \"-p\", "
                                      "\"7000\", \"-e\", \"/bin/sh\", \"-c\", \"echo "
                                      "$$(hostname); exec cat\"]\n    stop_signal: SIGKILL\n"
                                      "    ports:\n      - \"127.0.0.1::7000\"\n");
  ASSERT_EQ(project.compose({"up", "-d"}).status, 0);
  const uint16_t tcp_port = free_port();
  bridge_.write_config(tcp_config(port_, tcp_port, "compose://echo:7000?project=uptcp"));
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  std::string first;
  ASSERT_TRUE(wait_until(
      [&] {
        first = exchange_bytes(tcp_port, "ping\n");
        return first.ends_with("\nping\n");
      },
      10s))
      << first << "\n"
      << bridge_.output();

  ASSERT_EQ(project.compose({"up", "-d", "--force-recreate"}).status, 0);
  std::string after;
  ASSERT_TRUE(wait_until(
      [&] {
        after = exchange_bytes(tcp_port, "pong\n");
        return after.ends_with("\npong\n") && after != first;
      },
      10s))
      << "first: " << first << "after: " << after << "\n"
      << bridge_.output();
  EXPECT_NE(after.substr(0, after.find('\n')), first.substr(0, first.find('\n')))
      << "the same container answered after --force-recreate";
}

TEST_F(UpDiscovery, K8sTcpRouteRelaysRedisAndSurvivesATunnelRestart) {
  const char* kubectl = std::getenv("BRIDGE_FAKE_KUBECTL");
  ASSERT_NE(kubectl, nullptr);
  const uint16_t redis_port = free_port();
  Process redis({"redis-server", "--port", std::to_string(redis_port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no"});
  ASSERT_TRUE(wait_for_port(redis_port, 5s)) << redis.stderr_text();
  TempDir control;
  ::setenv("BRIDGE_KUBECTL", kubectl, 1);
  ::setenv("FAKE_KUBECTL_CONTROL", control.path().c_str(), 1);
  ::setenv("FAKE_KUBECTL_BACKEND_PORT", std::to_string(redis_port).c_str(), 1);
  const uint16_t tcp_port = free_port();
  bridge_.write_config(tcp_config(port_, tcp_port, "k8s://staging/redis:6379"));
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"redis-cli", "-p", std::to_string(tcp_port)});
    return run(std::move(args), 5s).out;
  };
  ASSERT_TRUE(wait_until([&] { return cli({"PING"}) == "PONG\n"; }, 10s)) << bridge_.output();
  EXPECT_EQ(cli({"SET", "via", "tunnel"}), "OK\n");

  // kubectl loses the pod and exits; bridge starts another on a new port, and a new
  // connection reaches the same Redis through it.
  write_file(control / "exit", "");
  ASSERT_TRUE(wait_until(
      [&] {
        std::string starts = read_file(control / "starts");
        return std::count(starts.begin(), starts.end(), '\n') >= 2;
      },
      10s))
      << bridge_.output();
  std::string got;
  ASSERT_TRUE(wait_until(
      [&] {
        return (got = cli({"GET", "via"})) == "tunnel\n";
      },
      10s))
      << got << bridge_.output();
}

}  // namespace
}  // namespace bridge::test
