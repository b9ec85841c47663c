// `bridge up` as a pod sidecar sees it: reload through a Kubernetes ConfigMap update (the
// kubelet's `..data` symlink swap, reproduced on a temp dir), the content-polling fallback,
// /readyz during the drain delay and before upstreams resolve, environment overrides, and
// JSON logs on stdout when stdout is not a terminal.
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

namespace bridge::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(const std::string& url) {
  auto r = curl({"-m", "5", "-w", "\n%{http_code}", url}, 8s);
  Reply out;
  auto nl = r.out.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.out.c_str() + nl + 1);
  out.body = r.out.substr(0, nl);
  return out;
}

template <typename F>
bool wait_until(F done, Millis timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

std::string routes_toml(const std::vector<std::string>& prefixes) {
  std::string out;
  for (const auto& p : prefixes) {
    out += "[[routes]]\nname = \"" + p + "\"\nrule = \"PathPrefix(`/" + p +
           "`)\"\nupstream = \"builtin://echo\"\n\n";
  }
  return out;
}

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override { port_ = free_port(); }

  std::string base_toml(const std::string& extra = "") const {
    return "version = 1\n[bridge]\nadmin = \"127.0.0.1:0\"\naccess_log = \"off\"\nworkers = 2\n" +
           extra + "\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:" + std::to_string(port_) +
           "\"\n";
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string admin(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(admin_port_) + path;
  }
  json status() const {
    auto r = get(admin("/v1/status"));
    return json::parse(r.body, nullptr, false);
  }
  ::testing::AssertionResult start(std::vector<std::string> extra = {}) {
    if (!bridge_.start(port_, std::move(extra), 10s))
      return ::testing::AssertionFailure() << bridge_.output();
    admin_port_ = bridge_.admin_port();
    if (admin_port_ == 0) return ::testing::AssertionFailure() << bridge_.output();
    return ::testing::AssertionSuccess();
  }

  uint16_t port_ = 0;
  uint16_t admin_port_ = 0;
  BridgeUp bridge_;
};

// The kubelet's atomic writer: files live in a timestamped dir, `..data` points at it, and the
// visible names are symlinks through `..data`. An update writes a new dir, points `..data_tmp`
// at it and renames that over `..data`: one rename, no file in the watched dir is written.
class ConfigMapDir {
 public:
  explicit ConfigMapDir(std::string dir) : dir_(std::move(dir)) {}

  void publish(const std::map<std::string, std::string>& files) {
    std::string version = "..2026_11_23_00_00_0" + std::to_string(++generation_) + ".123456789";
    fs::create_directories(dir_ + "/" + version);
    for (const auto& [name, text] : files) write_file(dir_ + "/" + version + "/" + name, text);
    fs::create_directory_symlink(version, dir_ + "/..data_tmp");
    fs::rename(dir_ + "/..data_tmp", dir_ + "/..data");
    for (const auto& [name, text] : files) {
      if (!fs::is_symlink(dir_ + "/" + name))
        fs::create_symlink("..data/" + name, dir_ + "/" + name);
    }
    if (!previous_.empty()) fs::remove_all(dir_ + "/" + previous_);
    previous_ = version;
  }

 private:
  std::string dir_;
  std::string previous_;
  int generation_ = 0;
};

TEST_F(Lifecycle, ConfigMapSymlinkSwapReloadsWithinTwoSecondsAndChangesTheHash) {
  ConfigMapDir configmap(bridge_.config_dir());
  fs::remove_all(bridge_.config_dir());
  fs::create_directories(bridge_.config_dir());
  configmap.publish({{"base.toml", base_toml()}, {"dev.toml", routes_toml({"old"})}});
  ASSERT_TRUE(start());
  ASSERT_EQ(get(url("/old")).status, 200);
  ASSERT_EQ(get(url("/new")).status, 404);
  json before = status();
  ASSERT_TRUE(before.contains("config_hash")) << before.dump();

  configmap.publish({{"base.toml", base_toml()}, {"dev.toml", routes_toml({"old", "new"})}});
  auto t0 = Clock::now();
  ASSERT_TRUE(wait_until([&] { return get(url("/new")).status == 200; }, 2s)) << bridge_.output();
  std::printf(
      "[ measure  ] ConfigMap swap -> new route served in %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  json after = status();
  EXPECT_NE(after["config_hash"], before["config_hash"]);
  // Logged with the hash's first 12 characters on every reload.
  EXPECT_NE(
      bridge_.output().find("config " + after["config_hash"].get<std::string>().substr(0, 12)),
      std::string::npos)
      << bridge_.output();
}

TEST_F(Lifecycle, PollingSeesAChangeBehindASymlinkThatInotifyMisses) {
  // dev.toml is a symlink to a file in another directory: writing that file produces no event
  // in the watched config dir, only the content poll (every 2 s) notices.
  TempDir elsewhere;
  write_file(bridge_.config_dir() + "/base.toml", base_toml());
  write_file(elsewhere / "dev.toml", routes_toml({"old"}));
  fs::create_symlink(elsewhere / "dev.toml", bridge_.config_dir() + "/dev.toml");
  ASSERT_TRUE(start());
  ASSERT_EQ(get(url("/new")).status, 404);
  write_file(elsewhere / "dev.toml", routes_toml({"old", "new"}));
  EXPECT_TRUE(wait_until([&] { return get(url("/new")).status == 200; }, 5s)) << bridge_.output();
}

TEST_F(Lifecycle, DrainDelayReportsNotReadyWhileStillServingThenExitsZero) {
  bridge_.write_config(base_toml() + routes_toml({"api"}));
  ASSERT_TRUE(start({"--drain-delay", "1500ms"}));
  ASSERT_EQ(get(admin("/readyz")).status, 200);
  bridge_.process().signal(SIGTERM);
  Reply ready;
  ASSERT_TRUE(wait_until([&] { return (ready = get(admin("/readyz"))).status == 503; }, 1s));
  EXPECT_NE(ready.body.find("draining"), std::string::npos) << ready.body;
  // Still serving during the delay: the load balancer has not caught up yet.
  EXPECT_EQ(get(url("/api")).status, 200);
  EXPECT_TRUE(bridge_.process().running());
  auto status = bridge_.process().wait_exit(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << bridge_.output();
}

TEST_F(Lifecycle, ReadyzIs503WhileAnUpstreamHasNeverResolved) {
  ::setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
  TempDir project;  // no compose file here either
  bridge_.write_config(base_toml() +
                       "[[upstreams]]\nname = \"ghost\"\ntargets = "
                       "[\"compose://ghost:8080?project=nothere\"]\n\n" +
                       routes_toml({"echo"}) +
                       "[[routes]]\nname = \"ghost\"\nrule = \"PathPrefix(`/ghost`)\"\n"
                       "upstream = \"ghost\"\n");
  ASSERT_TRUE(start());
  Reply ready = get(admin("/readyz"));
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("compose://ghost:8080?project=nothere"), std::string::npos)
      << ready.body;
  EXPECT_EQ(get(admin("/healthz")).status, 200);  // alive all the same
  EXPECT_EQ(get(url("/echo")).status, 200);
  ::unsetenv("DOCKER_HOST");
}

TEST_F(Lifecycle, ReadyzIs200WhenEverythingResolved) {
  bridge_.write_config(base_toml() + routes_toml({"api"}));
  ASSERT_TRUE(start());
  Reply ready = get(admin("/readyz"));
  EXPECT_EQ(ready.status, 200) << ready.body;
}

TEST_F(Lifecycle, EnvironmentOverridesAnyKeyWithItsOrigin) {
  bridge_.write_config(base_toml() +
                       "[[routes]]\nname = \"orders-api\"\nrule = \"PathPrefix(`/orders`)\"\n"
                       "upstream = \"http://127.0.0.1:1\"\n");
  ::setenv("BRIDGE__ROUTES__orders_api__UPSTREAM", "builtin://echo", 1);
  ::setenv("BRIDGE__LIMITS__CONNECT_TIMEOUT", "2s", 1);
  auto shown = run(
      {bridge_bin(), "config", "show", "--origin", "--json", "--config-dir", bridge_.config_dir()},
      10s, {{"NO_COLOR", "1"}});
  ASSERT_TRUE(start());
  auto served = get(url("/orders"));
  ::unsetenv("BRIDGE__ROUTES__orders_api__UPSTREAM");
  ::unsetenv("BRIDGE__LIMITS__CONNECT_TIMEOUT");

  EXPECT_EQ(served.status, 200) << served.body;  // builtin://echo, not the dead port
  ASSERT_EQ(shown.status, 0) << shown.err;
  EXPECT_NE(shown.out.find("env:BRIDGE__ROUTES__orders_api__UPSTREAM"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("env:BRIDGE__LIMITS__CONNECT_TIMEOUT"), std::string::npos) << shown.out;
}

TEST_F(Lifecycle, MalformedEnvironmentOverrideIsAConfigError) {
  bridge_.write_config(base_toml() + routes_toml({"api"}));
  auto r = run({bridge_bin(), "config", "check", "--config-dir", bridge_.config_dir()}, 10s,
               {{"NO_COLOR", "1"}, {"BRIDGE__LIMITS____X", "1"}});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("env:BRIDGE__LIMITS____X: not a config path"), std::string::npos) << r.err;
}

TEST_F(Lifecycle, LogsAreJsonLinesOnStdoutWhenNotATerminal) {
  bridge_.write_config(base_toml() + routes_toml({"api"}));
  ASSERT_TRUE(start());
  bridge_.process().signal(
      SIGHUP);  // something to log: an unchanged reload is quiet, SIGTERM is not
  bridge_.process().signal(SIGTERM);
  ASSERT_TRUE(bridge_.process().wait_exit(10s).has_value());
  std::istringstream lines(bridge_.stdout_text());
  int parsed = 0;
  for (std::string line; std::getline(lines, line);) {
    auto entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "not a JSON line: " << line;
    EXPECT_TRUE(entry.contains("time") && entry.contains("level") && entry.contains("msg")) << line;
    // UTC with a Z: right in a scratch image without zoneinfo.
    EXPECT_EQ(entry["time"].get<std::string>().back(), 'Z') << line;
    ++parsed;
  }
  EXPECT_GE(parsed, 1) << bridge_.output();
  EXPECT_NE(bridge_.stdout_text().find("draining"), std::string::npos) << bridge_.output();
}

// Sidecars and tests start and stop bridge often: with nothing in flight, SIGTERM exits at once
// (an idle keep-alive connection, a health-check timer, an OTLP exporter and a discovery
// source pending included), not after a poll or retry interval runs out.
TEST_F(Lifecycle, SigtermWithNothingInFlightExitsAtOnce) {
  uint16_t closed = free_port();
  bridge_.write_config(
      base_toml() + "[trace]\notlp_endpoint = \"http://127.0.0.1:" + std::to_string(closed) +
      "\"\n\n[[upstreams]]\nname = \"api\"\ntargets = [\"http://127.0.0.1:" +
      std::to_string(closed) +
      "\", \"compose://nothing-here:80\"]\n"
      "health = { path = \"/healthz\", interval = \"2s\" }\n\n" +
      routes_toml({"echo"}) +
      "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\nupstream = \"api\"\n");
  ASSERT_TRUE(start());
  EXPECT_EQ(get(url("/echo/x")).status, 200);
  RawClient idle(port_);
  ASSERT_TRUE(idle.send("GET /echo/keep HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(idle.read_response(5s).has_value());
  std::this_thread::sleep_for(300ms);  // timers armed: health check, config poll, discovery
  auto signalled = Clock::now();
  bridge_.process().signal(SIGTERM);
  auto status = bridge_.process().wait_exit(10s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled);
  ASSERT_TRUE(status.has_value()) << bridge_.output();
  EXPECT_EQ(*status, 0) << bridge_.output();
  EXPECT_LT(took, 500ms) << "stopping took " << took.count() << " ms\n" << bridge_.output();
  EXPECT_TRUE(idle.wait_closed(1s));
}

TEST_F(Lifecycle, TextLogsGoToStderrWhenAsked) {
  bridge_.write_config(base_toml() + routes_toml({"api"}));
  ASSERT_TRUE(start({"--log-format", "text"}));
  bridge_.process().signal(SIGTERM);
  ASSERT_TRUE(bridge_.process().wait_exit(10s).has_value());
  EXPECT_NE(bridge_.stderr_text().find("SIGTERM: draining"), std::string::npos) << bridge_.output();
  EXPECT_EQ(bridge_.stdout_text(), "");
}

}  // namespace
}  // namespace bridge::test
