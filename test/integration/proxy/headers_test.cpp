// What bridge adds, keeps and removes on the way through: request IDs, traceparent, rewrites and
// header sets (checked against `bridge route test`'s plan), hop-by-hop and X-Forwarded-*.
#include "proxy_fixture.hpp"

#include <algorithm>

namespace bridge::test {
namespace {

// ---- request ID ---------------------------------------------------------------------------

TEST_F(Proxy, KeepsValidIncomingRequestId) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  const std::string id = "Abc-123._:xyz";
  auto r = http({"-H", "X-Request-ID: " + id, url("/")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(r.response.header("X-Request-ID").value_or(""), id);
  EXPECT_EQ(echo_header(parse_json(r.response.body), "X-Request-ID"), id);
}

TEST_F(Proxy, KeepsRequestIdOf128Characters) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  const std::string id(128, 'a');
  auto r = http({"-H", "X-Request-ID: " + id, url("/")});
  EXPECT_EQ(r.response.header("X-Request-ID").value_or(""), id);
}

TEST_F(Proxy, ReplacesInvalidRequestId) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  for (const std::string& bad : {std::string("has/slash"), std::string(129, 'a'),
                                 std::string("quote\"d"), std::string("sp ace")}) {
    auto r = http({"-H", "X-Request-ID: " + bad, url("/")});
    ASSERT_EQ(r.response.status, 200) << r.err;
    std::string id = r.response.header("X-Request-ID").value_or("");
    EXPECT_TRUE(std::regex_match(id, hex32)) << "for " << bad << ": " << id;
    json echo = parse_json(r.response.body);
    EXPECT_EQ(echo_header(echo, "X-Request-ID"), id);
    EXPECT_EQ(r.response.body.find(bad), std::string::npos) << "invalid id was forwarded";
  }
}

TEST_F(Proxy, GeneratesADifferentIdPerRequest) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto a = http({url("/")});
  auto b = http({url("/")});
  EXPECT_NE(a.response.header("X-Request-ID").value_or("a"),
            b.response.header("X-Request-ID").value_or("a"));
}

TEST_F(Proxy, RealUpstreamSeesTheSameIdTheClientGets) {
  ASSERT_TRUE(start_nginx());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", nginx_.url())));
  auto r = http({url("/headers")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  std::string id = r.response.header("X-Request-ID").value_or("");
  EXPECT_TRUE(std::regex_match(id, hex32)) << id;
  EXPECT_EQ(r.response.header("X-Seen-Request-Id").value_or(""), id);
  // One X-Request-ID back to the client, not nginx's copy plus bridge's.
  EXPECT_EQ(r.response.header_count("X-Request-ID"), 1u);
}

// ---- traceparent --------------------------------------------------------------------------

TEST_F(Proxy, ContinuesValidTraceparentWithANewSpan) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string span = "00f067aa0ba902b7";
  auto r = http({"-H", "traceparent: 00-" + trace + "-" + span + "-01", url("/")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  std::string tp = echo_header(parse_json(r.response.body), "traceparent");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(tp, m, traceparent_re)) << tp;
  EXPECT_EQ(m[1], trace);
  EXPECT_NE(m[2], span);
  EXPECT_NE(m[2], "0000000000000000");
  EXPECT_EQ(m[3], "01");
}

TEST_F(Proxy, StartsATraceWhenNoneCameIn) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto a = echo_header(parse_json(http({url("/")}).response.body), "traceparent");
  auto b = echo_header(parse_json(http({url("/")}).response.body), "traceparent");
  std::smatch ma, mb;
  ASSERT_TRUE(std::regex_match(a, ma, traceparent_re)) << a;
  ASSERT_TRUE(std::regex_match(b, mb, traceparent_re)) << b;
  EXPECT_NE(ma[1], mb[1]) << "two requests share a trace id";
  EXPECT_NE(ma[1], std::string(32, '0'));
}

TEST_F(Proxy, ReplacesInvalidTraceparent) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  const std::vector<std::string> invalid = {
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // uppercase
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   // short trace id
      "garbage",
  };
  for (const auto& bad : invalid) {
    auto r = http({"-H", "traceparent: " + bad, url("/")});
    ASSERT_EQ(r.response.status, 200) << r.err;
    std::string tp = echo_header(parse_json(r.response.body), "traceparent");
    std::smatch m;
    EXPECT_TRUE(std::regex_match(tp, m, traceparent_re)) << bad << " -> " << tp;
    EXPECT_NE(tp, bad);
    EXPECT_EQ(r.response.body.find(bad), std::string::npos) << bad << " was forwarded";
    if (bad.size() > 36) {
      EXPECT_NE(m[1], lower(bad.substr(3, 32))) << bad << " -> " << tp;
    }
  }
}

TEST_F(Proxy, ForwardsTracestate) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = http({"-H", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "-H",
                 "tracestate: congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", url("/")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(echo_header(parse_json(r.response.body), "tracestate"),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

// ---- rewrites -----------------------------------------------------------------------------

TEST_F(Proxy, StripPrefix) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(
      start(route("api", "PathPrefix(`/api`)", backend_.url(), "strip_prefix = \"/api\"\n")));
  auto r = http({url("/api/users?x=1")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  EXPECT_EQ(parse_json(r.response.body).value("target", ""), "/users?x=1");
  auto root = http({url("/api")});
  EXPECT_EQ(parse_json(root.response.body).value("target", ""), "/");
}

TEST_F(Proxy, HostRewrite) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(
      route("all", "PathPrefix(`/`)", backend_.url(), "host_rewrite = \"internal.example\"\n")));
  auto r = http({url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(backend_values(echo, "Host"), std::vector<std::string>{"internal.example"});
  EXPECT_EQ(backend_value(echo, "X-Forwarded-Host"), host());
}

TEST_F(Proxy, HostIsKeptWithoutRewrite) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = http({"-H", "Host: app.localhost", url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(backend_values(parse_json(r.response.body), "Host"),
            std::vector<std::string>{"app.localhost"});
}

TEST_F(Proxy, RequestHeadersSetAndRemove) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url(),
                          "request_headers = { set = { \"X-Env\" = \"test\" }, "
                          "remove = [\"X-Debug\"] }\n")));
  auto r = http({"-H", "X-Env: client", "-H", "X-Debug: 1", "-H", "X-Other: kept", url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(backend_values(echo, "X-Env"), std::vector<std::string>{"test"});
  EXPECT_TRUE(backend_values(echo, "X-Debug").empty());
  EXPECT_EQ(backend_value(echo, "X-Other"), "kept");
}

TEST_F(Proxy, ResponseHeadersSetAndRemove) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url(),
                          "response_headers = { set = { \"X-Served-By\" = \"bridge\" }, "
                          "remove = [\"X-Backend-Secret\"] }\n")));
  auto r = http({url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(r.response.header("X-Served-By").value_or(""), "bridge");
  EXPECT_FALSE(r.response.header("X-Backend-Secret").has_value());
  EXPECT_TRUE(r.response.header("X-Backend-Connection").has_value());
}

// `bridge route test` describes the upstream request without sending it; the real one must
// match it: target, Host, every added header once with its value, every removed one absent.
TEST_F(Proxy, RouteTestPlanIsWhatTheUpstreamReceives) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(
      start(route("api", "PathPrefix(`/api`)", backend_.url(),
                  "strip_prefix = \"/api\"\nhost_rewrite = \"api.internal\"\n"
                  "request_headers = { set = { \"X-Forwarded-Prefix\" = \"/custom\", "
                  "\"X-Env\" = \"dev\" }, remove = [\"X-Forwarded-Host\", \"Cookie\"] }\n")));
  const std::vector<std::string> headers = {"Connection: keep-alive, X-Hop", "X-Hop: 1",
                                            "X-Forwarded-For: 10.1.2.3", "Cookie: a=b",
                                            "X-Kept: yes"};
  std::vector<std::string> args = {"route",
                                   "test",
                                   "GET",
                                   url("/api/users?x=1"),
                                   "--json",
                                   "--config-dir",
                                   bridge_.config_dir()};
  for (const auto& h : headers) {
    args.push_back("-H");
    args.push_back(h);
  }
  auto plan_run = run_bridge(args);
  ASSERT_EQ(plan_run.status, 0) << plan_run.err;
  json plan = parse_json(plan_run.out).value("upstream_request", json::object());
  EXPECT_EQ(plan.value("target", ""), "/users?x=1");
  EXPECT_EQ(plan.value("host", ""), "api.internal");
  ASSERT_TRUE(plan["headers_added"].is_array()) << plan.dump();  // [name, value], in order
  EXPECT_EQ(plan["headers_added"].size(), 6u) << plan.dump();    // no name twice
  auto added_names = [&plan] {
    std::vector<std::string> names;
    for (const auto& pair : plan["headers_added"]) names.push_back(pair[0].get<std::string>());
    return names;
  }();

  RawClient client(port_);
  std::string request = "GET /api/users?x=1 HTTP/1.1\r\nHost: " + host() + "\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  client.send(request + "\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  json echo = parse_json(r->body);
  EXPECT_EQ(echo.value("target", ""), plan.value("target", ""));
  EXPECT_EQ(backend_values(echo, "Host"), std::vector<std::string>{plan.value("host", "")});
  for (const auto& pair : plan["headers_added"]) {
    std::string name = pair[0].get<std::string>();
    const json& value = pair[1];
    auto sent = backend_values(echo, name);
    ASSERT_EQ(sent.size(), 1u) << name;
    if (value != "<generated>") {
      EXPECT_EQ(sent.front(), value.get<std::string>()) << name;
    }
  }
  EXPECT_EQ(backend_value(echo, "X-Forwarded-For"), "10.1.2.3, 127.0.0.1");
  for (const auto& name : plan["headers_removed"]) {
    if (std::find(added_names.begin(), added_names.end(), name.get<std::string>()) !=
        added_names.end()) {
      continue;  // replaced
    }
    EXPECT_TRUE(backend_values(echo, name.get<std::string>()).empty()) << name << " was sent";
  }
  EXPECT_EQ(plan["headers_removed"], json({"Connection", "X-Hop", "X-Forwarded-For", "Cookie"}));
  EXPECT_EQ(backend_value(echo, "X-Kept"), "yes");
}

TEST_F(Proxy, HopByHopRequestHeadersAreNotForwarded) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /h HTTP/1.1\r\nHost: a\r\n"
              "Connection: keep-alive, X-Custom-Hop\r\n"
              "X-Custom-Hop: 1\r\n"
              "Keep-Alive: timeout=5\r\n"
              "TE: trailers\r\n"
              "Trailer: X-T\r\n"
              "Proxy-Authorization: Basic eDp5\r\n"
              "Proxy-Connection: keep-alive\r\n"
              "X-Normal: yes\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  json echo = parse_json(r->body);
  for (const char* name :
       {"X-Custom-Hop", "Keep-Alive", "TE", "Trailer", "Proxy-Authorization", "Proxy-Connection"}) {
    EXPECT_TRUE(backend_values(echo, name).empty()) << name << " was forwarded";
  }
  for (const auto& c : backend_values(echo, "Connection")) {
    EXPECT_EQ(lower(c).find("x-custom-hop"), std::string::npos) << "Connection: " << c;
  }
  EXPECT_EQ(backend_value(echo, "X-Normal"), "yes");
}

TEST_F(Proxy, HopByHopResponseHeadersAreNotForwarded) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /hop-response HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->body, "ok");
  EXPECT_FALSE(r->header("X-Resp-Hop").has_value());
  EXPECT_FALSE(r->header("Keep-Alive").has_value());
  EXPECT_EQ(lower(r->header("Connection").value_or("")).find("x-resp-hop"), std::string::npos);
  EXPECT_EQ(r->header("X-Kept").value_or(""), "yes");
}

// A 101 answer to a request that asked for no upgrade is the upstream's mistake: relayed, the
// client would read what follows as another protocol.
TEST_F(Proxy, UnaskedSwitchingProtocolsIsA502) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = http({url("/unasked-101")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 502, "upstream_error");
  EXPECT_NE(r.response.body.find(
                "upstream answered 101 Switching Protocols to a request without Upgrade"),
            std::string::npos)
      << r.response.body;
}

// Beast takes any three digits as a status; below 100 it is none, and relayed it would be
// written as "HTTP/1.1 20 OK", a line no client parses.
TEST_F(Proxy, AStatusBelow100IsA502) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = http({url("/status-020")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 502, "upstream_error");
  EXPECT_NE(r.response.body.find("upstream answered with status code 20, which is not one"),
            std::string::npos)
      << r.response.body;
}

TEST_F(Proxy, ForwardedHeadersReachTheUpstream) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = http({url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(backend_value(echo, "X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(backend_value(echo, "X-Forwarded-Proto"), "http");
  EXPECT_EQ(backend_value(echo, "X-Forwarded-Host"), host());
  EXPECT_TRUE(std::regex_match(backend_value(echo, "X-Request-ID"), hex32));
  EXPECT_TRUE(std::regex_match(backend_value(echo, "traceparent"), traceparent_re));
}

}  // namespace
}  // namespace bridge::test
