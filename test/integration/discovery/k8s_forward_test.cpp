// k8s:// targets. No Kubernetes cluster can run here (no API server, no kubelet), so
// test/support/fake-kubectl stands in for kubectl (selected with BRIDGE_KUBECTL, as a user
// would): it prints the same "Forwarding from 127.0.0.1:N -> M" lines, forwards with socat to a
// local backend, and can be told through control files to exit or to break the tunnel.
#include "backend.hpp"
#include "bridge_process.hpp"
#include "discovery_env.hpp"
#include "net.hpp"

#include <signal.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace bridge::test {
namespace {

using discovery::Registry;
using discovery::Resolution;
using discovery::State;

std::string fake_kubectl() {
  const char* p = std::getenv("BRIDGE_FAKE_KUBECTL");
  return p ? p : "";
}

bool alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// What the in-process discovery code logs (spdlog's default logger) while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() const {
    std::string out;
    for (const auto& line : sink_->last_formatted()) out += line;
    return out;
  }
  bool wait_for(const std::string& line_part, Millis timeout) const {
    return wait_until([&] { return text().find(line_part) != std::string::npos; }, timeout);
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256);
  std::shared_ptr<spdlog::logger> previous_;
};

std::string describe(const Resolution& r) {
  std::string out = "state=" + std::to_string(static_cast<int>(r.state)) + " via=" + r.via +
                    " pid=" + std::to_string(r.pid) + " restarts=" + std::to_string(r.restarts) +
                    " error=" + r.error + " last_stderr=" + r.last_stderr + " endpoints=";
  for (const auto& e : r.endpoints) out += e.host + ":" + std::to_string(e.port) + " ";
  return out;
}

class K8sForward : public ::testing::Test {
 protected:
  void SetUp() override {
    if (fake_kubectl().empty()) GTEST_SKIP() << "BRIDGE_FAKE_KUBECTL is not set";
    std::string error;
    ASSERT_TRUE(backend_.start(&error)) << error;
  }

  discovery::Options options() const {
    discovery::Options o;
    o.env = {{"BRIDGE_KUBECTL", fake_kubectl()},
             {"FAKE_KUBECTL_CONTROL", control_.path()},
             {"FAKE_KUBECTL_BACKEND_PORT", std::to_string(backend_.port())}};
    o.max_backoff = 10s;
    return o;
  }
  void touch(const std::string& name) const { write_file(control_ / name, ""); }
  std::string starts() const { return read_file(control_ / "starts"); }

  static bool wait_resolved(const discovery::Source& s, Millis timeout, uint16_t not_port = 0) {
    return wait_until(
        [&] {
          auto c = s.current();
          return c->state == State::Resolved && !c->endpoints.empty() &&
                 c->endpoints[0].port != not_port;
        },
        timeout);
  }

  TestBackend backend_;
  TempDir control_;
};

TEST_F(K8sForward, StartsKubectlAndRoutesThroughItsPort) {
  Registry registry(options());
  auto source = registry.get("k8s://staging/orders:8080?context=kind-dev");
  ASSERT_TRUE(source);
  auto& s = **source;
  ASSERT_TRUE(wait_resolved(s, 10s)) << describe(*s.current());
  auto r = s.current();
  EXPECT_EQ(r->via, "kubectl port-forward");
  EXPECT_EQ(r->description, "k8s staging/orders:8080 (context kind-dev)");
  ASSERT_EQ(r->endpoints.size(), 1u);
  EXPECT_EQ(r->endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(starts(), std::to_string(r->pid) + " " + std::to_string(r->endpoints[0].port) + "\n");
  EXPECT_EQ(r->restarts, 0);
  // The command line is kubectl's: port-forward svc/NAME :PORT -n NS --context C.
  std::ifstream cmdline("/proc/" + std::to_string(r->pid) + "/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  for (auto& c : args) c = c == '\0' ? ' ' : c;
  EXPECT_NE(args.find("port-forward svc/orders :8080 -n staging --context kind-dev"),
            std::string::npos)
      << args;
  auto through = curl({"-o", "/dev/null", "-w", "%{http_code}",
                       "http://127.0.0.1:" + std::to_string(r->endpoints[0].port) + "/"});
  EXPECT_EQ(through.out, "200") << through.err;
}

TEST_F(K8sForward, RestartsWhenKubectlExitsAndSwitchesPort) {
  Registry registry(options());
  auto source = registry.get("k8s://staging/orders:8080");
  auto& s = **source;
  ASSERT_TRUE(wait_resolved(s, 10s)) << describe(*s.current());
  auto first = *s.current();
  touch("exit");  // kubectl >= 1.23 exits with "error: lost connection to pod"
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return s.current()->state != State::Resolved; }, 5s));
  auto gap = *s.current();
  EXPECT_TRUE(gap.endpoints.empty());
  // Either the exit or the "lost connection" line on stderr, whichever bridge sees first.
  EXPECT_TRUE(gap.error.find("kubectl port-forward exited (exit status 1)") != std::string::npos ||
              gap.error.find("tunnel broken") != std::string::npos)
      << describe(gap);
  EXPECT_NE(gap.error.find("restarting in"), std::string::npos);
  ASSERT_TRUE(wait_resolved(s, 10s, first.endpoints[0].port)) << describe(*s.current());
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::printf("[ measure  ] kubectl exit -> new tunnel published in %lld ms\n",
              static_cast<long long>(ms));
  auto after = s.current();
  EXPECT_EQ(after->restarts, 1);
  EXPECT_NE(after->pid, first.pid);
  EXPECT_FALSE(alive(first.pid));
  EXPECT_NE(after->last_stderr.find("lost connection to pod"), std::string::npos)
      << describe(*after);
  EXPECT_FALSE(http_get("127.0.0.1", after->endpoints[0].port).empty());
}

TEST_F(K8sForward, BackoffGrowsWhileKubectlKeepsFailingAndIsCapped) {
  auto o = options();
  o.max_backoff = 1000ms;
  Registry registry(o);
  auto source = registry.get("k8s://staging/orders:8080");
  auto& s = **source;
  ASSERT_TRUE(wait_resolved(s, 10s));
  touch("fail-start");
  touch("exit");
  // Attempts come at +250ms, +500ms, +1s, +1s (capped), ...: count restarts over time.
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> seen;
  auto deadline = std::chrono::steady_clock::now() + 4500ms;
  int last = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    int restarts = s.current()->restarts;
    if (restarts != last) {
      seen.emplace_back(restarts, std::chrono::steady_clock::now());
      last = restarts;
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(s.current()->last_stderr.find("unable to forward port because pod is not running"),
            std::string::npos)
      << describe(*s.current());
  ASSERT_GE(seen.size(), 5u) << describe(*s.current());
  std::vector<long long> gaps;
  for (size_t i = 2; i < seen.size(); ++i) {
    gaps.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(seen[i].second - seen[i - 1].second)
            .count());
  }
  std::string text;
  for (auto g : gaps) text += std::to_string(g) + "ms ";
  std::printf("[ measure  ] restart intervals while kubectl fails: %s\n", text.c_str());
  ASSERT_GE(gaps.size(), 3u) << text;
  EXPECT_GT(gaps[1], gaps[0]) << text;             // grows
  for (auto g : gaps) EXPECT_LT(g, 1600) << text;  // capped at max_backoff (1 s) plus a start
  std::remove((control_ / "fail-start").c_str());
  ASSERT_TRUE(wait_resolved(s, 5s)) << describe(*s.current());
}

TEST_F(K8sForward, ReportedFailureRestartsASilentlyBrokenTunnelAtOnce) {
  LogCapture log;  // declared first: outlives the registry's io thread
  Registry registry(options());
  auto source = registry.get("k8s://staging/orders:8080");
  auto& s = **source;
  ASSERT_TRUE(wait_resolved(s, 10s));
  auto first = *s.current();
  touch("break");  // kubectl keeps running, connections through it die
  ASSERT_TRUE(
      wait_until([&] { return http_get("127.0.0.1", first.endpoints[0].port).empty(); }, 3s));
  EXPECT_EQ(s.current()->endpoints, first.endpoints) << "nothing tells bridge but the proxy";
  s.report_failure(discovery::Endpoint{"127.0.0.1", 1, "stale"});  // not the current tunnel
  EXPECT_EQ(s.current()->restarts, 0);
  auto t0 = std::chrono::steady_clock::now();
  s.report_failure(first.endpoints[0]);
  // Reports are handled in order on the source's io thread, and the restart logs the reason
  // of the report that caused it: had the stale one restarted the tunnel, the line would name
  // port 1 (and this report would then be ignored).
  ASSERT_TRUE(log.wait_for("; restarting in", 5s)) << log.text() << describe(*s.current());
  EXPECT_NE(log.text().find("a connection through the tunnel (127.0.0.1:" +
                            std::to_string(first.endpoints[0].port) + ") failed"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(log.text().find("(127.0.0.1:1)"), std::string::npos) << log.text();
  ASSERT_TRUE(wait_resolved(s, 5s, first.endpoints[0].port)) << describe(*s.current());
  std::printf("[ measure  ] report_failure -> new tunnel published in %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - t0)
                                         .count()));
  EXPECT_EQ(s.current()->restarts, 1);
  EXPECT_FALSE(http_get("127.0.0.1", s.current()->endpoints[0].port).empty());
}

TEST_F(K8sForward, TunnelErrorOnKubectlStderrRestartsIt) {
  Registry registry(options());
  auto source = registry.get("k8s://staging/orders:8080");
  auto& s = **source;
  ASSERT_TRUE(wait_resolved(s, 10s));
  auto first = *s.current();
  touch("break-log");
  ASSERT_TRUE(wait_resolved(s, 5s, first.endpoints[0].port)) << describe(*s.current());
  EXPECT_EQ(s.current()->restarts, 1);
  EXPECT_NE(s.current()->last_stderr.find("an error occurred forwarding"), std::string::npos);
}

TEST_F(K8sForward, RegistryKillsKubectlAndItsChildrenWhenDestroyedOrPruned) {
  pid_t pid = 0;
  uint16_t port = 0;
  {
    Registry registry(options());
    auto source = registry.get("k8s://staging/orders:8080");
    ASSERT_TRUE(wait_resolved(**source, 10s));
    pid = (*source)->current()->pid;
    port = (*source)->current()->endpoints[0].port;
    EXPECT_TRUE(alive(pid));
    auto same = registry.get("k8s://staging/orders:8080");
    EXPECT_EQ(same->get(), source->get()) << "same source for the same url";
  }
  EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(wait_until([&] { return !port_open(port); }, 2s)) << "socat child left behind";

  Registry registry(options());
  auto source = registry.get("k8s://staging/orders:8080");
  ASSERT_TRUE(wait_resolved(**source, 10s));
  pid = (*source)->current()->pid;
  registry.prune();
  EXPECT_EQ(registry.size(), 1u) << "still held";
  source->reset();  // drop our handle, as a reload that no longer names it does
  registry.prune();
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_TRUE(wait_until([&] { return !alive(pid); }, 5s));
}

TEST_F(K8sForward, MissingKubectlIsAClearError) {
  auto o = options();
  o.env["BRIDGE_KUBECTL"] = control_ / "no-such-kubectl";
  Registry registry(o);
  auto source = registry.get("k8s://staging/orders:8080");
  ASSERT_TRUE(wait_until([&] { return (*source)->current()->state == State::Failed; }, 5s));
  EXPECT_NE((*source)->current()->error.find("cannot run kubectl"), std::string::npos);
  EXPECT_NE((*source)->current()->error.find("BRIDGE_KUBECTL"), std::string::npos);
}

TEST_F(K8sForward, DirectModeUsesTheClusterIpFromKubectlGetSvc) {
  auto o = options();
  // Recorded-format `kubectl get svc -o json` output (see test/unit/discovery/data/README.md).
  o.env["FAKE_KUBECTL_SVC_JSON"] =
      source_dir() + "/test/unit/discovery/data/kubectl_get_svc_orders.json";
  auto r = discovery::resolve_once("k8s://staging/orders:grpc?mode=direct", o);
  ASSERT_EQ(r.state, State::Resolved) << describe(r);
  EXPECT_EQ(r.via, "kubectl get svc");
  EXPECT_EQ(r.endpoints.at(0).host, "10.96.12.4");
  EXPECT_EQ(r.endpoints.at(0).port, 9090);

  o.env["FAKE_KUBECTL_SVC_JSON"] = "";
  auto missing = discovery::resolve_once("k8s://staging/nope:80?mode=direct", o);
  EXPECT_EQ(missing.state, State::Failed);
  EXPECT_NE(missing.error.find("services \"nope\" not found"), std::string::npos) << missing.error;

  o.env["FAKE_KUBECTL_SVC_JSON"] =
      source_dir() + "/test/unit/discovery/data/kubectl_get_svc_orders.json";
  Registry direct(o);
  auto source = direct.get("k8s://staging/orders:8080?mode=direct");
  ASSERT_TRUE(wait_resolved(**source, 10s)) << describe(*(*source)->current());
  EXPECT_EQ((*source)->current()->endpoints.at(0).port, 8080);
}

}  // namespace
}  // namespace bridge::test
