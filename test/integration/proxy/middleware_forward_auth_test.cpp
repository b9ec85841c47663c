// forwardAuth through a real `bridge up`, as a client, the auth server and the upstream see
// it: the auth server (test/support/auth_server.py, Python's http.server) gets a GET with the
// request's fields and X-Forwarded-*; its 2xx lets the request on with authResponseHeaders
// copied (replacing what the client sent) and its cookies added to the response; its 302 goes
// back to the client with its body and an absolute Location; an auth server that is down is
// a 502 that says so; listener and route chains go on after it; HTTP/2 and gRPC clients.
// Real peers: curl, python3, an in-process recording upstream.
#include "middleware_fixture.hpp"
#include "recording_upstream.hpp"

namespace bridge::test {
namespace {

std::string auth_server_script() {
  const char* root = std::getenv("BRIDGE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/test/support/auth_server.py";
}

class ForwardAuth : public MiddlewareProxy {
 protected:
  ::testing::AssertionResult start_auth_server() {
    auth_log_ = dir_ / "auth.log";
    auth_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", auth_server_script(), auth_log_});
    if (!auth_->wait_for_stdout("listening ", 15s))
      return ::testing::AssertionFailure()
             << "the auth server did not start: " << auth_->stdout_text();
    const std::string out = auth_->stdout_text();
    auth_port_ = static_cast<uint16_t>(std::atoi(out.c_str() + out.find("listening ") + 10));
    return ::testing::AssertionSuccess();
  }
  std::string auth_url(const std::string& path = "/verify") const {
    return "http://127.0.0.1:" + std::to_string(auth_port_) + path;
  }
  // The requests the auth server got, one JSON object each.
  std::vector<json> auth_requests() const {
    std::vector<json> out;
    const std::string text = read_file(auth_log_);
    for (size_t at = 0; at < text.size();) {
      const size_t end = text.find('\n', at);
      out.push_back(parse_json(text.substr(at, end - at)));
      at = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
  }
  static std::string header_of(const json& request, const std::string& name) {
    for (const auto& h : request["headers"])
      if (lower(h[0].get<std::string>()) == lower(name)) return h[1].get<std::string>();
    return "<absent>";
  }
  // The middleware "sso" asking auth_url(), and `extra` options.
  std::string sso(const std::string& extra = "") const {
    return "[middlewares.sso.forwardAuth]\naddress = \"" + auth_url() + "\"\n" + extra + "\n";
  }

  TempDir dir_;
  std::string auth_log_;
  std::unique_ptr<Process> auth_;
  uint16_t auth_port_ = 0;
};

TEST_F(ForwardAuth, A2xxLetsTheRequestOnWithTheNamedFieldsCopied) {
  ASSERT_TRUE(start_auth_server());
  RecordingUpstream upstream("api");
  ASSERT_TRUE(
      start_with_admin(sso("authResponseHeaders = [\"X-Auth-User\", \"X-Auth-Role\"]\n"
                           "addAuthCookiesToResponse = [\"session\"]") +
                       route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"sso\"]")));
  // The client's own X-Auth-User never reaches the upstream: the auth server's replaces it.
  auto r = http({"-H", "Authorization: Bearer good", "-H", "X-Auth-User: mallory", "-H",
                 "Accept: application/json", url("/orders/7?full=1")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(r.response.body, "upstream api\n");
  ASSERT_EQ(upstream.count(), 1u);
  const RecordedRequest up = upstream.requests()[0];
  EXPECT_EQ(up.target, "/orders/7?full=1");
  EXPECT_EQ(up.headers_named("X-Auth-User"), std::vector<std::string>{"alice"});
  EXPECT_EQ(up.header("X-Auth-Role").value_or("<absent>"), "admin");
  EXPECT_EQ(up.header("Authorization").value_or("<absent>"), "Bearer good");
  EXPECT_FALSE(up.header("X-Seen-Uri").has_value()) << "not in authResponseHeaders";
  // Only the cookie addAuthCookiesToResponse names.
  std::vector<std::string> cookies;
  for (const auto& [n, v] : r.response.headers)
    if (lower(n) == "set-cookie") cookies.push_back(v);
  EXPECT_EQ(cookies, std::vector<std::string>{"session=s1; Path=/; HttpOnly"});

  // The auth server got a GET with the request's fields and where it was going.
  auto asked = auth_requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].value("method", ""), "GET");
  EXPECT_EQ(asked[0].value("path", ""), "/verify");
  EXPECT_EQ(header_of(asked[0], "Host"), "127.0.0.1:" + std::to_string(auth_port_));
  EXPECT_EQ(header_of(asked[0], "Authorization"), "Bearer good");
  EXPECT_EQ(header_of(asked[0], "Accept"), "application/json");
  EXPECT_EQ(header_of(asked[0], "X-Forwarded-Method"), "GET");
  EXPECT_EQ(header_of(asked[0], "X-Forwarded-Proto"), "http");
  EXPECT_EQ(header_of(asked[0], "X-Forwarded-Host"), host());
  EXPECT_EQ(header_of(asked[0], "X-Forwarded-Uri"), "/orders/7?full=1");
  EXPECT_EQ(header_of(asked[0], "X-Forwarded-For"), "127.0.0.1");

  json rec = record(r.response.header("X-Request-ID").value_or(""));
  ASSERT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("outcome", ""), "passed");
  const std::string detail = rec["middlewares"][0].value("detail", "");
  EXPECT_TRUE(detail.starts_with(auth_url() + " answered 200 (")) << detail;
  EXPECT_TRUE(detail.ends_with(" ms): passed, 2 field(s) copied upstream, 1 cookie(s) to the "
                               "client"))
      << detail;
}

TEST_F(ForwardAuth, AnythingElseGoesBackToTheClientAsTheAuthServerGaveIt) {
  ASSERT_TRUE(start_auth_server());
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      sso() + route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"sso\"]")));
  auto r = http({url("/orders/7")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 302);
  // A relative Location is made absolute against the auth server (preserveLocationHeader).
  EXPECT_EQ(r.response.header("Location").value_or("<absent>"), auth_url("/login?rd=/orders/7"));
  EXPECT_EQ(r.response.header("Content-Type").value_or("<absent>"), "text/html");
  EXPECT_EQ(r.response.body, "<html><body>please log in</body></html>\n");
  EXPECT_TRUE(r.response.header("X-Request-ID").has_value());
  EXPECT_EQ(upstream.count(), 0u);
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec.value("target", ""), "answered by sso") << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("outcome", ""), "answered");
}

TEST_F(ForwardAuth, PreserveLocationHeaderKeepsItAsItCame) {
  ASSERT_TRUE(start_auth_server());
  ASSERT_TRUE(start_full(full_config(
      "", sso("preserveLocationHeader = true") +
              route("api", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"sso\"]"))));
  auto r = http({url("/x")});
  EXPECT_EQ(r.response.status, 302);
  EXPECT_EQ(r.response.header("Location").value_or("<absent>"), "/login?rd=/x");
}

TEST_F(ForwardAuth, AnAuthServerThatIsDownIsA502ThatSaysSo) {
  const uint16_t closed = free_port();
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.sso.forwardAuth]\naddress = \"http://127.0.0.1:" + std::to_string(closed) +
              "/verify\"\n\n" +
              route("api", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"sso\"]"))));
  auto r = http({url("/x")});
  expect_error(r.response, 502, "forwardAuth");
  const json body = parse_json(r.response.body);
  EXPECT_EQ(body.value("message", ""),
            "the auth server http://127.0.0.1:" + std::to_string(closed) +
                "/verify did not answer: connect: Connection refused")
      << r.response.body;
}

TEST_F(ForwardAuth, TheChainGoesOnAfterItAndHttp2ClientsAreAskedAboutToo) {
  ASSERT_TRUE(start_auth_server());
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_full(full_config(
      "middlewares = [\"sso\"]",
      sso("authResponseHeaders = [\"X-Auth-User\"]") +
          "[middlewares.tag.headers]\ncustomRequestHeaders = { \"X-After\" = \"yes\" }\n\n" +
          route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"tag\"]"))));
  auto r = h2({"-H", "Authorization: Bearer good", url("/h2")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  ASSERT_EQ(upstream.count(), 1u);
  EXPECT_EQ(upstream.requests()[0].header("X-Auth-User").value_or("<absent>"), "alice");
  EXPECT_EQ(upstream.requests()[0].header("X-After").value_or("<absent>"), "yes");
  auto denied = h2({url("/h2")});
  EXPECT_EQ(denied.response.status, 302);
  EXPECT_EQ(upstream.count(), 1u);
}

TEST_F(ForwardAuth, TrustForwardHeaderKeepsTheClientsForwardedFields) {
  ASSERT_TRUE(start_auth_server());
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_full(full_config(
      "", sso("trustForwardHeader = true\nauthResponseHeadersRegex = \"^X-Seen-\"") +
              route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"sso\"]"))));
  auto r = http({"-H", "Authorization: Bearer good", "-H", "X-Forwarded-Host: shop.example", "-H",
                 "X-Forwarded-For: 203.0.113.9", "-H", "X-Seen-Host: forged", url("/t")});
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  ASSERT_EQ(upstream.count(), 1u);
  const RecordedRequest up = upstream.requests()[0];
  // What the auth server saw, through the fields authResponseHeadersRegex copied.
  EXPECT_EQ(up.headers_named("X-Seen-Host"), std::vector<std::string>{"shop.example"});
  EXPECT_EQ(up.header("X-Seen-For").value_or("<absent>"), "203.0.113.9, 127.0.0.1");
  EXPECT_EQ(up.header("X-Seen-Uri").value_or("<absent>"), "/t");
}

}  // namespace
}  // namespace bridge::test
