// `bridge trace` (live tail) and `bridge route test --live` against a running bridge, and the
// CLI's answers when there is no bridge or the flags are wrong.
#include "trace_fixture.hpp"

#include <regex>
#include <signal.h>

namespace bridge::test {
namespace {

class TraceCli : public TraceFixture {
 protected:
  // `bridge trace ARGS...` running in the background.
  std::unique_ptr<Process> tail(std::vector<std::string> args) {
    args.insert(args.begin(), {bridge_bin(), "trace"});
    args.insert(args.end(), {"--admin", admin(), "--config-dir", bridge_.config_dir()});
    return std::make_unique<Process>(args, cli_env(), bridge_.scratch(""));
  }

  // Sends GET `path` until the tail prints `expect` (the stream may still be opening).
  bool send_until_seen(Process& p, const std::string& path, const std::string& expect) {
    for (auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
      get(path);
      if (p.wait_for_stdout(expect, 300ms)) return true;
      if (!p.running()) return false;
    }
    return false;
  }
};

// ---- no bridge, bad flags ---------------------------------------------------------------

TEST_F(TraceCli, NothingListeningSaysSoAndExits1) {
  uint16_t port = free_port();
  std::string where = "http://127.0.0.1:" + std::to_string(port);
  std::string expected = "cannot reach the bridge admin API at " + where +
                         ": connection refused — is `bridge up` running? (bridge.admin in the "
                         "profile sets the address)";
  for (std::vector<std::string> args : {std::vector<std::string>{"trace"},
                                        {"trace", "show", "abc"},
                                        {"trace", "break", "Path(`/x`)", "--action", "continue"}}) {
    args.insert(args.end(), {"--admin", where});
    auto r = run_bridge(args);
    EXPECT_EQ(r.status, 1) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
  }
}

TEST_F(TraceCli, DefaultAddressComesFromTheProfile) {
  uint16_t port = free_port();
  auto r = run_bridge(
      {"trace", "show", "abc", "--set", "bridge.admin=\"127.0.0.1:" + std::to_string(port) + "\""});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("http://127.0.0.1:" + std::to_string(port)), std::string::npos) << r.err;
}

TEST_F(TraceCli, BadRuleGetsTheRuleCaretAndExit2) {
  auto r =
      run_bridge({"trace", "--rule", "Host(`a`) && Bogus(`x`)", "--admin", "http://127.0.0.1:1"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("rule:1:14"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^^^^^"), std::string::npos) << r.err;
  auto b = run_bridge({"trace", "break", "PathPrefix(`/a`", "--admin", "http://127.0.0.1:1"});
  EXPECT_EQ(b.status, 2) << b.err;
  EXPECT_NE(b.err.find("rule:1:"), std::string::npos) << b.err;
}

TEST_F(TraceCli, BadFlagsExit2) {
  std::vector<std::vector<std::string>> cases = {
      {"trace", "--status", "6xx"},
      {"trace", "--since", "yesterday"},
      {"trace", "break", "Path(`/`)", "--action", "explode"},
      {"trace", "break", "Path(`/`)", "--action", "abort:42"},
      {"trace", "break", "Path(`/`)", "--hold", "forever"},
      {"trace", "break", "Path(`/`)", "--phase", "middle"},
      {"trace", "--admin", "https://127.0.0.1:9901"},
      {"trace", "--admin", "127.0.0.1"},
  };
  for (auto args : cases) {
    auto r = run_bridge(args);
    EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  }
}

TEST_F(TraceCli, AdminOffOrPortZeroInTheProfileIsAConfigError) {
  std::string listener = "[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n";
  bridge_.write_config("version = 1\n[bridge]\nadmin = \"off\"\n" + listener);
  auto off = cli({"trace"});
  EXPECT_EQ(off.status, 2) << off.err;
  EXPECT_NE(off.err.find("admin API is off"), std::string::npos) << off.err;
  bridge_.write_config("version = 1\n[bridge]\nadmin = \"127.0.0.1:0\"\n" + listener);
  auto zero = cli({"trace", "show", "x"});
  EXPECT_EQ(zero.status, 2) << zero.err;
  EXPECT_NE(zero.err.find("--admin"), std::string::npos) << zero.err;
}

// ---- against a running bridge -------------------------------------------------------------

TEST_F(TraceCli, JsonTailReceivesLiveRecords) {
  ASSERT_TRUE(start());
  auto p = tail({"--json"});
  ASSERT_TRUE(send_until_seen(*p, "/api/live-json", "/api/live-json"))
      << p->stdout_text() << p->stderr_text();
  std::istringstream lines(p->stdout_text());
  bool found = false;
  for (std::string line; std::getline(lines, line);) {
    json j = parse_json(line);
    EXPECT_FALSE(j.contains("heartbeat")) << line;
    if (j.value("path", "") == "/api/live-json") {
      found = true;
      EXPECT_EQ(j.value("route", ""), "api");
      EXPECT_EQ(j.value("status", 0), 200);
      EXPECT_EQ(j.value("id", "").size(), 32u);
    }
  }
  EXPECT_TRUE(found) << p->stdout_text();
  p->signal(SIGINT);
  EXPECT_EQ(p->wait_exit(5s).value_or(-1), 0);
}

TEST_F(TraceCli, UnknownRouteIsAnErrorNotAnEndlessWait) {
  ASSERT_TRUE(start());
  auto p = tail({"--route", "apii"});
  EXPECT_EQ(p->wait_exit(5s).value_or(-1), 2) << p->stderr_text();
  EXPECT_NE(p->stderr_text().find("unknown route \"apii\"; did you mean \"api\"?"),
            std::string::npos)
      << p->stderr_text();
}

TEST_F(TraceCli, StatusClassIsAcceptedInAnyCase) {
  ASSERT_TRUE(start());
  auto p = tail({"--status", "2XX", "--json"});
  ASSERT_TRUE(send_until_seen(*p, "/api/upper-class", "/api/upper-class"))
      << p->stdout_text() << p->stderr_text();
  p->signal(SIGINT);
  EXPECT_EQ(p->wait_exit(5s).value_or(-1), 0);
}

TEST_F(TraceCli, TailFiltersAndPrintsAlignedLines) {
  ASSERT_TRUE(start());
  auto p = tail({"--route", "api", "--rule", "Method(`GET`)"});
  ASSERT_TRUE(send_until_seen(*p, "/api/tail-text", "/api/tail-text")) << p->stderr_text();
  get("/not-api");  // route "other": filtered out by the server
  ASSERT_TRUE(send_until_seen(*p, "/api/tail-after", "/api/tail-after"));
  std::string out = p->stdout_text();
  EXPECT_EQ(out.find("/not-api"), std::string::npos) << out;
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  // HH:MM:SS.mmm  200  GET     127.0.0.1:PORT/api/...  api  http://...  1.23ms  id
  std::regex shape(R"(^\d\d:\d\d:\d\d\.\d{3}  200  GET     127\.0\.0\.1:\d+/api/\S+\s+api\s+)"
                   R"(http://127\.0\.0\.1:\d+\s+[\d.]+m?s  [0-9a-f]{32}$)");
  EXPECT_TRUE(std::regex_match(line, shape)) << "line: \"" << line << "\"";
  p->signal(SIGTERM);
  EXPECT_EQ(p->wait_exit(5s).value_or(-1), 0);
}

TEST_F(TraceCli, SinceListsStoredRequestsFirst) {
  ASSERT_TRUE(start());
  std::string first = request_id("/api/stored-1");
  std::string second = request_id("/other/stored-2");
  record(second);
  auto p = tail({"--since", "5m"});
  ASSERT_TRUE(p->wait_for_stdout(second, 5s)) << p->stdout_text() << p->stderr_text();
  std::string out = p->stdout_text();
  EXPECT_LT(out.find(first), out.find(second)) << "oldest first:\n" << out;
  p->signal(SIGINT);
  p->wait_exit(5s);
}

TEST_F(TraceCli, TailReconnectsWhenBridgeRestarts) {
  uint16_t admin_port = free_port();
  ASSERT_TRUE(start("", "127.0.0.1:" + std::to_string(admin_port)));
  auto p = tail({"--json"});
  ASSERT_TRUE(send_until_seen(*p, "/api/before", "/api/before")) << p->stderr_text();
  bridge_.process().signal(SIGTERM);
  ASSERT_TRUE(bridge_.process().wait_exit(10s).has_value());
  ASSERT_TRUE(p->wait_for_stderr("bridge not reachable at " + admin() + ", retrying", 10s))
      << p->stderr_text();
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  ASSERT_TRUE(send_until_seen(*p, "/api/after-restart", "/api/after-restart"))
      << p->stdout_text() << p->stderr_text();
  EXPECT_TRUE(p->running());
  p->signal(SIGINT);
  EXPECT_EQ(p->wait_exit(5s).value_or(-1), 0);
}

TEST_F(TraceCli, RouteTestLivePrintsTheRecord) {
  ASSERT_TRUE(start());
  std::vector<std::string> profile_admin{"--set", "bridge.admin=\"" + admin().substr(7) + "\""};
  auto args = std::vector<std::string>{"route",
                                       "test",
                                       "--live",
                                       "POST",
                                       url("/api/live?x=1"),
                                       "-H",
                                       "X-Live: yes",
                                       "-H",
                                       "Authorization: Bearer zzz-secret"};
  args.insert(args.end(), profile_admin.begin(), profile_admin.end());
  auto r = cli(args);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  for (const char* text : {"sent POST", "200", "X-Request-ID", "timeline", "winner: api",
                           "X-Live: yes", "<redacted>"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << "no \"" << text << "\" in:\n" << r.out;
  }
  EXPECT_EQ(r.out.find("zzz-secret"), std::string::npos) << r.out;

  args.push_back("--json");
  auto j = cli(args);
  ASSERT_EQ(j.status, 0) << j.err;
  json rec = parse_json(j.out);
  EXPECT_EQ(rec.value("method", ""), "POST");
  EXPECT_EQ(rec.value("route", ""), "api");
  EXPECT_EQ(rec.value("query", ""), "x=1");

  auto none =
      cli({"route", "test", "--live", "http://127.0.0.1:" + std::to_string(free_port()) + "/",
           profile_admin[0], profile_admin[1]});
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.err.find("nothing answers"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace bridge::test
