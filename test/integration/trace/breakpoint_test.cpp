// `bridge trace break`: held requests wait while other traffic flows; continue, abort, header
// edits, auto-release after --hold, release when the CLI dies; the interactive UI in tmux;
// holds before and after a named middleware of the request's chain.
#include "trace_fixture.hpp"

#include <signal.h>

namespace bridge::test {
namespace {

class Breakpoint : public TraceFixture {
 protected:
  std::vector<std::string> break_args(const std::string& rule, std::vector<std::string> extra) {
    std::vector<std::string> args{bridge_bin(), "trace", "break",        rule,
                                  "--admin",    admin(), "--config-dir", bridge_.config_dir()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // `bridge trace break RULE EXTRA...` in the background, ready once the breakpoint is set.
  std::unique_ptr<Process> start_break(const std::string& rule, std::vector<std::string> extra) {
    auto p = std::make_unique<Process>(break_args(rule, std::move(extra)), cli_env(),
                                       bridge_.scratch(""));
    EXPECT_TRUE(p->wait_for_stdout("breakpoint ", 10s)) << p->stdout_text() << p->stderr_text();
    return p;
  }

  // The same in a terminal: "exec" so the pane's pid is the CLI's.
  std::unique_ptr<Tmux> start_break_in_tmux(const std::string& rule,
                                            std::vector<std::string> extra) {
    std::string command = "exec env NO_COLOR=1";
    for (const auto& a : break_args(rule, std::move(extra))) command += " '" + a + "'";
    auto t = std::make_unique<Tmux>(command);
    EXPECT_TRUE(t->wait_for("waiting for a matching request", 10s)) << t->screen();
    return t;
  }

  // curl in the background: -i so status and body land in stdout.
  std::unique_ptr<Process> client(const std::string& path) {
    return std::make_unique<Process>(std::vector<std::string>{
        "/usr/bin/curl", "-sS", "-i", "--http1.1", "--max-time", "30", url(path)});
  }

  // Waits until bridge reports a held request; its paused entry.
  json wait_paused() {
    for (auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
      json paused = admin_json("/v1/paused");
      if (!paused["paused"].empty()) return paused["paused"][0];
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "nothing was held";
    return json::object();
  }

  // The held client has no response while a non-matching request completes.
  void expect_held_while_others_flow(Process& held) {
    wait_paused();
    auto other = get("/other/not-held");
    EXPECT_NE(other.out.find("200"), std::string::npos) << other.out << other.err;
    EXPECT_TRUE(held.running()) << "the held request was answered: " << held.stdout_text();
    EXPECT_EQ(held.stdout_text(), "");
  }

  static int status_of(const std::string& curl_i) {
    auto sp = curl_i.find(' ');
    return sp == std::string::npos ? 0 : std::atoi(curl_i.c_str() + sp + 1);
  }

  static json body_of(const std::string& curl_i) {
    auto end = curl_i.find("\r\n\r\n");
    return end == std::string::npos ? json::object() : parse_json(curl_i.substr(end + 4));
  }
};

TEST_F(Breakpoint, ActionContinueReleasesEachHeldRequest) {
  ASSERT_TRUE(start());
  auto brk = start_break("PathPrefix(`/api/held`)", {"--action", "continue"});
  auto held = client("/api/held/1");
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  EXPECT_EQ(status_of(held->stdout_text()), 200) << held->stdout_text();
  EXPECT_TRUE(brk->wait_for_stdout("continued", 5s)) << brk->stdout_text();
  EXPECT_NE(brk->stdout_text().find("GET 127.0.0.1"), std::string::npos) << brk->stdout_text();

  // The record says it was held.
  std::string id = header_in(held->stdout_text(), "X-Request-ID");
  json rec = record(id);
  EXPECT_EQ(rec["breakpoint"].value("action", ""), "continue") << rec.dump();

  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
  EXPECT_NE(brk->stdout_text().find("removed"), std::string::npos) << brk->stdout_text();
  EXPECT_TRUE(admin_json("/v1/breakpoints")["breakpoints"].empty());
}

TEST_F(Breakpoint, HeldViewShowsThePathAsTheRouteForwardsIt) {
  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;  // its URL goes into the routes below
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\nupstream = \"" +
                        backend_.url() + "\"\nstrip_prefix = \"/api\"\n"));
  auto brk = start_break("PathPrefix(`/api/users`)", {"--action", "continue"});
  auto held = client("/api/users/7");
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  EXPECT_EQ(status_of(held->stdout_text()), 200) << held->stdout_text();
  ASSERT_TRUE(brk->wait_for_stdout("continued", 5s)) << brk->stdout_text();
  EXPECT_NE(brk->stdout_text().find("  path /api/users/7 → /users/7 upstream"), std::string::npos)
      << brk->stdout_text();
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

TEST_F(Breakpoint, ActionAbortAnswersWithTheStatus) {
  ASSERT_TRUE(start());
  auto brk = start_break("Path(`/api/abort`)", {"--action", "abort:503"});
  auto r = get("/api/abort");
  EXPECT_EQ(status_of(r.out), 503) << r.out;
  auto other = get("/api/fine");
  EXPECT_EQ(status_of(other.out), 200) << other.out;
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

TEST_F(Breakpoint, AbortWithAStatusBeastDoesNotNameHasAnEmptyReason) {
  ASSERT_TRUE(start());
  auto brk = start_break("Path(`/api/teapot`)", {"--action", "abort:418"});
  auto r = get("/api/teapot");
  // 418 is unassigned in RFC 9110: no phrase at all rather than "<unknown-status>".
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "HTTP/1.1 418 \r") << r.out;
  auto fine = get("/api/fine");
  EXPECT_EQ(fine.out.substr(0, fine.out.find('\n')), "HTTP/1.1 200 OK\r");
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

TEST_F(Breakpoint, ActionSetHeaderReachesTheUpstream) {
  ASSERT_TRUE(start());
  auto brk = start_break("PathPrefix(`/api/edit`)", {"--action", "set-header:X-Debug=from-break"});
  auto r = get("/api/edit");
  ASSERT_EQ(status_of(r.out), 200) << r.out;
  EXPECT_EQ(backend_header(body_of(r.out), "X-Debug"), "from-break") << r.out;
  brk->signal(SIGTERM);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

TEST_F(Breakpoint, ResponsePhaseHoldsTheAnswer) {
  ASSERT_TRUE(start());
  auto brk = start_break("PathPrefix(`/api/resp`)",
                         {"--phase", "response", "--action", "set-header:X-Resp=edited"});
  auto r = get("/api/resp");
  EXPECT_EQ(status_of(r.out), 200) << r.out;
  EXPECT_EQ(header_in(r.out, "X-Resp"), "edited") << r.out;
  EXPECT_NE(brk->stdout_text().find("response 200"), std::string::npos) << brk->stdout_text();
  brk->signal(SIGINT);
  brk->wait_exit(5s);
}

TEST_F(Breakpoint, HeldRequestContinuesByItselfAfterHold) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start());
  auto term = start_break_in_tmux("PathPrefix(`/api/slowpoke`)", {"--hold", "1s"});
  auto held = client("/api/slowpoke");
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  // Nobody answers: it goes upstream after about a second.
  ASSERT_TRUE(held->wait_exit(15s).has_value()) << "still held after 15s";
  EXPECT_EQ(status_of(held->stdout_text()), 200) << held->stdout_text();
  EXPECT_TRUE(admin_json("/v1/paused")["paused"].empty());
  // Answering it now says it is gone.
  term->send("c");
  EXPECT_TRUE(term->wait_for("is no longer held", 5s)) << term->screen();
}

TEST_F(Breakpoint, KillingTheCliReleasesItsHeldRequests) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start());
  auto term = start_break_in_tmux("PathPrefix(`/api/orphan`)", {"--hold", "60s"});
  auto held = client("/api/orphan");
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  expect_held_while_others_flow(*held);
  ASSERT_GT(term->pid(), 0);
  ::kill(term->pid(), SIGKILL);
  ASSERT_TRUE(held->wait_exit(15s).has_value()) << "the request stayed held after the CLI died";
  EXPECT_EQ(status_of(held->stdout_text()), 200) << held->stdout_text();
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    if (admin_json("/v1/breakpoints")["breakpoints"].empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(admin_json("/v1/breakpoints")["breakpoints"].empty());
}

TEST_F(Breakpoint, InteractiveSessionInATerminal) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start());
  auto term = start_break_in_tmux("PathPrefix(`/api/tty`)", {});
  EXPECT_NE(term->screen().find("breakpoint bp"), std::string::npos) << term->screen();

  // 1: a header edit keeps it held, then continue sends it upstream with the header.
  auto first = client("/api/tty/one");
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  EXPECT_NE(term->screen().find("GET 127.0.0.1:" + std::to_string(port_) + "/api/tty/one"),
            std::string::npos)
      << term->screen();
  expect_held_while_others_flow(*first);
  term->send("?");
  EXPECT_TRUE(term->wait_for("a [STATUS]   abort", 5s)) << term->screen();
  term->send("s X-From-Tty=yes");
  ASSERT_TRUE(term->wait_for("set X-From-Tty: yes (still held)", 5s)) << term->screen();
  EXPECT_TRUE(first->running());
  term->send("c");
  ASSERT_TRUE(first->wait_exit(10s).has_value()) << term->screen();
  EXPECT_EQ(status_of(first->stdout_text()), 200);
  EXPECT_EQ(backend_header(body_of(first->stdout_text()), "X-From-Tty"), "yes")
      << first->stdout_text();

  // 2: abort with a status.
  auto second = client("/api/tty/two");
  ASSERT_TRUE(term->wait_for("⏸", 10s, 2)) << term->screen();
  term->send("a 418");
  ASSERT_TRUE(second->wait_exit(10s).has_value()) << term->screen();
  EXPECT_EQ(status_of(second->stdout_text()), 418) << second->stdout_text();

  // 3: unknown commands are explained; d drops the breakpoint and exits 0.
  term->send("zz");
  EXPECT_TRUE(term->wait_for("unknown command \"zz\"", 5s)) << term->screen();
  term->send("d");
  auto status = term->wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << term->screen();
  EXPECT_EQ(*status, 0) << term->screen();
  EXPECT_NE(term->screen().find("removed"), std::string::npos) << term->screen();
  EXPECT_TRUE(admin_json("/v1/breakpoints")["breakpoints"].empty());
}

// `t URL` sends a held request elsewhere; when that target refuses, the 502 names it (not the
// route's own upstream, and no other target of it stands in).
TEST_F(Breakpoint, ATargetSetInTheTerminalIsWhereTheRequestGoes) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"echo\"\nrule = \"PathPrefix(`/echo`)\"\nupstream = "
                    "\"builtin://echo\"\n"));
  auto term = start_break_in_tmux("PathPrefix(`/echo`)", {});
  auto first = client("/echo/one");
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  term->send("t " + backend_.url());
  ASSERT_TRUE(term->wait_for("target " + backend_.url() + " (still held)", 5s)) << term->screen();
  term->send("c");
  ASSERT_TRUE(first->wait_exit(10s).has_value()) << term->screen();
  EXPECT_EQ(status_of(first->stdout_text()), 200) << first->stdout_text();
  // The test backend answers {"target": ...}; builtin://echo would say "path".
  EXPECT_EQ(body_of(first->stdout_text()).value("target", ""), "/echo/one") << first->stdout_text();

  const std::string dead = "http://127.0.0.1:" + std::to_string(free_port());
  auto second = client("/echo/two");
  ASSERT_TRUE(term->wait_for("⏸", 10s, 2)) << term->screen();
  term->send("t " + dead);
  ASSERT_TRUE(term->wait_for("target " + dead + " (still held)", 5s)) << term->screen();
  term->send("c");
  ASSERT_TRUE(second->wait_exit(10s).has_value()) << term->screen();
  EXPECT_EQ(status_of(second->stdout_text()), 502) << second->stdout_text();
  EXPECT_EQ(body_of(second->stdout_text()).value("message", ""),
            "cannot reach upstream \"builtin://echo\" at " + dead + ": connect " + dead.substr(7) +
                ": Connection refused")
      << second->stdout_text();
  term->send("d");
  EXPECT_TRUE(term->wait_exit(10s).has_value()) << term->screen();
}

// ---- at a middleware -----------------------------------------------------------------------

// The api route through two middlewares: "tag" adds X-Tag, "gate" lets only X-Pass: yes in
// (ipAllowList would need addresses; a headers middleware with allowedHosts answers 500 for
// another Host, so "gate" checks the Host instead).
class MiddlewareBreakpoint : public Breakpoint {
 protected:
  ::testing::AssertionResult start_chain() {
    std::string error;
    if (!backend_.running() && !backend_.start(&error))
      return ::testing::AssertionFailure() << error;
    return start("", "127.0.0.1:0", R"toml(
[middlewares.tag.headers]
customRequestHeaders = { X-Tag = "tagged" }

[middlewares.gate.headers]
allowedHosts = ["allowed.test"]

[[routes]]
name = "api"
rule = "PathPrefix(`/api`)"
upstream = ")toml" + backend_.url() + R"toml("
middlewares = ["tag", "gate"]

[[routes]]
name = "other"
rule = "PathPrefix(`/`)"
upstream = "builtin://echo"
)toml");
  }
  // POST `body` (JSON) to the admin API at `path`; the parsed answer.
  json admin_post(const std::string& path, const std::string& body) {
    std::vector<std::string> args{
        "-sS", "-X", "POST", "-H", "Content-Type: application/json", "-d", body, admin() + path};
    for (const auto& a : auth()) args.push_back(a);
    auto r = curl(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return parse_json(r.out);
  }
};

// After "tag": the held request shows X-Tag; an edit made there reaches "gate", which lets the
// request through once the Host is the one it allows. The record names the place.
TEST_F(MiddlewareBreakpoint, AfterAMiddlewareTheRequestShowsWhatItDidAndEditsReachTheNext) {
  ASSERT_TRUE(start_chain());
  // Through the admin API (the CLI's interactive session needs a terminal).
  json created = admin_post("/v1/breakpoints",
                            R"j({"rule":"PathPrefix(`/api`)","phase":"after:tag","hold":"30s"})j");
  EXPECT_EQ(created.value("phase", ""), "after:tag") << created.dump();
  auto held = client("/api/items");
  json paused = wait_paused();
  EXPECT_EQ(paused.value("phase", ""), "after:tag") << paused.dump();
  const std::string headers = paused["request"]["headers"].dump();
  EXPECT_NE(headers.find("[\"X-Tag\",\"tagged\"]"), std::string::npos) << paused.dump();
  // Continue with the Host "gate" allows.
  admin_post("/v1/paused/" + paused.value("paused_id", ""),
             R"({"action":"continue","set_headers":{"Host":"allowed.test"}})");
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  const std::string out = held->stdout_text();
  EXPECT_EQ(status_of(out), 200) << out;
  EXPECT_EQ(backend_header(body_of(out), "X-Tag"), "tagged") << out;
  EXPECT_EQ(backend_header(body_of(out), "Host"), "allowed.test") << out;
  json rec = record(header_in(out, "X-Request-ID"));
  EXPECT_EQ(rec["breakpoint"].value("phase", ""), "after:tag") << rec.dump();
  // trace show says where it was held, in words.
  auto shown = cli({"trace", "show", header_in(out, "X-Request-ID"), "--admin", admin()});
  EXPECT_EQ(shown.status, 0) << shown.err;
  EXPECT_NE(shown.out.find("(after the middleware tag): held "), std::string::npos) << shown.out;
}

// Before "gate": held with --action continue, the request then meets gate as it was, which
// refuses the Host; abort answers before any later middleware runs; a request whose chain lacks
// the middleware is not held.
TEST_F(MiddlewareBreakpoint, BeforeAMiddlewareContinueRunsItAndAbortAnswers) {
  ASSERT_TRUE(start_chain());
  {
    auto brk = start_break("PathPrefix(`/api`)", {"--before", "gate", "--action", "continue"});
    EXPECT_NE(brk->stdout_text().find("(held before the middleware gate of their chain;"),
              std::string::npos)
        << brk->stdout_text();
    auto r = get("/api/items");
    EXPECT_EQ(status_of(r.out), 500) << "gate ran after the hold: " << r.out;
    json rec = record(header_in(r.out, "X-Request-ID"));
    EXPECT_EQ(rec["breakpoint"].value("phase", ""), "before:gate") << rec.dump();
    EXPECT_EQ(rec["middlewares"].size(), 2u) << rec.dump();
    auto other = get("/elsewhere");  // the echo route: no chain, not held
    EXPECT_EQ(status_of(other.out), 200) << other.out;
    brk->signal(SIGINT);
    EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
  }
  auto brk = start_break("PathPrefix(`/api`)", {"--before", "gate", "--action", "abort:418"});
  auto r = get("/api/items");
  EXPECT_EQ(status_of(r.out), 418) << r.out;
  json rec = record(header_in(r.out, "X-Request-ID"));
  ASSERT_EQ(rec["middlewares"].size(), 1u) << "gate never ran: " << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("name", ""), "tag");
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

// ---- TCP connections ------------------------------------------------------------------------

// A TCP listener "tcp-in" whose one route goes to a socat that greets each connection with
// "A"; a second socat greets with "B" (the target a held connection can be sent to).
class ConnectionBreakpoint : public Breakpoint {
 protected:
  ::testing::AssertionResult start_tcp() {
    if (!start_greeter(a_, "A") || !start_greeter(b_, "B"))
      return ::testing::AssertionFailure() << "socat did not listen";
    return start("", "127.0.0.1:0",
                 "[[routes]]\nname = \"other\"\nrule = \"PathPrefix(`/`)\"\nupstream = "
                 "\"builtin://echo\"\n\n[[listeners]]\nname = \"tcp-in\"\nbind = \"127.0.0.1:" +
                     std::to_string(tcp_port_) +
                     "\"\nprotocol = \"tcp\"\n\n[[tcp_routes]]\nname = \"greeter\"\nrule = "
                     "\"HostSNI(`*`)\"\nupstream = \"tcp://127.0.0.1:" +
                     std::to_string(a_.port) + "\"\n");
  }
  // What a connection to the TCP listener reads until the far end closes.
  std::string read_greeting(RawClient& c) {
    std::string out;
    while (c.read_some(out, 1024, 10s) > 0) {
    }
    return out;
  }
  // The access log's line for the connection that ended `end`, polled.
  json logged_connection(const std::string& end) {
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;
         std::this_thread::sleep_for(50ms)) {
      std::istringstream in(read_file(access_log()));
      for (std::string l; std::getline(in, l);)
        if (l.find("\"end\":\"" + end + "\"") != std::string::npos) return parse_json(l);
    }
    return json::object();
  }

  struct Greeter {
    uint16_t port = 0;
    std::unique_ptr<Process> process;
  };
  static bool start_greeter(Greeter& g, const std::string& word) {
    g.port = free_port();
    g.process = std::make_unique<Process>(std::vector<std::string>{
        "socat", "TCP-LISTEN:" + std::to_string(g.port) + ",bind=127.0.0.1,reuseaddr,fork",
        "SYSTEM:echo " + word});
    return wait_for_port(g.port, 5s);
  }
  uint16_t tcp_port_ = free_port();
  Greeter a_, b_;
};

TEST_F(ConnectionBreakpoint, AHostSniRuleHoldsNewConnectionsUntilContinuedOrAborted) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start_tcp());
  auto term = start_break_in_tmux("HostSNI(`*`) && ClientIP(`127.0.0.0/8`)", {});
  EXPECT_NE(term->screen().find("(connection phase; held TCP connections continue by themselves"),
            std::string::npos)
      << term->screen();

  // 1: held before it connects (nothing arrives), sent to B instead of the route's A.
  auto first = std::make_unique<RawClient>(tcp_port_);
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  EXPECT_NE(term->screen().find("TCP connection from 127.0.0.1 on tcp-in  route greeter → "
                                "upstream tcp://127.0.0.1:" +
                                std::to_string(a_.port)),
            std::string::npos)
      << term->screen();
  std::string early;
  EXPECT_EQ(first->read_some(early, 1024, 300ms), 0u) << early;
  term->send("s X-Debug=1");
  EXPECT_TRUE(term->wait_for("a TCP connection has no headers", 5s)) << term->screen();
  term->send("t tcp://127.0.0.1:" + std::to_string(b_.port));
  ASSERT_TRUE(term->wait_for("(still held)", 5s)) << term->screen();
  term->send("c");
  EXPECT_EQ(read_greeting(*first), "B\n") << term->screen();
  first.reset();  // the greeter closed first; the connection ends when the client closes too
  json continued = logged_connection("upstream_closed");
  EXPECT_EQ(continued.value("upstream", ""), "tcp://127.0.0.1:" + std::to_string(b_.port))
      << continued.dump();

  // 2: abort closes it without connecting.
  RawClient second(tcp_port_);
  ASSERT_TRUE(term->wait_for("⏸", 10s, 2)) << term->screen();
  term->send("a");
  ASSERT_TRUE(term->wait_for(": closed", 5s)) << term->screen();
  EXPECT_EQ(read_greeting(second), "");
  EXPECT_TRUE(second.peer_closed());
  json aborted = logged_connection("aborted");
  EXPECT_NE(aborted.value("error", "").find("connection aborted at breakpoint bp-"),
            std::string::npos)
      << aborted.dump();

  // HTTP requests are not held by a TCP rule.
  auto http = get("/plain");
  EXPECT_NE(http.out.find("200 OK"), std::string::npos) << http.out;
  term->send("d");
  ASSERT_TRUE(term->wait_exit(10s).has_value()) << term->screen();
}

TEST_F(ConnectionBreakpoint, ThePhaseFlagMakesAClientIpRuleHoldConnections) {
  ASSERT_TRUE(start_tcp());
  auto brk =
      start_break("ClientIP(`127.0.0.1`)", {"--phase", "connection", "--action", "continue"});
  RawClient c(tcp_port_);
  EXPECT_EQ(read_greeting(c), "A\n");
  EXPECT_TRUE(brk->wait_for_stdout("continued", 5s)) << brk->stdout_text();
  EXPECT_NE(brk->stdout_text().find("TCP connection from 127.0.0.1 on tcp-in"), std::string::npos)
      << brk->stdout_text();
  json breakpoints = admin_json("/v1/breakpoints");
  ASSERT_EQ(breakpoints["breakpoints"].size(), 1u) << breakpoints.dump();
  EXPECT_EQ(breakpoints["breakpoints"][0].value("phase", ""), "connection");
  brk->signal(SIGINT);
  EXPECT_EQ(brk->wait_exit(5s).value_or(-1), 0);
}

TEST_F(Breakpoint, CtrlCInTheTerminalRemovesTheBreakpoint) {
  if (!tmux_available()) GTEST_SKIP() << "no tmux";
  ASSERT_TRUE(start());
  auto term = start_break_in_tmux("PathPrefix(`/api/ctrlc`)", {});
  auto held = client("/api/ctrlc");
  ASSERT_TRUE(term->wait_for("⏸", 10s)) << term->screen();
  term->key("C-c");
  auto status = term->wait_exit(10s);
  ASSERT_TRUE(status.has_value()) << term->screen();
  EXPECT_EQ(*status, 0);
  ASSERT_TRUE(held->wait_exit(10s).has_value());
  EXPECT_EQ(status_of(held->stdout_text()), 200);
  EXPECT_NE(term->screen().find("1 held request(s) continue"), std::string::npos) << term->screen();
}

}  // namespace
}  // namespace bridge::test
