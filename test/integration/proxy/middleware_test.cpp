// HTTP middlewares (Traefik's names and semantics) through a real `bridge up`, as a client and
// an upstream see them: CORS preflights answered by bridge and never forwarded, CORS fields
// and Vary merged into upstream responses, security headers (STS on HTTPS only), redirects,
// path rewrites the upstream receives, listener middlewares before route ones, ipAllowList's
// refusals (JSON and gRPC), chains, HTTP/2 clients, and the record, trace and metrics that say
// what each middleware did. Real peers: curl, the Beast test backend, an in-process recording
// upstream.
#include "middleware_fixture.hpp"
#include "recording_upstream.hpp"

#include <algorithm>

namespace bridge::test {
namespace {

// The CORS policy most tests use: one exact origin, a regex for subdomains, credentials.
constexpr const char* api_cors = R"toml(
[middlewares.api-cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]
accessControlAllowOriginListRegex = ["http://[a-z]+\\.localhost:3000"]
accessControlAllowMethods = ["GET", "PUT", "DELETE"]
accessControlAllowHeaders = ["Content-Type", "X-Token"]
accessControlExposeHeaders = ["X-Total"]
accessControlAllowCredentials = true
accessControlMaxAge = 600
addVaryHeader = true
)toml";

// Every value of the fields named `name`, in order.
std::vector<std::string> values(const HttpResponse& r, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : r.headers)
    if (lower(n) == lower(name)) out.push_back(v);
  return out;
}

class Middleware : public MiddlewareProxy {
 protected:
  static std::vector<std::string> preflight(const std::string& origin, const std::string& method,
                                            const std::string& headers = "") {
    std::vector<std::string> args = {"-X", "OPTIONS",
                                     "-H", "Origin: " + origin,
                                     "-H", "Access-Control-Request-Method: " + method};
    if (!headers.empty()) {
      args.push_back("-H");
      args.push_back("Access-Control-Request-Headers: " + headers);
    }
    return args;
  }
  static std::vector<std::string> with(std::vector<std::string> args, const std::string& url) {
    args.push_back(url);
    return args;
  }

  // The answer every allowed preflight gets from api_cors.
  void expect_preflight_answer(const HttpResponse& r, const std::string& origin) {
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or("<absent>"), origin);
    EXPECT_EQ(r.header("Access-Control-Allow-Credentials").value_or("<absent>"), "true");
    EXPECT_EQ(r.header("Access-Control-Allow-Methods").value_or("<absent>"), "GET,PUT,DELETE");
    EXPECT_EQ(r.header("Access-Control-Allow-Headers").value_or("<absent>"),
              "Content-Type,X-Token");
    EXPECT_EQ(r.header("Access-Control-Max-Age").value_or("<absent>"), "600");
    EXPECT_EQ(values(r, "Vary"), std::vector<std::string>{"Origin"});
    EXPECT_EQ(r.header("Server").value_or("<absent>"), "bridge");
    EXPECT_TRUE(std::regex_match(r.header("X-Request-ID").value_or(""), hex32))
        << r.header("X-Request-ID").value_or("<absent>");
    EXPECT_FALSE(r.header("Content-Length").has_value()) << "a 204 carries no Content-Length";
    EXPECT_FALSE(r.header("Transfer-Encoding").has_value());
    EXPECT_FALSE(r.header("Access-Control-Expose-Headers").has_value());
    EXPECT_EQ(r.body, "");
  }
};

// ---- CORS -----------------------------------------------------------------------------------

TEST_F(Middleware, PreflightIsAnsweredByBridgeAndNeverReachesTheUpstream) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/api`)", upstream.url(),
                                                  "middlewares = [\"api-cors\"]")));
  auto r = http(with(preflight("http://localhost:3000", "PUT", "content-type, x-token"),
                     url("/api/items/7")));
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_preflight_answer(r.response, "http://localhost:3000");
  EXPECT_EQ(upstream.count(), 0u) << "the preflight was forwarded: "
                                  << upstream.last().value_or(RecordedRequest{}).method;

  // The route itself forwards: an OPTIONS that is not a preflight, and the actual request.
  auto options = http({"-X", "OPTIONS", url("/api/items/7")});
  EXPECT_EQ(options.response.status, 200) << options.response.body;
  auto get = http({"-H", "Origin: http://localhost:3000", url("/api/items/7")});
  EXPECT_EQ(get.response.status, 200);
  EXPECT_EQ(get.response.body, "upstream api\n");
  ASSERT_EQ(upstream.count(), 2u);
  EXPECT_EQ(upstream.requests()[0].method, "OPTIONS");
  EXPECT_EQ(upstream.requests()[1].method, "GET");
}

// A 204 has no body: the connection goes on with the next request.
TEST_F(Middleware, PreflightKeepsTheConnectionForTheActualRequest) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/api`)", upstream.url(),
                                                  "middlewares = [\"api-cors\"]")));
  RawClient client(port_);
  ASSERT_TRUE(client.send("OPTIONS /api/items HTTP/1.1\r\nHost: " + host() +
                          "\r\nOrigin: http://localhost:3000\r\n"
                          "Access-Control-Request-Method: DELETE\r\n\r\n"));
  auto pre = client.read_response(5s);
  ASSERT_TRUE(pre.has_value()) << client.last_error();
  expect_preflight_answer(*pre, "http://localhost:3000");
  ASSERT_TRUE(client.send("DELETE /api/items HTTP/1.1\r\nHost: " + host() +
                          "\r\nOrigin: http://localhost:3000\r\n\r\n"));
  auto actual = client.read_response(5s);
  ASSERT_TRUE(actual.has_value()) << client.last_error();
  EXPECT_EQ(actual->status, 200);
  EXPECT_EQ(actual->body, "upstream api\n");
  EXPECT_EQ(actual->header("Access-Control-Allow-Origin").value_or("<absent>"),
            "http://localhost:3000");
  EXPECT_FALSE(client.peer_closed());
  ASSERT_EQ(upstream.count(), 1u);
  EXPECT_EQ(upstream.requests()[0].method, "DELETE");
}

TEST_F(Middleware, PreflightFromAnOriginTheRegexAllows) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/api`)", upstream.url(),
                                                  "middlewares = [\"api-cors\"]")));
  auto r = http(with(preflight("http://shop.localhost:3000", "GET"), url("/api/x")));
  expect_preflight_answer(r.response, "http://shop.localhost:3000");
  // The regex must match the whole origin.
  auto longer = http(with(preflight("http://shop.localhost:3000.evil.test", "GET"), url("/api/x")));
  EXPECT_EQ(longer.response.status, 204);
  EXPECT_FALSE(longer.response.header("Access-Control-Allow-Origin").has_value());
  EXPECT_EQ(upstream.count(), 0u);
}

TEST_F(Middleware, PreflightFromADisallowedOriginHasNoAllowOrigin) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/api`)", upstream.url(),
                                                  "middlewares = [\"api-cors\"]")));
  auto r = http(with(preflight("http://evil.test", "PUT"), url("/api/items")));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 204);
  EXPECT_FALSE(r.response.header("Access-Control-Allow-Origin").has_value())
      << r.response.header("Access-Control-Allow-Origin").value_or("");
  EXPECT_EQ(r.response.header("Access-Control-Allow-Methods").value_or("<absent>"),
            "GET,PUT,DELETE");
  EXPECT_EQ(upstream.count(), 0u);
}

TEST_F(Middleware, ActualRequestGetsCorsFieldsAndVaryMergedWithTheUpstreams) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/`)", backend_.url(),
                                                  "middlewares = [\"api-cors\"]")));
  // The upstream varies by Accept-Encoding: both stay.
  auto r = http({"-H", "Origin: http://localhost:3000", url("/vary/Accept-Encoding")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  EXPECT_EQ(r.response.header("Access-Control-Allow-Origin").value_or("<absent>"),
            "http://localhost:3000");
  EXPECT_EQ(r.response.header("Access-Control-Allow-Credentials").value_or("<absent>"), "true");
  EXPECT_EQ(r.response.header("Access-Control-Expose-Headers").value_or("<absent>"), "X-Total");
  EXPECT_FALSE(r.response.header("Access-Control-Allow-Methods").has_value());
  EXPECT_FALSE(r.response.header("Access-Control-Max-Age").has_value());
  EXPECT_EQ(values(r.response, "Vary"), (std::vector<std::string>{"Accept-Encoding", "Origin"}));
  // The upstream lists Origin already: not twice.
  auto listed = http({"-H", "Origin: http://localhost:3000", url("/vary/Accept-Encoding,origin")});
  EXPECT_EQ(values(listed.response, "Vary"), std::vector<std::string>{"Accept-Encoding,origin"});
  // No Vary from the upstream: bridge's alone.
  auto plain = http({"-H", "Origin: http://localhost:3000", url("/plain")});
  EXPECT_EQ(values(plain.response, "Vary"), std::vector<std::string>{"Origin"});
  // The request went up as the client sent it.
  EXPECT_EQ(backend_value(parse_json(plain.response.body), "Origin"), "http://localhost:3000");
  // Without an Origin: no CORS fields at all.
  auto none = http({url("/vary/Accept-Encoding")});
  EXPECT_FALSE(none.response.header("Access-Control-Allow-Origin").has_value());
  EXPECT_EQ(values(none.response, "Vary"), std::vector<std::string>{"Accept-Encoding"});
}

TEST_F(Middleware, ActualRequestFromADisallowedOriginGetsNoAllowOrigin) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(std::string(api_cors) + route("api", "PathPrefix(`/`)", backend_.url(),
                                                  "middlewares = [\"api-cors\"]")));
  auto r = http({"-H", "Origin: http://evil.test", url("/data")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  EXPECT_FALSE(r.response.header("Access-Control-Allow-Origin").has_value());
  EXPECT_FALSE(r.response.header("Access-Control-Allow-Credentials").has_value());
  EXPECT_FALSE(r.response.header("Access-Control-Expose-Headers").has_value());
  EXPECT_EQ(values(r.response, "Vary"), std::vector<std::string>{"Origin"});
}

TEST_F(Middleware, WildcardOrigin) {
  ASSERT_TRUE(start("[middlewares.open.headers]\naccessControlAllowOriginList = [\"*\"]\n"
                    "accessControlAllowMethods = [\"GET\"]\n\n" +
                    route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"open\"]")));
  auto pre = http(with(preflight("http://anyone.test", "GET"), url("/x")));
  EXPECT_EQ(pre.response.status, 204);
  EXPECT_EQ(pre.response.header("Access-Control-Allow-Origin").value_or("<absent>"), "*");
  EXPECT_FALSE(pre.response.header("Access-Control-Allow-Credentials").has_value());
  auto get = http({"-H", "Origin: http://anyone.test", url("/x")});
  EXPECT_EQ(get.response.status, 200);
  EXPECT_EQ(get.response.header("Access-Control-Allow-Origin").value_or("<absent>"), "*");
}

TEST_F(Middleware, Http2ClientsGetTheSamePreflightAnswer) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(
      start(tls_listener() + std::string(api_cors) +
            route("api", "PathPrefix(`/api`)", upstream.url(), "middlewares = [\"api-cors\"]")));
  auto prior = h2(with(preflight("http://localhost:3000", "PUT", "X-Token"), url("/api/items")));
  ASSERT_EQ(prior.exit, 0) << prior.err;
  EXPECT_EQ(prior.response.version, "HTTP/2");
  expect_preflight_answer(prior.response, "http://localhost:3000");

  auto over_tls = preflight("http://localhost:3000", "PUT");
  over_tls.insert(over_tls.end(), {"-k", tls_url("/api/items")});
  auto tls = h2(over_tls, "--http2");  // ALPN h2
  ASSERT_EQ(tls.exit, 0) << tls.err;
  EXPECT_EQ(tls.response.version, "HTTP/2");
  expect_preflight_answer(tls.response, "http://localhost:3000");
  EXPECT_EQ(upstream.count(), 0u);

  // The actual request over HTTP/2 gets its fields on the way back too.
  auto get = h2({"-H", "Origin: http://localhost:3000", url("/api/items")});
  EXPECT_EQ(get.response.status, 200);
  EXPECT_EQ(get.response.header("access-control-allow-origin").value_or("<absent>"),
            "http://localhost:3000");
  EXPECT_EQ(values(get.response, "vary"), std::vector<std::string>{"Origin"});
  EXPECT_EQ(upstream.count(), 1u);
}

// ---- custom and security headers ------------------------------------------------------------

TEST_F(Middleware, CustomRequestAndResponseHeaders) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(R"toml(
[middlewares.custom.headers]
customRequestHeaders = { "X-Env" = "dev", "X-Debug" = "" }
customResponseHeaders = { "X-Served-By" = "bridge-mw", "X-Backend-Secret" = "" }
)toml" + route("all", "PathPrefix(`/`)", backend_.url(), "middlewares = [\"custom\"]")));
  auto r = http({"-H", "X-Debug: 1", "-H", "X-Env: client", "-H", "X-Kept: yes", url("/h")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(backend_values(echo, "X-Env"), std::vector<std::string>{"dev"});
  EXPECT_TRUE(backend_values(echo, "X-Debug").empty());
  EXPECT_EQ(backend_value(echo, "X-Kept"), "yes");
  EXPECT_EQ(values(r.response, "X-Served-By"), std::vector<std::string>{"bridge-mw"});
  EXPECT_FALSE(r.response.header("X-Backend-Secret").has_value());
  EXPECT_TRUE(r.response.header("X-Backend-Connection").has_value());
}

constexpr const char* secure_headers = R"toml(
[middlewares.secure.headers]
stsSeconds = 31536000
stsIncludeSubdomains = true
frameDeny = true
contentTypeNosniff = true
browserXssFilter = true
contentSecurityPolicy = "default-src 'self'"
referrerPolicy = "no-referrer"
permissionsPolicy = "camera=()"
)toml";

TEST_F(Middleware, SecurityHeadersAndStrictTransportSecurityOnlyOverHttps) {
  ASSERT_TRUE(
      start(tls_listener() + secure_headers +
            route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"secure\"]")));
  auto plain = http({url("/page")});
  ASSERT_EQ(plain.response.status, 200) << plain.err;
  EXPECT_EQ(plain.response.header("X-Frame-Options").value_or("<absent>"), "DENY");
  EXPECT_EQ(plain.response.header("X-Content-Type-Options").value_or("<absent>"), "nosniff");
  EXPECT_EQ(plain.response.header("X-XSS-Protection").value_or("<absent>"), "1; mode=block");
  EXPECT_EQ(plain.response.header("Content-Security-Policy").value_or("<absent>"),
            "default-src 'self'");
  EXPECT_EQ(plain.response.header("Referrer-Policy").value_or("<absent>"), "no-referrer");
  EXPECT_EQ(plain.response.header("Permissions-Policy").value_or("<absent>"), "camera=()");
  EXPECT_FALSE(plain.response.header("Strict-Transport-Security").has_value())
      << "STS over plain HTTP";

  auto secure = http({"-k", tls_url("/page")});
  ASSERT_EQ(secure.exit, 0) << secure.err;
  EXPECT_EQ(secure.response.status, 200);
  EXPECT_EQ(secure.response.header("Strict-Transport-Security").value_or("<absent>"),
            "max-age=31536000; includeSubDomains");
  EXPECT_EQ(secure.response.header("X-Frame-Options").value_or("<absent>"), "DENY");
}

TEST_F(Middleware, ForceStsHeaderSendsItOverPlainHttp) {
  ASSERT_TRUE(start("[middlewares.sts.headers]\nstsSeconds = 60\nforceSTSHeader = true\n\n" +
                    route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"sts\"]")));
  auto r = http({url("/")});
  EXPECT_EQ(r.response.header("Strict-Transport-Security").value_or("<absent>"), "max-age=60");
}

TEST_F(Middleware, AllowedHostsRefuseOtherHostsWithBridgesError) {
  ASSERT_TRUE(
      start("[middlewares.hosts.headers]\nallowedHosts = [\"app.localhost\"]\n\n" +
            route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"hosts\"]")));
  auto ok = http({"-H", "Host: app.localhost", url("/")});
  EXPECT_EQ(ok.response.status, 200) << ok.response.body;
  auto bad = http({"-H", "Host: evil.test", url("/")});
  expect_error(bad.response, 500, "headers");
  json body = parse_json(bad.response.body);
  EXPECT_EQ(body.value("message", ""), "host evil.test is not in allowedHosts");
  EXPECT_EQ(body.value("hint", ""),
            "the middleware \"hosts\" (headers) answered; bridge route test shows why");
}

// ---- redirects ------------------------------------------------------------------------------

TEST_F(Middleware, RedirectSchemeToTheHttpsListener) {
  const std::string tls_port = std::to_string(tls_port_);
  ASSERT_TRUE(
      start(tls_listener() +
            "[middlewares.to-https.redirectScheme]\nscheme = \"https\"\n"
            "port = \"" +
            tls_port + "\"\n\n" +
            route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"to-https\"]")));
  auto get = http({url("/a/b?x=1&y=2")});
  ASSERT_EQ(get.exit, 0) << get.err;
  EXPECT_EQ(get.response.status, 302);
  EXPECT_EQ(get.response.header("Location").value_or("<absent>"),
            "https://127.0.0.1:" + tls_port + "/a/b?x=1&y=2");
  EXPECT_EQ(get.response.header("Content-Length").value_or("<absent>"), "0");
  EXPECT_EQ(get.response.body, "");
  EXPECT_EQ(get.response.header("Server").value_or("<absent>"), "bridge");
  EXPECT_TRUE(get.response.header("X-Request-ID").has_value());
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    auto other = http({"-X", method, "--data-binary", "body", url("/form")});
    EXPECT_EQ(other.response.status, 307) << method;
    EXPECT_EQ(other.response.header("Location").value_or("<absent>"),
              "https://127.0.0.1:" + tls_port + "/form")
        << method;
  }
  // Followed, it arrives where the middleware passes.
  auto redirect = http({url("/a?z=1")});
  const std::string location = redirect.response.header("Location").value_or("<absent>");
  EXPECT_EQ(location, "https://127.0.0.1:" + tls_port + "/a?z=1");
  auto followed = http({"-k", location});
  ASSERT_EQ(followed.exit, 0) << followed.err;
  EXPECT_EQ(followed.response.status, 200) << followed.response.body;
  json echo = parse_json(followed.response.body);
  EXPECT_EQ(echo.value("path", ""), "/a");
  EXPECT_EQ(echo.value("query", ""), "z=1");
}

TEST_F(Middleware, PermanentRedirectScheme) {
  ASSERT_TRUE(
      start("[middlewares.to-https.redirectScheme]\nscheme = \"https\"\npermanent = true\n\n" +
            route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"to-https\"]")));
  auto get = http({url("/p")});
  EXPECT_EQ(get.response.status, 301);
  EXPECT_EQ(get.response.header("Location").value_or("<absent>"), "https://127.0.0.1/p");
  auto post = http({"-X", "POST", "--data-binary", "x", url("/p")});
  EXPECT_EQ(post.response.status, 308);
}

TEST_F(Middleware, RedirectRegex) {
  ASSERT_TRUE(start(R"toml(
[middlewares.moved.redirectRegex]
regex = "^http://([^/]+)/old/(.*)"
replacement = "http://$${1}/new/$2"
)toml" + route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"moved\"]")));
  auto r = http({url("/old/items/7?full=1")});
  EXPECT_EQ(r.response.status, 302);
  EXPECT_EQ(r.response.header("Location").value_or("<absent>"),
            "http://" + host() + "/new/items/7?full=1");
  auto passes = http({url("/new/items/7")});
  EXPECT_EQ(passes.response.status, 200);
  EXPECT_EQ(parse_json(passes.response.body).value("path", ""), "/new/items/7");
}

// ---- path rewrites --------------------------------------------------------------------------

TEST_F(Middleware, StripPrefixTellsTheUpstreamWhatItStripped) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(
      start("[middlewares.strip.stripPrefix]\nprefixes = [\"/api\"]\n\n" +
            route("api", "PathPrefix(`/api`)", backend_.url(), "middlewares = [\"strip\"]")));
  auto r = http({url("/api/users?x=1")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("target", ""), "/users?x=1");
  EXPECT_EQ(backend_values(echo, "X-Forwarded-Prefix"), std::vector<std::string>{"/api"});
  auto root = http({url("/api")});
  EXPECT_EQ(parse_json(root.response.body).value("target", ""), "/");
}

TEST_F(Middleware, ReplacePathAndAddPrefix) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(R"toml(
[middlewares.health.replacePath]
path = "/healthz"

[middlewares.v2.replacePathRegex]
regex = "^/api/(.*)"
replacement = "/v2/$1"

[middlewares.internal.addPrefix]
prefix = "/internal"
)toml" + route("health", "Path(`/status`)", backend_.url(), "middlewares = [\"health\"]") +
                    route("api", "PathPrefix(`/api`)", backend_.url(),
                          "middlewares = [\"v2\", \"internal\"]")));
  auto health = http({url("/status?verbose=1")});
  json echo = parse_json(health.response.body);
  EXPECT_EQ(echo.value("target", ""), "/healthz?verbose=1");
  EXPECT_EQ(backend_values(echo, "X-Replaced-Path"), std::vector<std::string>{"/status"});
  auto api = http({url("/api/users/7?x=1")});
  echo = parse_json(api.response.body);
  EXPECT_EQ(echo.value("target", ""), "/internal/v2/users/7?x=1");
  EXPECT_EQ(backend_values(echo, "X-Replaced-Path"), std::vector<std::string>{"/api/users/7"});
}

// A route's own strip_prefix and header sets apply after its middlewares.
TEST_F(Middleware, RouteRewritesAndHeaderSetsApplyAfterTheMiddlewares) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]

[middlewares.custom.headers]
customRequestHeaders = { "X-Env" = "middleware" }
customResponseHeaders = { "X-Served-By" = "middleware", "X-Only-Mw" = "yes" }
)toml" + route("api", "PathPrefix(`/api`)", backend_.url(),
               "middlewares = [\"strip\", \"custom\"]\n"
               "strip_prefix = \"/v1\"\n"
               "request_headers = { set = { \"X-Env\" = \"route\" } }\n"
               "response_headers = { set = { \"X-Served-By\" = "
               "\"route\" } }")));
  auto r = http({url("/api/v1/users?x=1")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("target", ""), "/users?x=1");
  EXPECT_EQ(backend_values(echo, "X-Forwarded-Prefix"), std::vector<std::string>{"/v1"});
  EXPECT_EQ(backend_values(echo, "X-Env"), std::vector<std::string>{"route"});
  EXPECT_EQ(values(r.response, "X-Served-By"), std::vector<std::string>{"route"});
  EXPECT_EQ(values(r.response, "X-Only-Mw"), std::vector<std::string>{"yes"});
}

// ---- listener middlewares -------------------------------------------------------------------

TEST_F(Middleware, ListenerMiddlewaresRunBeforeTheRoutes) {
  ASSERT_TRUE(start_backend());
  const uint16_t other_port = free_port();
  const std::string other_listener =
      "[[listeners]]\nname = \"other\"\nbind = \"127.0.0.1:" + std::to_string(other_port) + "\"\n";
  ASSERT_TRUE(start_full(full_config("middlewares = [\"l-prefix\", \"l-header\"]",
                                     other_listener + R"toml(
[middlewares.l-prefix.addPrefix]
prefix = "/l"

[middlewares.l-header.headers]
customRequestHeaders = { "X-Order" = "listener", "X-Listener" = "web" }

[middlewares.r-prefix.addPrefix]
prefix = "/r"

[middlewares.r-header.headers]
customRequestHeaders = { "X-Order" = "route" }
)toml" +
                                         route("all", "PathPrefix(`/`)", backend_.url(),
                                               "middlewares = [\"r-prefix\", \"r-header\"]"))));
  auto r = http({url("/x?q=1")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("target", ""), "/r/l/x?q=1");
  EXPECT_EQ(backend_values(echo, "X-Order"), std::vector<std::string>{"route"});
  EXPECT_EQ(backend_values(echo, "X-Listener"), std::vector<std::string>{"web"});

  // The other listener has none of its own: only the route's.
  ASSERT_TRUE(wait_for_port(other_port, 5s));
  auto other = http({"http://127.0.0.1:" + std::to_string(other_port) + "/x?q=1"});
  ASSERT_EQ(other.response.status, 200) << other.err << other.response.body;
  echo = parse_json(other.response.body);
  EXPECT_EQ(echo.value("target", ""), "/r/x?q=1");
  EXPECT_TRUE(backend_values(echo, "X-Listener").empty());
}

TEST_F(Middleware, AListenerMiddlewareThatAnswersStopsTheRoutes) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_full(full_config("middlewares = [\"office\"]", R"toml(
[middlewares.office.ipAllowList]
sourceRange = ["10.0.0.0/8"]

[middlewares.cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]
)toml" + route("all", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"cors\"]"))));
  auto pre = http(with(preflight("http://localhost:3000", "GET"), url("/x")));
  EXPECT_EQ(pre.response.status, 403) << pre.response.body;
  EXPECT_EQ(upstream.count(), 0u);
}

// ---- ipAllowList ----------------------------------------------------------------------------

TEST_F(Middleware, IpAllowListRefusesWithBridgesJsonError) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start("[middlewares.office.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n\n" +
                    route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"office\"]")));
  auto r = http({url("/secret")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 403, "ipAllowList");
  const std::string id = r.response.header("X-Request-ID").value_or("");
  EXPECT_EQ(
      parse_json(r.response.body),
      json({{"error", "ipAllowList"},
            {"status", 403},
            {"message", "127.0.0.1 is not allowed by \"office\" (not in sourceRange)"},
            {"request_id", id},
            {"hint", "the middleware \"office\" (ipAllowList) answered; bridge route test shows "
                     "why"}}))
      << r.response.body;
  EXPECT_EQ(upstream.count(), 0u);
}

TEST_F(Middleware, IpAllowListRejectStatusCodeAndIpStrategy) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(
      start(R"toml(
[middlewares.hidden.ipAllowList]
sourceRange = ["10.0.0.0/8"]
rejectStatusCode = 404

[middlewares.behind-lb.ipAllowList]
sourceRange = ["203.0.113.0/24"]
ipStrategy = { depth = 1 }
)toml" + route("hidden", "PathPrefix(`/hidden`)", upstream.url(), "middlewares = [\"hidden\"]") +
            route("lb", "PathPrefix(`/lb`)", upstream.url(), "middlewares = [\"behind-lb\"]")));
  auto hidden = http({url("/hidden")});
  expect_error(hidden.response, 404, "ipAllowList");
  // depth 1: the address the last proxy added, the rightmost of X-Forwarded-For.
  auto allowed = http({"-H", "X-Forwarded-For: 198.51.100.1, 203.0.113.9", url("/lb")});
  EXPECT_EQ(allowed.response.status, 200) << allowed.response.body;
  auto refused = http({"-H", "X-Forwarded-For: 203.0.113.9, 198.51.100.1", url("/lb")});
  expect_error(refused.response, 403, "ipAllowList");
  EXPECT_EQ(parse_json(refused.response.body).value("message", ""),
            "198.51.100.1 is not allowed by \"behind-lb\" (not in sourceRange)");
  EXPECT_EQ(upstream.count(), 1u);
}

TEST_F(Middleware, IpAllowListRefusesAGrpcCallWithPermissionDenied) {
  ASSERT_TRUE(start(
      "[middlewares.office.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n\n" +
      route("grpc", "PathPrefix(`/test.Echo/`)", "builtin://echo", "middlewares = [\"office\"]")));
  auto r = h2({"-H", "content-type: application/grpc", "-H", "te: trailers", "--data-binary", "",
               url("/test.Echo/Unary")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.header("content-type").value_or("<absent>"), "application/grpc");
  EXPECT_EQ(r.response.header("grpc-status").value_or("<absent>"), "7");
  const std::string id = r.response.header("x-request-id").value_or("<absent>");
  EXPECT_EQ(
      r.response.header("grpc-message").value_or("<absent>"),
      "ipAllowList: 127.0.0.1 is not allowed by \"office\" (not in sourceRange) (request id " + id +
          ")");
}

// ---- chain ----------------------------------------------------------------------------------

TEST_F(Middleware, AChainRunsItsMembersInOrder) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(std::string(api_cors) + R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]

[middlewares.api.chain]
middlewares = ["api-cors", "strip"]
)toml" + route("api", "PathPrefix(`/api`)", backend_.url(), "middlewares = [\"api\"]")));
  auto pre = http(with(preflight("http://localhost:3000", "PUT"), url("/api/items")));
  expect_preflight_answer(pre.response, "http://localhost:3000");
  auto get = http({"-H", "Origin: http://localhost:3000", url("/api/items?page=2")});
  ASSERT_EQ(get.response.status, 200) << get.err << get.response.body;
  EXPECT_EQ(parse_json(get.response.body).value("target", ""), "/items?page=2");
  EXPECT_EQ(get.response.header("Access-Control-Allow-Origin").value_or("<absent>"),
            "http://localhost:3000");
}

// ---- records, trace and metrics -------------------------------------------------------------

TEST_F(Middleware, TheRecordTraceAndMetricsSayWhatEachMiddlewareDid) {
  ASSERT_TRUE(start_backend());
  const std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start_with_admin(std::string(api_cors) + R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]
)toml" +
                                   route("api", "PathPrefix(`/api`)", backend_.url(),
                                         "middlewares = [\"strip\", \"api-cors\"]"),
                               log));
  auto pre = http(with(preflight("http://localhost:3000", "PUT"), url("/api/items")));
  ASSERT_EQ(pre.response.status, 204) << pre.err << pre.response.body;
  const std::string pre_id = pre.response.header("X-Request-ID").value_or("");
  json rec = record(pre_id);
  EXPECT_EQ(rec.value("status", 0), 204) << rec.dump();
  ASSERT_TRUE(rec.contains("middlewares")) << rec.dump();
  ASSERT_EQ(rec["middlewares"].size(), 2u) << rec["middlewares"].dump();
  json strip = rec["middlewares"][0];
  EXPECT_EQ(strip.value("name", ""), "strip");
  EXPECT_EQ(strip.value("type", ""), "stripPrefix");
  EXPECT_EQ(strip.value("outcome", ""), "passed");
  EXPECT_EQ(strip.value("detail", ""), "path /api/items → /items");
  json cors = rec["middlewares"][1];
  EXPECT_EQ(cors.value("name", ""), "api-cors");
  EXPECT_EQ(cors.value("type", ""), "headers");
  EXPECT_EQ(cors.value("outcome", ""), "answered");
  EXPECT_EQ(cors.value("detail", ""),
            "preflight from http://localhost:3000 answered 204 (origin matched "
            "accessControlAllowOriginList[0])");
  ASSERT_TRUE(cors.contains("ms") && cors["ms"].is_number()) << cors.dump();
  EXPECT_GE(cors["ms"].get<double>(), 0.0);

  auto evil = http({"-H", "Origin: http://evil.test", url("/api/items")});
  ASSERT_EQ(evil.response.status, 200) << evil.response.body;
  json evil_rec = record(evil.response.header("X-Request-ID").value_or(""));
  ASSERT_EQ(evil_rec["middlewares"].size(), 2u) << evil_rec.dump();
  EXPECT_EQ(evil_rec["middlewares"][1].value("outcome", ""), "passed");
  EXPECT_EQ(evil_rec["middlewares"][1].value("detail", ""),
            "origin http://evil.test not allowed (not in accessControlAllowOriginList or "
            "accessControlAllowOriginListRegex): no Access-Control-Allow-Origin will be sent");

  // `bridge trace show --json` shows the same steps.
  auto show = run_bridge({"trace", "show", pre_id, "--json", "--admin", admin(), "--config-dir",
                          bridge_.config_dir()});
  ASSERT_EQ(show.status, 0) << show.err;
  json shown = parse_json(show.out);
  EXPECT_EQ(shown["middlewares"], rec["middlewares"]) << show.out;
  auto words = run_bridge(
      {"trace", "show", pre_id, "--admin", admin(), "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(words.status, 0) << words.err;
  const int heading = line_number(words.out, "middlewares");
  ASSERT_GT(heading, 0) << words.out;
  for (const char* expected :
       {"strip", "stripPrefix", "passed", "path /api/items → /items", "api-cors", "answered",
        "preflight from http://localhost:3000 answered 204 (origin matched "
        "accessControlAllowOriginList[0])"}) {
    EXPECT_NE(words.out.find(expected), std::string::npos) << expected << " in:\n" << words.out;
  }

  // One series per middleware and outcome.
  auto metrics = curl({"-s", admin() + "/metrics"});
  ASSERT_EQ(metrics.status, 0) << metrics.err;
  for (const char* line :
       {"bridge_middleware_requests_total{middleware=\"api-cors\",type=\"headers\","
        "outcome=\"answered\"} 1\n",
        "bridge_middleware_requests_total{middleware=\"api-cors\",type=\"headers\","
        "outcome=\"passed\"} 1\n",
        "bridge_middleware_requests_total{middleware=\"strip\",type=\"stripPrefix\","
        "outcome=\"passed\"} 2\n"}) {
    EXPECT_NE(metrics.out.find(line), std::string::npos) << line << "\n" << metrics.out;
  }
  EXPECT_EQ(metrics.out.find("middleware=\"strip\",type=\"stripPrefix\",outcome=\"answered\""),
            std::string::npos)
      << metrics.out;

  // The access log line keeps its shape.
  json entry = access_log_entry(log, pre_id);
  EXPECT_EQ(entry.value("status", 0), 204) << entry.dump();
  EXPECT_EQ(entry.value("route", ""), "api") << entry.dump();
  EXPECT_EQ(entry.value("upstream", ""), "answered by api-cors") << entry.dump();
  EXPECT_FALSE(entry.contains("middlewares")) << entry.dump();
}

// ---- bridge route test: the same middlewares as a dry run ----------------------------------

TEST_F(Middleware, RouteTestShowsAPreflightAnsweredByTheMiddleware) {
  bridge_.write_config(full_config("", std::string(api_cors) + R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]
)toml" +
                                           route("api", "PathPrefix(`/api`)", "http://127.0.0.1:9",
                                                 "middlewares = [\"strip\", \"api-cors\"]")));
  auto r = run_bridge({"route", "test", "-X", "OPTIONS", "--origin", "http://localhost:3000",
                       url("/api/items"), "-H", "Access-Control-Request-Method: PUT", "--json",
                       "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json plan = parse_json(r.out);
  EXPECT_EQ(plan.value("winner", ""), "api") << r.out;
  ASSERT_TRUE(plan.contains("answered")) << r.out;
  EXPECT_EQ(plan["answered"].value("by", ""), "api-cors");
  EXPECT_EQ(plan["answered"].value("status", 0), 204);
  const json expected_headers = json::array(
      {json::array({"Access-Control-Allow-Credentials", "true"}),
       json::array({"Access-Control-Allow-Headers", "Content-Type,X-Token"}),
       json::array({"Access-Control-Allow-Methods", "GET,PUT,DELETE"}),
       json::array({"Access-Control-Allow-Origin", "http://localhost:3000"}),
       json::array({"Access-Control-Max-Age", "600"}), json::array({"Vary", "Origin"})});
  EXPECT_EQ(plan["answered"]["headers"], expected_headers) << r.out;
  EXPECT_FALSE(plan.contains("upstream_request")) << "an answered request goes nowhere: " << r.out;
  ASSERT_EQ(plan["middlewares"].size(), 2u) << r.out;
  EXPECT_EQ(plan["middlewares"][0], json({{"name", "strip"},
                                          {"type", "stripPrefix"},
                                          {"outcome", "passed"},
                                          {"detail", "path /api/items → /items"}}));
  EXPECT_EQ(plan["middlewares"][1].value("outcome", ""), "answered");
  EXPECT_EQ(plan["middlewares"][1].value("detail", ""),
            "preflight from http://localhost:3000 answered 204 (origin matched "
            "accessControlAllowOriginList[0])");

  // In words, the answer is named and the upstream left out.
  auto text = run_bridge({"route", "test", "-X", "OPTIONS", "--origin", "http://localhost:3000",
                          url("/api/items"), "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(text.status, 0) << text.out << text.err;
  for (const char* expected : {"middlewares:", "strip (stripPrefix)", "api-cors (headers)",
                               "answered by api-cors: 204 No Content (not forwarded)",
                               "Access-Control-Allow-Origin: http://localhost:3000"}) {
    EXPECT_NE(text.out.find(expected), std::string::npos) << expected << " in:\n" << text.out;
  }
  EXPECT_EQ(text.out.find("upstream request"), std::string::npos) << text.out;
}

TEST_F(Middleware, RouteTestShowsTheUpstreamRequestAndResponseChanges) {
  bridge_.write_config(full_config("", std::string(api_cors) + R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]
)toml" +
                                           route("api", "PathPrefix(`/api`)", "http://127.0.0.1:9",
                                                 "middlewares = [\"strip\", \"api-cors\"]")));
  auto r = run_bridge({"route", "test", "--origin", "http://localhost:3000", url("/api/items?p=2"),
                       "--json", "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json plan = parse_json(r.out);
  EXPECT_FALSE(plan.contains("answered")) << r.out;
  EXPECT_EQ(plan["upstream_request"].value("target", ""), "/items?p=2") << r.out;
  bool prefix = false;
  for (const auto& pair : plan["upstream_request"]["headers_added"])
    prefix = prefix || pair == json::array({"X-Forwarded-Prefix", "/api"});
  EXPECT_TRUE(prefix) << r.out;
  EXPECT_EQ(
      plan["response_changes"],
      json({"+ Access-Control-Allow-Origin: http://localhost:3000",
            "+ Access-Control-Allow-Credentials: true", "+ Access-Control-Expose-Headers: X-Total",
            "+ Vary: Origin (unless the upstream's Vary lists it)"}))
      << r.out;
}

TEST_F(Middleware, RouteTestShowsWhyIpAllowListRefuses) {
  bridge_.write_config(full_config(
      "", "[middlewares.office.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n\n" +
              route("api", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"office\"]")));
  auto r =
      run_bridge({"route", "test", url("/secret"), "--json", "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json plan = parse_json(r.out);
  ASSERT_TRUE(plan.contains("answered")) << r.out;
  EXPECT_EQ(plan["answered"].value("by", ""), "office");
  EXPECT_EQ(plan["answered"].value("status", 0), 403);
  EXPECT_EQ(plan["answered"].value("message", ""),
            "127.0.0.1 is not allowed by \"office\" (not in sourceRange)");
  EXPECT_EQ(plan["middlewares"][0].value("detail", ""),
            "127.0.0.1 (peer) is not in sourceRange → 403");
}

// ---- Traefik's own configuration ([[sources]]) -----------------------------------------------

// A file-provider YAML a team already has, named by the profile and nothing more: its router
// serves through its middlewares to its service, `route list` shows it under Traefik's name,
// and an edit to the YAML reloads bridge like an edit to a profile.
TEST_F(Middleware, ATraefikFileProviderConfigServesAsItIs) {
  RecordingUpstream upstream("api");
  const std::string yaml = R"yaml(http:
  routers:
    api:
      rule: "PathPrefix(`/api`)"
      entryPoints: [web]
      middlewares: [strip-api, tagged]
      service: api
  middlewares:
    strip-api:
      stripPrefix:
        prefixes: ["/api"]
    tagged:
      headers:
        customResponseHeaders:
          X-Served-From: "VERSION"
  services:
    api:
      loadBalancer:
        servers:
          - url: "UPSTREAM"
)yaml";
  auto write_yaml = [&](const std::string& version) {
    std::string text = yaml;
    text.replace(text.find("VERSION"), 7, version);
    text.replace(text.find("UPSTREAM"), 8, upstream.url());
    write_file_atomic(bridge_.config_dir() + "/traefik/dynamic.yml", text);
  };
  write_yaml("traefik-file v1");
  ASSERT_TRUE(
      start_full(full_config("", "[[sources]]\ntype = \"traefik-file\"\npath = \"traefik\"\n")));
  auto r = http({url("/api/orders?id=7")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(r.response.header("X-Served-From").value_or("<absent>"), "traefik-file v1");
  ASSERT_TRUE(upstream.last().has_value());
  EXPECT_EQ(upstream.last()->target, "/orders?id=7");

  auto list = run_bridge({"route", "list", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("api@file is the Traefik router \"api\" of " + bridge_.config_dir() +
                          "/traefik/dynamic.yml:3:5"),
            std::string::npos)
      << list.out;

  write_yaml("traefik-file v2");
  std::string seen;
  for (auto deadline = Clock::now() + 10s; Clock::now() < deadline;) {
    seen = http({url("/api/orders")}).response.header("X-Served-From").value_or("");
    if (seen == "traefik-file v2") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(seen, "traefik-file v2") << bridge_.output();
}

// Traefik's canary: a weighted service (3:1) over two loadBalancers and a TCP-free file. bridge
// sends 3 of every 4 requests to v1, interleaved.
TEST_F(Middleware, ATraefikWeightedServiceSplitsRequestsByWeight) {
  RecordingUpstream v1("v1"), v2("v2");
  write_file(bridge_.config_dir() + "/traefik/canary.yml",
             "http:\n  routers:\n    app:\n      rule: \"PathPrefix(`/`)\"\n      service: app\n"
             "  services:\n    app:\n      weighted:\n        services:\n"
             "          - name: v1\n            weight: 3\n          - name: v2\n"
             "            weight: 1\n"
             "    v1:\n      loadBalancer:\n        servers:\n          - url: \"" +
                 v1.url() +
                 "\"\n"
                 "    v2:\n      loadBalancer:\n        servers:\n          - url: \"" +
                 v2.url() + "\"\n");
  ASSERT_TRUE(
      start_full(full_config("", "[[sources]]\ntype = \"traefik-file\"\npath = \"traefik\"\n")));
  for (int i = 0; i < 40; ++i) ASSERT_EQ(http({url("/")}).response.status, 200);
  EXPECT_EQ(v1.count(), 30u);
  EXPECT_EQ(v2.count(), 10u);
}

// ---- config errors --------------------------------------------------------------------------

TEST_F(Middleware, ConfigCheckPointsAtAnUnsupportedMiddleware) {
  bridge_.write_config(full_config(
      "", "[middlewares.auth.plugin.demo]\nheaderName = \"X-Demo\"\n\n" +
              route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"auth\"]")));
  const std::string text = read_file(bridge_.config_dir() + "/dev.toml");
  const int line = line_number(text, "[middlewares.auth.plugin.demo]");
  ASSERT_GT(line, 0) << text;
  auto check = run_bridge({"config", "check", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(check.status, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("dev.toml:" + std::to_string(line) + ":19"), std::string::npos)
      << check.err;
  EXPECT_NE(check.err.find("middlewares.auth: bridge does not run the Traefik middleware "
                           "\"plugin\" yet"),
            std::string::npos)
      << check.err;
  // `bridge up` refuses it the same way.
  bridge_.spawn();
  auto exit = bridge_.process().wait_exit(10s);
  ASSERT_TRUE(exit.has_value()) << "bridge up started with an unsupported middleware";
  EXPECT_NE(*exit, 0);
  EXPECT_NE(bridge_.output().find("bridge does not run the Traefik middleware \"plugin\" yet"),
            std::string::npos)
      << bridge_.output();
}

TEST_F(Middleware, ConfigCheckNamesAnUnknownMiddlewareOfARoute) {
  bridge_.write_config(
      full_config("", std::string(api_cors) + route("api", "PathPrefix(`/`)", "builtin://echo",
                                                    "middlewares = [\"api-corz\"]")));
  auto check = run_bridge({"config", "check", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(check.status, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("route \"api\": unknown middleware \"api-corz\""), std::string::npos)
      << check.err;
  EXPECT_NE(check.err.find("did you mean \"api-cors\"?"), std::string::npos) << check.err;
}

}  // namespace
}  // namespace bridge::test
