// The admin API against a web page in the developer's browser and against clients that do not
// play along: Host and Origin checks, JSON-only changes, unguessable ids, validated
// breakpoint edits, timeouts and a connection cap, slow stream readers, built-in redaction,
// terminal escaping in the CLI and the unix socket path.
#include "trace_fixture.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <set>

namespace bridge::test {
namespace {

struct Answer {
  int status = 0;
  std::string head;  // status line and header fields
  json body;
};

class AdminSecurity : public TraceFixture {
 protected:
  // curl -i against the admin API; EXTRA before the URL.
  Answer admin_call(const std::string& method, const std::string& path,
                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"-i", "-X", method};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(admin() + path);
    auto r = curl(args);
    Answer out;
    auto end = r.out.find("\r\n\r\n");
    out.head = r.out.substr(0, end);
    auto sp = r.out.find(' ');
    out.status = sp == std::string::npos ? 0 : std::atoi(r.out.c_str() + sp + 1);
    if (end != std::string::npos) {
      out.body = json::parse(r.out.substr(end + 4), nullptr, false);
    }
    return out;
  }

  Answer post_json(const std::string& path, const std::string& body) const {
    return admin_call("POST", path,
                      {"-H", "Content-Type: application/json", "--data-binary", body});
  }

  std::unique_ptr<Process> client(const std::string& path, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"/usr/bin/curl", "-sS", "-i", "--http1.1", "--max-time", "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url(path));
    return std::make_unique<Process>(args);
  }

  json wait_paused() {
    for (auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
      json paused = admin_json("/v1/paused");
      if (!paused["paused"].empty()) return paused["paused"][0];
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "nothing was held";
    return json::object();
  }

  // Polls /metrics until `name` reaches `at_least`; its last value.
  double metric(const std::string& name) const {
    auto r = curl({"-s", admin() + "/metrics"});
    std::regex line("\n" + name + " ([0-9.e+]+)");
    std::smatch m;
    return std::regex_search(r.out, m, line) ? std::stod(m[1]) : -1;
  }
};

// ---- Host, Origin, Content-Type ---------------------------------------------------------------

TEST_F(AdminSecurity, ForeignHostIsRefusedExceptForTheProbes) {
  ASSERT_TRUE(start());
  std::string port = std::to_string(admin_port_);
  // DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its own name.
  Answer rebound = admin_call("GET", "/v1/requests", {"-H", "Host: evil.example:" + port});
  EXPECT_EQ(rebound.status, 403) << rebound.head;
  EXPECT_EQ(rebound.body.value("error", ""), "forbidden_host") << rebound.body.dump();
  EXPECT_NE(rebound.body.value("message", "").find("\"evil.example:" + port + "\""),
            std::string::npos)
      << rebound.body.dump();
  EXPECT_EQ(admin_call("POST", "/v1/reload",
                       {"-H", "Host: evil.example:" + port, "-H", "Content-Type: application/json"})
                .status,
            403);
  for (const std::string& host : {"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}) {
    EXPECT_EQ(admin_call("GET", "/v1/status", {"-H", "Host: " + host}).status, 200) << host;
  }
  // kubelet probes with the pod IP as Host.
  EXPECT_EQ(admin_call("GET", "/healthz", {"-H", "Host: 10.1.2.3:" + port}).status, 200);
  EXPECT_EQ(admin_call("GET", "/readyz", {"-H", "Host: 10.1.2.3:" + port}).status, 200);
}

TEST_F(AdminSecurity, ForeignOriginIsRefusedAndPreflightsGetNoGrant) {
  ASSERT_TRUE(start());
  Answer page = admin_call("GET", "/v1/requests", {"-H", "Origin: http://evil.example"});
  EXPECT_EQ(page.status, 403) << page.head;
  EXPECT_EQ(page.body.value("error", ""), "forbidden_origin") << page.body.dump();
  EXPECT_EQ(admin_call("GET", "/v1/requests", {"-H", "Origin: null"}).status, 403);
  EXPECT_EQ(admin_call("GET", "/v1/status", {"-H", "Origin: " + admin()}).status, 200);

  Answer preflight =
      admin_call("OPTIONS", "/v1/breakpoints",
                 {"-H", "Origin: http://evil.example", "-H", "Access-Control-Request-Method: POST",
                  "-H", "Access-Control-Request-Headers: content-type"});
  EXPECT_EQ(preflight.status, 403) << preflight.head;
  Answer options = admin_call("OPTIONS", "/v1/breakpoints");
  EXPECT_EQ(options.status, 405) << options.head;
  for (const auto& a : {preflight, options}) {
    EXPECT_EQ(header_in(a.head + "\r\n\r\n", "Access-Control-Allow-Origin"), "") << a.head;
    EXPECT_EQ(header_in(a.head + "\r\n\r\n", "Access-Control-Allow-Headers"), "") << a.head;
  }
}

TEST_F(AdminSecurity, ChangesWithoutJsonContentTypeAreRefused) {
  ASSERT_TRUE(start());
  // What a page can send without a preflight: text/plain JSON.
  Answer simple = admin_call("POST", "/v1/breakpoints",
                             {"-H", "Content-Type: text/plain", "--data-binary",
                              R"j({"rule":"PathPrefix(`/`)","hold":"60s"})j"});
  EXPECT_EQ(simple.status, 415) << simple.head;
  EXPECT_EQ(simple.body.value("error", ""), "unsupported_media_type") << simple.body.dump();
  EXPECT_EQ(simple.body.value("message", ""),
            "POST /v1/breakpoints needs Content-Type: application/json, even without a body "
            "(got Content-Type \"text/plain\")");
  EXPECT_TRUE(admin_json("/v1/breakpoints")["breakpoints"].empty());

  Answer bare = admin_call("POST", "/v1/reload");
  EXPECT_EQ(bare.status, 415) << bare.head;
  EXPECT_NE(bare.body.value("message", "").find("no Content-Type"), std::string::npos);
  EXPECT_EQ(admin_call("POST", "/v1/reload", {"-H", "Content-Type: application/json"}).status, 200);
  EXPECT_EQ(admin_call("DELETE", "/v1/breakpoints/bp-0000000000000000").status, 415);
  EXPECT_EQ(admin_call("DELETE", "/v1/breakpoints/bp-0000000000000000",
                       {"-H", "Content-Type: application/json"})
                .status,
            404);
}

// ---- ids and breakpoint edits -----------------------------------------------------------------

TEST_F(AdminSecurity, BreakpointAndPausedIdsAreRandom) {
  ASSERT_TRUE(start());
  std::regex hex16("[0-9a-f]{16}");
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Answer created = post_json("/v1/breakpoints", R"j({"rule":"PathPrefix(`/api/held`)"})j");
    ASSERT_EQ(created.status, 201) << created.body.dump();
    std::string id = created.body.value("id", "");
    EXPECT_TRUE(id.starts_with("bp-") && std::regex_match(id.substr(3), hex16)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 3u);
  auto held = client("/api/held/1");
  json paused = wait_paused();
  std::string pid = paused.value("paused_id", "");
  EXPECT_TRUE(pid.starts_with("p-") && std::regex_match(pid.substr(2), hex16)) << pid;
  // The old shapes lead nowhere.
  for (const char* guess : {"/v1/paused/p1", "/v1/paused/p2", "/v1/paused/p4"}) {
    EXPECT_EQ(post_json(guess, R"j({"action":"continue"})j").status, 404) << guess;
  }
  EXPECT_EQ(post_json("/v1/paused/" + pid, R"j({"action":"continue"})j").status, 200);
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  EXPECT_NE(held->stdout_text().find(" 200"), std::string::npos) << held->stdout_text();
}

TEST_F(AdminSecurity, BreakpointEditsAreValidatedLikeClientInput) {
  ASSERT_TRUE(start());
  // Field types of a new breakpoint.
  Answer typed = post_json("/v1/breakpoints", R"j({"rule": 5})j");
  EXPECT_EQ(typed.status, 400);
  EXPECT_EQ(typed.body, json({{"error", "bad_body"},
                              {"field", "rule"},
                              {"message", "rule must be a string, not a number"}}));
  Answer hold = post_json("/v1/breakpoints", R"j({"rule":"Path(`/x`)","hold":60})j");
  EXPECT_EQ(hold.body.value("field", ""), "hold") << hold.body.dump();

  ASSERT_EQ(post_json("/v1/breakpoints", R"j({"rule":"PathPrefix(`/api/edit`)"})j").status, 201);
  auto held = client("/api/edit");
  std::string pid = wait_paused().value("paused_id", "");
  ASSERT_FALSE(pid.empty());
  struct Case {
    std::string body;
    std::string field;
  };
  const Case cases[] = {
      {R"j({"action":"edit","set_headers":{"X-A":"1\r\nX-Smuggled: yes"}})j", "set_headers"},
      {R"j({"action":"edit","set_headers":{"X-A":"x\r\n\r\nGET /admin HTTP/1.1"}})j",
       "set_headers"},
      {R"j({"action":"edit","set_headers":{"Bad Name":"1"}})j", "set_headers"},
      {R"j({"action":"edit","set_headers":{"Content-Length":"0"}})j", "set_headers"},
      {R"j({"action":"edit","remove_headers":["Transfer-Encoding"]})j", "remove_headers"},
      {R"j({"action":"edit","set_headers":{"X-Big":")j" + std::string(70 * 1024, 'v') + "\"}}",
       "set_headers"},
      {R"j({"action":"edit","target":"http://evil.example\r\nX: y"})j", "target"},
      {R"j({"action":"edit","target":"gopher://evil.example:70"})j", "target"},
      {R"j({"action":"abort","status":"503"})j", "status"},
      {R"j({"action":"abort","status":204})j", "status"},
      {R"j({"action":7})j", "action"},
  };
  for (const auto& c : cases) {
    Answer a = post_json("/v1/paused/" + pid, c.body);
    EXPECT_EQ(a.status, 400) << c.body.substr(0, 120) << " -> " << a.body.dump();
    EXPECT_EQ(a.body.value("error", ""), "bad_body") << a.body.dump();
    EXPECT_EQ(a.body.value("field", ""), c.field) << c.body.substr(0, 120);
  }
  // None of that was applied: the request goes upstream as it came, plus a valid edit.
  EXPECT_EQ(post_json("/v1/paused/" + pid,
                      R"j({"action":"continue","set_headers":{"X-Debug":"from-admin"}})j")
                .status,
            200);
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  std::string out = held->stdout_text();
  ASSERT_NE(out.find(" 200"), std::string::npos) << out;
  json echo = parse_json(out.substr(out.find("\r\n\r\n") + 4));
  EXPECT_EQ(backend_header(echo, "X-Debug"), "from-admin") << echo.dump();
  EXPECT_EQ(backend_header(echo, "X-Smuggled"), "<absent>") << echo.dump();
  EXPECT_EQ(backend_header(echo, "X-A"), "<absent>") << echo.dump();
}

// ---- connections ------------------------------------------------------------------------------

TEST_F(AdminSecurity, IdleAndSlowConnectionsAreClosedByTheProxyTimeouts) {
  ASSERT_TRUE(start("\n[limits]\nheader_timeout = \"300ms\"\nidle_timeout = \"600ms\"\n"));
  RawClient idle(admin_port_);
  EXPECT_TRUE(idle.wait_closed(5s)) << "an idle admin connection stayed open";
  RawClient slow(admin_port_);
  ASSERT_TRUE(slow.send("GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // never finished
  EXPECT_TRUE(slow.wait_closed(5s)) << "a request head that never ends kept its connection";
  // A client that keeps up is served as before.
  EXPECT_EQ(admin_json("/v1/status").value("profile", ""), "dev");
}

TEST_F(AdminSecurity, ConnectionsBeyondTheCapWaitForAFreeSlot) {
  ASSERT_TRUE(start("\n[limits]\nadmin_connections = 2\n"));
  std::string get =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(admin_port_) + "\r\n\r\n";
  // Two keep-alive connections, each answered once: both are being served now.
  auto first = std::make_unique<RawClient>(admin_port_);
  RawClient second(admin_port_);
  for (RawClient* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(get));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_EQ(r->status, 200);
  }
  RawClient third(admin_port_);
  ASSERT_TRUE(third.send(get));
  EXPECT_FALSE(third.read_response(700ms).has_value()) << "a third connection was served";
  first.reset();  // a slot frees: the waiting connection is accepted and answered
  auto r = third.read_response(5s);
  ASSERT_TRUE(r.has_value()) << third.last_error();
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminSecurity, StreamReaderThatStopsReadingIsDroppedAndTrafficFlows) {
  ASSERT_TRUE(start());
  RawClient stalled(admin_port_);
  ASSERT_TRUE(stalled.send(
      "GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(admin_port_) + "\r\n\r\n"));
  auto head = stalled.read_head(5s);
  ASSERT_TRUE(head.has_value()) << stalled.last_error();
  ASSERT_EQ(head->status, 200);
  // From here on it never reads. Keep-alive requests through the proxy until bridge gives up
  // on it; each request stays fast meanwhile.
  RawClient proxy(port_);
  std::string request = "GET /other/fill HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int sent = 0;
  bool dropped = false;
  auto deadline = Clock::now() + 60s;
  while (!dropped && Clock::now() < deadline) {
    for (int i = 0; i < 500; ++i, ++sent) {
      ASSERT_TRUE(proxy.send(request));
      auto r = proxy.read_response(5s);
      ASSERT_TRUE(r.has_value()) << "request " << sent << ": " << proxy.last_error();
      ASSERT_EQ(r->status, 200);
    }
    dropped = metric("bridge_admin_streams_dropped_total") >= 1;
  }
  ASSERT_TRUE(dropped) << "still subscribed after " << sent << " requests\n" << bridge_.output();
  EXPECT_GT(metric("bridge_records_dropped_total"), 0);
  EXPECT_TRUE(stalled.wait_closed(10s)) << "the stalled stream was not closed";
  // Logs go to stderr on a terminal, else to stdout as JSON lines.
  bool logged = bridge_.process().wait_for_stdout("dropped a live stream", 5s) ||
                bridge_.stderr_text().find("dropped a live stream") != std::string::npos;
  EXPECT_TRUE(logged) << bridge_.output();
  // A reader that keeps up still gets its records.
  auto tail = std::make_unique<Process>(std::vector<std::string>{bridge_bin(), "trace", "--json",
                                                                 "--admin", admin(), "--config-dir",
                                                                 bridge_.config_dir()},
                                        cli_env(), bridge_.scratch(""));
  bool seen = false;
  for (auto until = Clock::now() + 10s; !seen && Clock::now() < until;) {
    std::string id = request_id("/other/after-drop");
    seen = tail->wait_for_stdout(id, 300ms);
  }
  EXPECT_TRUE(seen) << tail->stdout_text() << tail->stderr_text();
}

// ---- redaction and terminal output ------------------------------------------------------------

TEST_F(AdminSecurity, BuiltInRedactionCoversApiKeysTokensAndQueryParameters) {
  // redact_headers is emptied: the built-in list works on its own.
  ASSERT_TRUE(start("\n[trace]\nredact_headers = []\n"));
  const std::string secret = "k3y-s3cr3t";
  std::string id = request_id(
      "/api/private?access_token=" + secret + "-q&page=2",
      {"-H", "X-Api-Key: " + secret + "-a", "-H", "X-Auth-Token: " + secret + "-b", "-H",
       "Proxy-Authorization: Basic " + secret + "-c", "-H", "X-Upstream-Secret: " + secret + "-d",
       "-H", "Authorization: Bearer " + secret + "-e", "-H", "Cookie: s=" + secret + "-f", "-H",
       "X-Plain: visible"});
  json r = record(id);
  EXPECT_EQ(r.dump().find(secret), std::string::npos) << r.dump();
  EXPECT_EQ(r.value("query", ""), "access_token=<redacted>&page=2");
  std::map<std::string, std::string> in;
  for (const auto& h : r["request_headers"]["in"])
    in[h[0].get<std::string>()] = h[1].get<std::string>();
  for (const char* name : {"X-Api-Key", "X-Auth-Token", "Proxy-Authorization", "X-Upstream-Secret",
                           "Authorization", "Cookie"}) {
    EXPECT_EQ(in[name], "<redacted>") << name;
  }
  EXPECT_EQ(in["X-Plain"], "visible");
  std::string log;
  for (auto until = Clock::now() + 5s; Clock::now() < until;) {
    log = read_text(access_log());
    if (log.find(id) != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(log.find("access_token=<redacted>"), std::string::npos) << log;
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
}

TEST_F(AdminSecurity, NoRouteErrorKeepsQuerySecretsOutOfRecordAndLog) {
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"only\"\nrule = \"Host(`api.localhost`)\"\n"
                    "upstream = \"builtin://echo\"\n"));
  auto miss = get("/nowhere?password=pa55-s3cret&x=1");
  ASSERT_NE(miss.out.find(" 404"), std::string::npos) << miss.out;
  std::string id = header_in(miss.out, "X-Request-ID");
  json r = record(id);
  EXPECT_EQ(r.value("error", ""),
            "no_route: no route matched GET 127.0.0.1:" + std::to_string(port_) +
                "/nowhere?password=<redacted>&x=1 on listener web");
  EXPECT_EQ(r.dump().find("pa55-s3cret"), std::string::npos) << r.dump();
  std::string log;
  for (auto until = Clock::now() + 5s; Clock::now() < until;) {
    log = read_text(access_log());
    if (log.find(id) != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(log.find(id), std::string::npos) << log;
  EXPECT_EQ(log.find("pa55-s3cret"), std::string::npos) << log;
}

TEST_F(AdminSecurity, RedactDefaultsOffIsSaidInTheBanner) {
  ASSERT_TRUE(start("\n[trace]\nredact_defaults = false\n"));
  EXPECT_NE(bridge_.stderr_text().find("built-in list off (trace.redact_defaults = false)"),
            std::string::npos)
      << bridge_.stderr_text();
  std::string id = request_id("/api/x?token=t0k", {"-H", "X-Api-Key: k3y", "-H", "Cookie: c=1"});
  json r = record(id);
  EXPECT_EQ(r.value("query", ""), "token=t0k");
  std::string text = r.dump();
  EXPECT_NE(text.find("k3y"), std::string::npos) << text;
  // trace.redact_headers still applies (cookie is in its default list).
  EXPECT_EQ(text.find("c=1"), std::string::npos) << text;
}

TEST_F(AdminSecurity, ControlCharactersAreEscapedWhenTheCliPrints) {
  ASSERT_TRUE(start());
  // U+009B is CSI for terminals that read C1 controls: "\x9b" "31m" would turn them red.
  std::string id = request_id("/api/term", {"-H", "X-Term: a\xc2\x9b"
                                                  "31mred"});
  record(id);
  auto show = cli({"trace", "show", id, "--admin", admin()});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_EQ(show.out.find("\xc2\x9b"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("X-Term: a\\u009b31mred"), std::string::npos) << show.out;
  auto show_json = cli({"trace", "show", id, "--json", "--admin", admin()});
  ASSERT_EQ(show_json.status, 0) << show_json.err;
  EXPECT_EQ(show_json.out.find("\xc2\x9b"), std::string::npos) << show_json.out;
  EXPECT_NE(show_json.out.find("a\\u009b31mred"), std::string::npos) << show_json.out;
  // Still the same JSON value.
  json parsed = parse_json(show_json.out);
  bool same = false;
  for (const auto& h : parsed["request_headers"]["in"])
    same = same || h[1] == "a\xc2\x9b"
                           "31mred";
  EXPECT_TRUE(same) << show_json.out;
}

// ---- unix socket ------------------------------------------------------------------------------

TEST_F(AdminSecurity, UnixSocketPathThatIsARegularFileIsNotRemoved) {
  std::string path = bridge_.scratch("admin.sock");
  {
    std::ofstream file(path);
    file << "precious\n";
  }
  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;
  bridge_.write_config(config("", "unix:" + path));
  auto r = run_bridge({"up", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find(path + " exists and is not a socket"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(path), "precious\n");
}

TEST_F(AdminSecurity, UnixSocketReplacesAStaleSocketAndTheCliWorksThere) {
  std::string path = bridge_.scratch("admin.sock");
  // A socket left behind by a process that died: bound, never unlinked, nobody listening.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);

  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;
  bridge_.write_config(config("", "unix:" + path));
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  std::string id = request_id("/api/unix");
  // The CLI sends Host: localhost there, and Content-Type on changes.
  bool shown = false;
  for (auto until = Clock::now() + 5s; !shown && Clock::now() < until;) {
    auto show = cli({"trace", "show", id, "--admin", "unix:" + path});
    shown = show.status == 0 && show.out.find("/api/unix") != std::string::npos;
    if (!shown) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(shown);
  auto brk = std::make_unique<Process>(
      std::vector<std::string>{bridge_bin(), "trace", "break", "Path(`/api/unix-held`)", "--admin",
                               "unix:" + path, "--action", "continue", "--config-dir",
                               bridge_.config_dir()},
      cli_env(), bridge_.scratch(""));
  ASSERT_TRUE(brk->wait_for_stdout("breakpoint ", 10s)) << brk->stdout_text() << brk->stderr_text();
  auto held = get("/api/unix-held");
  EXPECT_NE(held.out.find(" 200"), std::string::npos) << held.out;
  EXPECT_TRUE(brk->wait_for_stdout("continued", 5s)) << brk->stdout_text();
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0) << brk->stdout_text() << brk->stderr_text();
  // curl --unix-socket: Host localhost; a foreign Host is still refused there.
  auto ok = curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", path,
                  "http://localhost/v1/status"});
  EXPECT_EQ(ok.out, "200");
  auto foreign = curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", path, "-H",
                       "Host: evil.example", "http://localhost/v1/status"});
  EXPECT_EQ(foreign.out, "403");
}

}  // namespace
}  // namespace bridge::test
