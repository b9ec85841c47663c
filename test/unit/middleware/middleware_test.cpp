// HTTP middlewares as pure code: configs written as TOML (Traefik's names), loaded by
// config::load, compiled by middleware::Set and run on a request, with what each one did
// asserted as the proxy applies it: field edits each way, the target, answers and the words
// the records show.
#include "config/config.hpp"
#include "fixture.hpp"
#include "middleware/detail/kinds.hpp"
#include "middleware/detail/password.hpp"
#include "middleware/detail/source.hpp"
#include "middleware/middleware.hpp"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bridge::middleware {
namespace {

using namespace test_support;

// ---- headers: custom fields -----------------------------------------------------------------

TEST_F(Middlewares, CustomRequestAndResponseHeadersSetAndRemoveInConfigOrder) {
  ASSERT_TRUE(load(R"toml(
[middlewares.custom.headers]
customRequestHeaders = { "X-Env" = "dev", "X-Debug" = "", "X-Script-Name" = "/app" }
customResponseHeaders = { "X-Served-By" = "bridge", "Server" = "" }
)toml"));
  const Effects& fx = run_on("custom", request("GET", "/a"));
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_EQ(words(fx.request),
            (Words{"set X-Env: dev", "remove X-Debug", "set X-Script-Name: /app"}));
  EXPECT_EQ(words(fx.response), (Words{"set X-Served-By: bridge", "remove Server"}));
  EXPECT_FALSE(fx.target_changed);
  ASSERT_EQ(fx.steps.size(), 1u);
  EXPECT_EQ(fx.steps[0].name, "custom");
  EXPECT_EQ(fx.steps[0].type, "headers");
  EXPECT_EQ(fx.steps[0].outcome, Outcome::Passed);
  EXPECT_EQ(fx.steps[0].detail, "3 request header(s), 2 response header(s)");
}

TEST_F(Middlewares, AnEmptyHeadersMiddlewareHasNothingToDo) {
  ASSERT_TRUE(load("[middlewares.idle.headers]\n"));
  const Effects& fx = run_on("idle", request("GET", "/"));
  EXPECT_TRUE(fx.request.empty());
  EXPECT_TRUE(fx.response.empty());
  EXPECT_EQ(detail(), "nothing to do");
}

// ---- headers: CORS --------------------------------------------------------------------------

constexpr const char* cors = R"toml(
[middlewares.cors.headers]
accessControlAllowOriginList = ["http://localhost:3000", "https://app.example"]
accessControlAllowMethods = ["GET", "PUT", "DELETE"]
accessControlAllowHeaders = ["Content-Type", "X-Token"]
accessControlExposeHeaders = ["X-Total", "X-Page"]
accessControlAllowCredentials = true
accessControlMaxAge = 600
addVaryHeader = true
customRequestHeaders = { "X-From-Cors" = "yes" }
)toml";

Req preflight(const std::string& origin, const std::string& method,
              const std::string& headers = "") {
  Req r = request("OPTIONS", "/api/items");
  r.with("Origin", origin).with("Access-Control-Request-Method", method);
  if (!headers.empty()) r.with("Access-Control-Request-Headers", headers);
  return r;
}

TEST_F(Middlewares, PreflightFromAnAllowedOriginIsAnswered204WithEveryCorsField) {
  ASSERT_TRUE(load(cors));
  const Effects& fx = run_on("cors", preflight("http://localhost:3000", "PUT", "content-type"));
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->status, 204u);
  EXPECT_EQ(fx.answer->fields, (Fields{{"Access-Control-Allow-Credentials", "true"},
                                       {"Access-Control-Allow-Headers", "Content-Type,X-Token"},
                                       {"Access-Control-Allow-Methods", "GET,PUT,DELETE"},
                                       {"Access-Control-Allow-Origin", "http://localhost:3000"},
                                       {"Access-Control-Max-Age", "600"},
                                       {"Vary", "Origin"}}));
  EXPECT_EQ(fx.steps.back().outcome, Outcome::Answered);
  EXPECT_EQ(detail(), "preflight from http://localhost:3000 answered 204 (origin matched "
                      "accessControlAllowOriginList[0])");
  // Answered here: nothing goes upstream, the custom request headers included.
  EXPECT_TRUE(fx.request.empty()) << ::testing::PrintToString(words(fx.request));
}

TEST_F(Middlewares, PreflightNamesWhichListEntryMatched) {
  ASSERT_TRUE(load(cors));
  run_on("cors", preflight("https://app.example", "GET"));
  EXPECT_EQ(detail(), "preflight from https://app.example answered 204 (origin matched "
                      "accessControlAllowOriginList[1])");
}

TEST_F(Middlewares, PreflightFromAnotherOriginIsAnsweredWithoutAllowOrigin) {
  ASSERT_TRUE(load(cors));
  const Effects& fx = run_on("cors", preflight("http://evil.test", "PUT"));
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->status, 204u);
  for (const auto& [name, value] : fx.answer->fields)
    EXPECT_NE(name, "Access-Control-Allow-Origin") << value;
  EXPECT_EQ(detail(),
            "preflight from http://evil.test answered 204 without Access-Control-Allow-Origin: "
            "origin not allowed (not in accessControlAllowOriginList), so the browser will block "
            "the request");
}

TEST_F(Middlewares, PreflightExplainsAMethodOrHeaderTheBrowserWillStillRefuse) {
  ASSERT_TRUE(load(cors));
  run_on("cors", preflight("http://localhost:3000", "PATCH"));
  EXPECT_EQ(detail(), "preflight from http://localhost:3000 answered 204 (origin matched "
                      "accessControlAllowOriginList[0]); but method PATCH is not in "
                      "accessControlAllowMethods: the browser will block it");
  // Header names compare without case; the first one missing is named.
  run_on("cors",
         preflight("http://localhost:3000", "PUT", "x-token, content-type,X-Other, X-Last"));
  EXPECT_EQ(detail(), "preflight from http://localhost:3000 answered 204 (origin matched "
                      "accessControlAllowOriginList[0]); but header X-Other is not in "
                      "accessControlAllowHeaders: the browser will block it");
  // GET, HEAD and POST need no listing (CORS-safelisted methods).
  run_on("cors", preflight("http://localhost:3000", "POST", "X-Token"));
  EXPECT_EQ(detail(), "preflight from http://localhost:3000 answered 204 (origin matched "
                      "accessControlAllowOriginList[0])");
}

TEST_F(Middlewares, PreflightMatchesTheOriginRegexAgainstTheWholeOrigin) {
  ASSERT_TRUE(load(R"toml(
[middlewares.cors.headers]
accessControlAllowOriginList = ["https://fixed.example"]
accessControlAllowOriginListRegex = ["https://nope\\.example", "http://[a-z]+\\.localhost:3000"]
accessControlAllowMethods = ["GET"]
)toml"));
  const Effects& fx = run_on("cors", preflight("http://shop.localhost:3000", "GET"));
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->fields,
            (Fields{{"Access-Control-Allow-Methods", "GET"},
                    {"Access-Control-Allow-Origin", "http://shop.localhost:3000"}}));
  EXPECT_EQ(detail(), "preflight from http://shop.localhost:3000 answered 204 (origin matched "
                      "accessControlAllowOriginListRegex[1])");
  // A full match: a longer origin that contains a match is not allowed.
  run_on("cors", preflight("http://shop.localhost:3000.evil.test", "GET"));
  EXPECT_EQ(detail(), "preflight from http://shop.localhost:3000.evil.test answered 204 without "
                      "Access-Control-Allow-Origin: origin not allowed (not in "
                      "accessControlAllowOriginList or accessControlAllowOriginListRegex), so the "
                      "browser will block the request");
  run_on("cors", preflight("http://evil.shop.localhost:3000", "GET"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Access-Control-Allow-Methods", "GET"}}));
}

TEST_F(Middlewares, WildcardOriginIsAnsweredWithAStar) {
  ASSERT_TRUE(load(R"toml(
[middlewares.open.headers]
accessControlAllowOriginList = ["*"]
accessControlAllowMethods = ["GET", "POST"]
)toml"));
  const Effects& fx = run_on("open", preflight("http://anyone.test", "POST"));
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->fields, (Fields{{"Access-Control-Allow-Methods", "GET,POST"},
                                       {"Access-Control-Allow-Origin", "*"}}));
  EXPECT_EQ(detail(),
            "preflight from http://anyone.test answered 204 (accessControlAllowOriginList[0] is "
            "\"*\")");
  run_on("open", request("GET", "/").with("Origin", "http://anyone.test"));
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(words(fx_.response), (Words{"set Access-Control-Allow-Origin: *"}));
  EXPECT_EQ(detail(), "origin http://anyone.test allowed (accessControlAllowOriginList[0] is "
                      "\"*\"): Access-Control-Allow-Origin: *");
}

TEST_F(Middlewares, OptionsWithoutAccessControlRequestMethodIsNotAPreflight) {
  ASSERT_TRUE(load(cors));
  const Effects& fx =
      run_on("cors", request("OPTIONS", "/").with("Origin", "http://localhost:3000"));
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_EQ(words(fx.request), (Words{"set X-From-Cors: yes"}));
  EXPECT_EQ(words(fx.response),
            (Words{"set Access-Control-Allow-Origin: http://localhost:3000",
                   "set Access-Control-Allow-Credentials: true",
                   "set Access-Control-Expose-Headers: X-Total,X-Page", "append Vary: Origin"}));
  // Nor is one without an Origin.
  run_on("cors", request("OPTIONS", "/").with("Access-Control-Request-Method", "PUT"));
  EXPECT_FALSE(fx_.answer.has_value());
  // Nor any other method with both fields.
  Req put = preflight("http://localhost:3000", "PUT");
  put.method = "PUT";
  run_on("cors", put);
  EXPECT_FALSE(fx_.answer.has_value());
}

TEST_F(Middlewares, AHeadersMiddlewareWithoutCorsForwardsAPreflight) {
  ASSERT_TRUE(load("[middlewares.secure.headers]\nframeDeny = true\n"));
  const Effects& fx = run_on("secure", preflight("http://localhost:3000", "PUT"));
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_EQ(words(fx.response), (Words{"set X-Frame-Options: DENY"}));
}

TEST_F(Middlewares, ActualRequestFromAnAllowedOriginGetsTheCorsResponseFields) {
  ASSERT_TRUE(load(cors));
  const Effects& fx =
      run_on("cors", request("PUT", "/api/items/1").with("Origin", "https://app.example"));
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_EQ(words(fx.request), (Words{"set X-From-Cors: yes"}));
  EXPECT_EQ(words(fx.response),
            (Words{"set Access-Control-Allow-Origin: https://app.example",
                   "set Access-Control-Allow-Credentials: true",
                   "set Access-Control-Expose-Headers: X-Total,X-Page", "append Vary: Origin"}));
  EXPECT_EQ(detail(),
            "origin https://app.example allowed (matched accessControlAllowOriginList[1])");
}

TEST_F(Middlewares, ActualRequestFromAnotherOriginGetsNoAllowOrigin) {
  ASSERT_TRUE(load(cors));
  const Effects& fx = run_on("cors", request("GET", "/").with("Origin", "http://evil.test"));
  EXPECT_FALSE(fx.answer.has_value());
  // The answer still depends on Origin: caches are told.
  EXPECT_EQ(words(fx.response), (Words{"append Vary: Origin"}));
  EXPECT_EQ(detail(), "origin http://evil.test not allowed (not in accessControlAllowOriginList): "
                      "no Access-Control-Allow-Origin will be sent");
}

TEST_F(Middlewares, RequestWithoutOriginGetsNoCorsFields) {
  ASSERT_TRUE(load(cors));
  const Effects& fx = run_on("cors", request("GET", "/"));
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_TRUE(fx.response.empty()) << ::testing::PrintToString(words(fx.response));
  EXPECT_EQ(words(fx.request), (Words{"set X-From-Cors: yes"}));
  EXPECT_EQ(detail(), "1 request header(s), CORS: no Origin in the request");
}

TEST_F(Middlewares, NoVaryWithoutAddVaryHeader) {
  ASSERT_TRUE(load(R"toml(
[middlewares.cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]
)toml"));
  run_on("cors", request("GET", "/").with("Origin", "http://localhost:3000"));
  EXPECT_EQ(words(fx_.response), (Words{"set Access-Control-Allow-Origin: http://localhost:3000"}));
  run_on("cors", preflight("http://localhost:3000", "GET"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Access-Control-Allow-Origin", "http://localhost:3000"}}));
}

// ---- headers: security ----------------------------------------------------------------------

constexpr const char* secure = R"toml(
[middlewares.secure.headers]
stsSeconds = 31536000
stsIncludeSubdomains = true
stsPreload = true
frameDeny = true
contentTypeNosniff = true
browserXssFilter = true
contentSecurityPolicy = "default-src 'self'"
contentSecurityPolicyReportOnly = "script-src 'none'"
referrerPolicy = "no-referrer"
permissionsPolicy = "camera=()"
publicKey = "pin-sha256=\"abc\"; max-age=60"
)toml";

TEST_F(Middlewares, SecurityHeadersOnHttps) {
  ASSERT_TRUE(load(secure));
  Req r = request("GET", "/");
  r.scheme = "https";
  const Effects& fx = run_on("secure", r);
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_EQ(words(fx.response),
            (Words{"set Strict-Transport-Security: max-age=31536000; includeSubDomains; preload",
                   "set X-Frame-Options: DENY", "set X-Content-Type-Options: nosniff",
                   "set X-XSS-Protection: 1; mode=block",
                   "set Content-Security-Policy: default-src 'self'",
                   "set Content-Security-Policy-Report-Only: script-src 'none'",
                   "set Public-Key-Pins: pin-sha256=\"abc\"; max-age=60",
                   "set Referrer-Policy: no-referrer", "set Permissions-Policy: camera=()"}));
  EXPECT_TRUE(fx.request.empty());
  EXPECT_EQ(detail(), "security headers");
}

TEST_F(Middlewares, StrictTransportSecurityOnlyOnHttpsUnlessForced) {
  ASSERT_TRUE(load(secure));
  const Effects& fx = run_on("secure", request("GET", "/"));
  for (const std::string& w : words(fx.response))
    EXPECT_EQ(w.find("Strict-Transport-Security"), std::string::npos) << w;
  EXPECT_EQ(words(fx.response).size(), 8u);

  ASSERT_TRUE(load("[middlewares.sts.headers]\nstsSeconds = 60\nforceSTSHeader = true\n"));
  run_on("sts", request("GET", "/"));
  EXPECT_EQ(words(fx_.response), (Words{"set Strict-Transport-Security: max-age=60"}));
}

TEST_F(Middlewares, IsDevelopmentSendsNoStrictTransportSecurity) {
  ASSERT_TRUE(load("[middlewares.sts.headers]\nstsSeconds = 60\nforceSTSHeader = true\n"
                   "isDevelopment = true\nframeDeny = true\n"));
  Req r = request("GET", "/");
  r.scheme = "https";
  run_on("sts", r);
  EXPECT_EQ(words(fx_.response), (Words{"set X-Frame-Options: DENY"}));
}

TEST_F(Middlewares, CustomValuesWinOverTheSwitches) {
  ASSERT_TRUE(load(R"toml(
[middlewares.custom.headers]
frameDeny = true
customFrameOptionsValue = "SAMEORIGIN"
browserXssFilter = true
customBrowserXSSValue = "0"
)toml"));
  run_on("custom", request("GET", "/"));
  EXPECT_EQ(words(fx_.response),
            (Words{"set X-Frame-Options: SAMEORIGIN", "set X-XSS-Protection: 0"}));
}

TEST_F(Middlewares, AllowedHostsRefuseOtherHostsWith500) {
  ASSERT_TRUE(load(R"toml(
[middlewares.hosts.headers]
allowedHosts = ["app.test", "api.test:8443"]
frameDeny = true
)toml"));
  Req ok = request("GET", "/");
  ok.host = "app.test:8080";  // the port does not count
  run_on("hosts", ok);
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(words(fx_.response), (Words{"set X-Frame-Options: DENY"}));
  Req with_port = request("GET", "/");
  with_port.host = "api.test:8443";
  run_on("hosts", with_port);
  EXPECT_FALSE(fx_.answer.has_value());

  Req other = request("GET", "/");
  other.host = "evil.test";
  run_on("hosts", other);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 500u);
  EXPECT_EQ(fx_.answer->message, "host evil.test is not in allowedHosts");
  EXPECT_EQ(detail(), "host evil.test is not in allowedHosts → 500");
  EXPECT_EQ(fx_.steps.back().outcome, Outcome::Answered);
  EXPECT_TRUE(fx_.response.empty());
}

TEST_F(Middlewares, AllowedHostsReadHostsProxyHeadersFirst) {
  ASSERT_TRUE(load(R"toml(
[middlewares.hosts.headers]
allowedHosts = ["public.example"]
hostsProxyHeaders = ["X-Forwarded-Host"]
)toml"));
  Req proxied = request("GET", "/");
  proxied.host = "10.0.0.7:8080";
  proxied.with("X-Forwarded-Host", "public.example");
  run_on("hosts", proxied);
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  proxied.fields.set("X-Forwarded-Host", "spoofed.example");
  run_on("hosts", proxied);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 500u);

  ASSERT_TRUE(load(R"toml(
[middlewares.hosts.headers]
allowedHosts = ["public.example"]
isDevelopment = true
)toml"));
  run_on("hosts", request("GET", "/"));
  EXPECT_FALSE(fx_.answer.has_value()) << "isDevelopment does not enforce allowedHosts";
}

// ---- redirectScheme -------------------------------------------------------------------------

TEST_F(Middlewares, RedirectSchemeStatusFollowsMethodAndPermanence) {
  ASSERT_TRUE(load(R"toml(
[middlewares.to-https.redirectScheme]
scheme = "https"

[middlewares.to-https-forever.redirectScheme]
scheme = "https"
permanent = true
)toml"));
  struct Case {
    const char* middleware;
    const char* method;
    unsigned status;
  };
  for (const Case& c :
       {Case{"to-https", "GET", 302}, Case{"to-https", "HEAD", 307}, Case{"to-https", "POST", 307},
        Case{"to-https", "PUT", 307}, Case{"to-https-forever", "GET", 301},
        Case{"to-https-forever", "POST", 308}, Case{"to-https-forever", "DELETE", 308}}) {
    run_on(c.middleware, request(c.method, "/a/b?x=1&y=2"));
    ASSERT_TRUE(fx_.answer.has_value()) << c.middleware << " " << c.method;
    EXPECT_EQ(fx_.answer->status, c.status) << c.middleware << " " << c.method;
    EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test/a/b?x=1&y=2"}}));
    EXPECT_EQ(detail(),
              "redirect " + std::to_string(c.status) + " to https://app.test/a/b?x=1&y=2");
    EXPECT_EQ(fx_.steps.back().outcome, Outcome::Answered);
  }
  EXPECT_EQ(detail::redirect_status("GET", false), 302u);
  EXPECT_EQ(detail::redirect_status("PATCH", true), 308u);
}

TEST_F(Middlewares, RedirectSchemePortsAndTheRequestsOwnPort) {
  ASSERT_TRUE(load(R"toml(
[middlewares.tls-8443.redirectScheme]
scheme = "https"
port = "8443"

[middlewares.tls-443.redirectScheme]
scheme = "https"
port = 443

[middlewares.to-https.redirectScheme]
scheme = "https"
)toml"));
  Req r = request("GET", "/p?q");
  r.host = "app.test:8080";
  run_on("tls-8443", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test:8443/p?q"}}));
  // The scheme's default port is left out.
  run_on("tls-443", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test/p?q"}}));
  // Without a port, the request's port is dropped too.
  run_on("to-https", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test/p?q"}}));
  // IPv6 hosts keep their brackets.
  Req v6 = request("GET", "/");
  v6.host = "[::1]:8080";
  run_on("tls-8443", v6);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://[::1]:8443/"}}));
}

TEST_F(Middlewares, RedirectSchemePassesWhenAlreadyThere) {
  ASSERT_TRUE(load(R"toml(
[middlewares.to-https.redirectScheme]
scheme = "https"

[middlewares.tls-8443.redirectScheme]
scheme = "https"
port = "8443"
)toml"));
  Req secure = request("GET", "/");
  secure.scheme = "https";
  run_on("to-https", secure);
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(fx_.steps.back().outcome, Outcome::Passed);
  EXPECT_EQ(detail(), "already https");

  secure.host = "app.test:8443";
  run_on("tls-8443", secure);
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(detail(), "already https on port 8443");
  // The right scheme on another port is still redirected.
  secure.host = "app.test:9443";
  run_on("tls-8443", secure);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test:8443/"}}));
}

// ---- redirectRegex --------------------------------------------------------------------------

TEST_F(Middlewares, RedirectRegexRewritesTheWholeUrl) {
  ASSERT_TRUE(load(R"toml(
[middlewares.moved.redirectRegex]
regex = "^http://app\\.test/old/(.*)"
replacement = "https://new.test/v2/$${1}"  # "$${" is a literal "${" in bridge's files

[middlewares.moved-forever.redirectRegex]
regex = "^http://(?P<host>[^/]+)/legacy/(?P<rest>.*)$"
replacement = "http://$host/current/$rest"
permanent = true
)toml"));
  run_on("moved", request("GET", "/old/items/7?full=1"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 302u);
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://new.test/v2/items/7?full=1"}}));
  EXPECT_TRUE(fx_.answer->message.empty());
  EXPECT_EQ(detail(), "redirect 302 to https://new.test/v2/items/7?full=1");
  run_on("moved", request("POST", "/old/form"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 307u);

  run_on("moved-forever", request("GET", "/legacy/a/b"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 301u);
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "http://app.test/current/a/b"}}));
  run_on("moved-forever", request("PUT", "/legacy/a"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 308u);
}

TEST_F(Middlewares, RedirectRegexWithoutAMatchPasses) {
  ASSERT_TRUE(load(R"toml(
[middlewares.moved.redirectRegex]
regex = "^http://app\\.test/old/(.*)"
replacement = "https://new.test/$1"
)toml"));
  run_on("moved", request("GET", "/current?x"));
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(fx_.steps.back().outcome, Outcome::Passed);
  EXPECT_EQ(detail(), "http://app.test/current?x does not match ^http://app\\.test/old/(.*)");
}

TEST_F(Middlewares, RedirectRegexToTheSameUrlPasses) {
  ASSERT_TRUE(load(R"toml(
[middlewares.same.redirectRegex]
regex = "^(http://app\\.test/.*)$"
replacement = "$1"
)toml"));
  run_on("same", request("GET", "/x"));
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(detail(), "http://app.test/x is already where the regex leads");
}

// Go's regexp.Expand, which Traefik's replacements follow.
TEST(GoTemplates, BecomeRe2RewriteStrings) {
  RE2 two("(a)(b)");
  RE2 named("(?P<first>a)(?P<second_part>b)");
  struct Case {
    const char* go;
    const RE2* regex;
    const char* re2;
  };
  for (const Case& c : {
           Case{"$1-$2", &two, "\\1-\\2"},
           Case{"${1}x", &two, "\\1x"},
           Case{"$1x", &two, ""},  // the group named "1x", which does not exist
           Case{"$0", &two, "\\0"},
           Case{"$3", &two, ""},  // no such group: nothing
           Case{"$$1", &two, "$1"},
           Case{"cost: 5$", &two, "cost: 5$"},  // a lone $ at the end stays
           Case{"${1", &two, "${1"},            // unterminated: kept as written
           Case{"$-", &two, "$-"},
           Case{"a\\b", &two, "a\\\\b"},  // a backslash is literal in Go
           Case{"${first}/${second_part}", &named, "\\1/\\2"},
           Case{"$first.$second_part", &named, "\\1.\\2"},
           Case{"$firstx", &named, ""},
           Case{"${nope}", &named, ""},
       }) {
    EXPECT_EQ(detail::re2_rewrite(c.go, *c.regex), c.re2) << c.go;
  }
}

TEST(GoTemplates, RewriteTheWayGoWould) {
  RE2 regex("^/users/(?P<id>[0-9]+)/(.*)$");
  std::string s = "/users/42/posts";
  ASSERT_TRUE(RE2::Replace(&s, regex, detail::re2_rewrite("/u/${id}/$2?from=$$", regex)));
  EXPECT_EQ(s, "/u/42/posts?from=$");
}

// ---- path rewrites --------------------------------------------------------------------------

TEST_F(Middlewares, StripPrefixStripsTheFirstListedPrefixAndSaysWhich) {
  ASSERT_TRUE(load("[middlewares.strip.stripPrefix]\nprefixes = [\"/api/v1\", \"/api\"]\n"));
  run_on("strip", request("GET", "/api/v1/users?x=1"));
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_TRUE(fx_.target_changed);
  EXPECT_EQ(fx_.target, "/users?x=1");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Forwarded-Prefix: /api/v1"}));
  EXPECT_EQ(detail(), "path /api/v1/users → /users");

  run_on("strip", request("GET", "/api/other"));
  EXPECT_EQ(fx_.target, "/other");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Forwarded-Prefix: /api"}));
  // Nothing left: "/".
  run_on("strip", request("GET", "/api?q=1"));
  EXPECT_EQ(fx_.target, "/?q=1");
  // A string prefix, as in Traefik: /apiary loses "/api".
  run_on("strip", request("GET", "/apiary"));
  EXPECT_EQ(fx_.target, "/ary");

  const Req untouched = request("GET", "/web/x");
  run_on("strip", untouched);
  EXPECT_FALSE(fx_.target_changed);
  EXPECT_TRUE(fx_.request.empty());
  EXPECT_EQ(fx_.current_target(untouched.view()), "/web/x");
  EXPECT_EQ(detail(), "path /web/x left as it is");
}

TEST_F(Middlewares, StripPrefixRegexStripsWhatMatchedAtTheStart) {
  ASSERT_TRUE(load("[middlewares.versions.stripPrefixRegex]\nregex = [\"/api/v[0-9]+\"]\n"));
  run_on("versions", request("GET", "/api/v12/users?all"));
  EXPECT_EQ(fx_.target, "/users?all");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Forwarded-Prefix: /api/v12"}));
  EXPECT_EQ(detail(), "path /api/v12/users → /users");
  // A match elsewhere in the path strips nothing.
  run_on("versions", request("GET", "/x/api/v1/users"));
  EXPECT_FALSE(fx_.target_changed);
  EXPECT_TRUE(fx_.request.empty());
}

TEST_F(Middlewares, AddPrefix) {
  ASSERT_TRUE(load("[middlewares.v1.addPrefix]\nprefix = \"/v1\"\n"));
  run_on("v1", request("GET", "/users?x=1"));
  EXPECT_EQ(fx_.target, "/v1/users?x=1");
  EXPECT_TRUE(fx_.request.empty());
  EXPECT_EQ(detail(), "path /users → /v1/users");
}

TEST_F(Middlewares, ReplacePathKeepsTheQueryAndTellsTheOriginalPath) {
  ASSERT_TRUE(load("[middlewares.health.replacePath]\npath = \"/healthz\"\n"));
  run_on("health", request("GET", "/status/ready?verbose=1"));
  EXPECT_EQ(fx_.target, "/healthz?verbose=1");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Replaced-Path: /status/ready"}));
  EXPECT_EQ(detail(), "path /status/ready → /healthz");
}

TEST_F(Middlewares, ReplacePathRegex) {
  ASSERT_TRUE(load(R"toml(
[middlewares.v2.replacePathRegex]
regex = "^/api/(.*)"
replacement = "/v2/$1"
)toml"));
  run_on("v2", request("GET", "/api/users/7?x=1"));
  EXPECT_EQ(fx_.target, "/v2/users/7?x=1");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Replaced-Path: /api/users/7"}));
  EXPECT_EQ(detail(), "path /api/users/7 → /v2/users/7");
  run_on("v2", request("GET", "/other"));
  EXPECT_FALSE(fx_.target_changed);
  EXPECT_TRUE(fx_.request.empty());
  EXPECT_EQ(detail(), "path /other left as it is");
}

TEST_F(Middlewares, PathRewritesWorkOnWhatTheOnesBeforeLeft) {
  ASSERT_TRUE(load(R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]

[middlewares.v1.addPrefix]
prefix = "/v1"

[middlewares.to-https.redirectScheme]
scheme = "https"
)toml"));
  run_on(std::vector<std::string>{"strip", "v1"}, request("GET", "/api/users?x=1"));
  EXPECT_EQ(fx_.target, "/v1/users?x=1");
  ASSERT_EQ(fx_.steps.size(), 2u);
  EXPECT_EQ(fx_.steps[0].detail, "path /api/users → /users");
  EXPECT_EQ(fx_.steps[1].detail, "path /users → /v1/users");
  // A redirect after a rewrite points at the rewritten path.
  run_on(std::vector<std::string>{"strip", "to-https"}, request("GET", "/api/users"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->fields, (Fields{{"Location", "https://app.test/users"}}));
}

// ---- ipAllowList ----------------------------------------------------------------------------

TEST_F(Middlewares, IpAllowListChecksThePeer) {
  ASSERT_TRUE(load(R"toml(
[middlewares.office.ipAllowList]
sourceRange = ["127.0.0.1/32", "192.168.1.0/24", "::1"]
)toml"));
  run_on("office", request("GET", "/"));
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(detail(), "127.0.0.1 (peer) is in sourceRange");
  Req lan = request("GET", "/");
  lan.client = "192.168.1.77";
  run_on("office", lan);
  EXPECT_FALSE(fx_.answer.has_value());
  Req v6 = request("GET", "/");
  v6.client = "::1";
  run_on("office", v6);
  EXPECT_FALSE(fx_.answer.has_value());

  Req outside = request("GET", "/");
  outside.client = "10.1.2.3";
  run_on("office", outside);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 403u);
  EXPECT_TRUE(fx_.answer->fields.empty());
  EXPECT_EQ(fx_.answer->message, "10.1.2.3 is not allowed by \"office\" (not in sourceRange)");
  EXPECT_EQ(detail(), "10.1.2.3 (peer) is not in sourceRange → 403");
  EXPECT_EQ(fx_.steps.back().outcome, Outcome::Answered);
  // X-Forwarded-For is not believed without an ipStrategy.
  outside.with("X-Forwarded-For", "127.0.0.1");
  run_on("office", outside);
  EXPECT_TRUE(fx_.answer.has_value());
}

TEST_F(Middlewares, IpAllowListRejectStatusCode) {
  ASSERT_TRUE(load(R"toml(
[middlewares.hidden.ipAllowList]
sourceRange = ["10.0.0.0/8"]
rejectStatusCode = 404
)toml"));
  run_on("hidden", request("GET", "/"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 404u);
  EXPECT_EQ(detail(), "127.0.0.1 (peer) is not in sourceRange → 404");
}

TEST_F(Middlewares, IpStrategyDepthCountsFromTheRightOfXForwardedFor) {
  ASSERT_TRUE(load(R"toml(
[middlewares.depth1.ipAllowList]
sourceRange = ["203.0.113.0/24"]
ipStrategy = { depth = 1 }

[middlewares.depth2.ipAllowList]
sourceRange = ["203.0.113.0/24"]
ipStrategy = { depth = 2 }

[middlewares.depth3.ipAllowList]
sourceRange = ["203.0.113.0/24"]
ipStrategy = { depth = 3 }
)toml"));
  // Two fields join into one list: 198.51.100.1, 203.0.113.9, 10.0.0.1.
  Req r = request("GET", "/");
  r.with("X-Forwarded-For", "198.51.100.1, 203.0.113.9").with("X-Forwarded-For", "10.0.0.1");
  run_on("depth1", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->message, "10.0.0.1 is not allowed by \"depth1\" (not in sourceRange)");
  EXPECT_EQ(detail(), "10.0.0.1 (X-Forwarded-For, depth 1) is not in sourceRange → 403");
  run_on("depth2", r);
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(detail(), "203.0.113.9 (X-Forwarded-For, depth 2) is in sourceRange");
  run_on("depth3", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->message, "198.51.100.1 is not allowed by \"depth3\" (not in sourceRange)");
  // Deeper than the list: no client address, refused (the peer does not stand in).
  Req short_list = request("GET", "/");
  short_list.client = "203.0.113.1";
  short_list.with("X-Forwarded-For", "203.0.113.5");
  run_on("depth2", short_list);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->message,
            "no client address is not allowed by \"depth2\" (not in sourceRange)");
}

TEST_F(Middlewares, IpStrategyExcludedIpsSkipsProxiesFromTheRight) {
  ASSERT_TRUE(load(R"toml(
[middlewares.behind-lb.ipAllowList]
sourceRange = ["198.51.100.0/24"]
ipStrategy = { excludedIPs = ["10.0.0.0/8", "192.168.0.1"] }
)toml"));
  Req r = request("GET", "/");
  r.with("X-Forwarded-For", "203.0.113.7, 198.51.100.4, 192.168.0.1, 10.3.3.3");
  run_on("behind-lb", r);
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  EXPECT_EQ(detail(), "198.51.100.4 (X-Forwarded-For, excluding excludedIPs) is in sourceRange");
  r.fields.set("X-Forwarded-For", "198.51.100.4, 203.0.113.7, 10.3.3.3");
  run_on("behind-lb", r);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->message,
            "203.0.113.7 is not allowed by \"behind-lb\" (not in sourceRange)");
}

// ---- chains and running ---------------------------------------------------------------------

TEST_F(Middlewares, ChainsExpandToTheirMembersInPlace) {
  ASSERT_TRUE(load(R"toml(
[middlewares.a.headers]
customRequestHeaders = { "X-Step" = "a" }

[middlewares.b.headers]
customResponseHeaders = { "X-B" = "b" }

[middlewares.c.addPrefix]
prefix = "/c"

[middlewares.inner.chain]
middlewares = ["b", "c"]

[middlewares.outer.chain]
middlewares = ["a", "inner"]
)toml"));
  EXPECT_EQ(set_.size(), 5u);
  ASSERT_NE(set_.find("inner"), nullptr);
  EXPECT_EQ(set_.find("inner")->type(), "chain");
  EXPECT_EQ(set_.find("nope"), nullptr);
  Chain chain = set_.resolve({"outer", "a"});
  std::vector<std::string> names;
  for (const Middleware* m : chain) names.push_back(m->name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "a"}));

  run_on("outer", request("GET", "/x"));
  ASSERT_EQ(fx_.steps.size(), 3u);
  EXPECT_EQ(fx_.steps[0].name, "a");
  EXPECT_EQ(fx_.steps[1].name, "b");
  EXPECT_EQ(fx_.steps[2].name, "c");
  EXPECT_EQ(fx_.steps[2].type, "addPrefix");
  EXPECT_EQ(words(fx_.request), (Words{"set X-Step: a"}));
  EXPECT_EQ(words(fx_.response), (Words{"set X-B: b"}));
  EXPECT_EQ(fx_.target, "/c/x");
}

TEST_F(Middlewares, RunStopsAtTheFirstAnswer) {
  ASSERT_TRUE(load(R"toml(
[middlewares.before.headers]
customResponseHeaders = { "X-Before" = "1" }

[middlewares.office.ipAllowList]
sourceRange = ["10.0.0.0/8"]

[middlewares.after.headers]
customResponseHeaders = { "X-After" = "1" }
)toml"));
  run_on(std::vector<std::string>{"before", "office", "after"}, request("GET", "/"));
  ASSERT_TRUE(fx_.answer.has_value());
  ASSERT_EQ(fx_.steps.size(), 2u);
  EXPECT_EQ(fx_.steps[0].outcome, Outcome::Passed);
  EXPECT_EQ(fx_.steps[1].outcome, Outcome::Answered);
  EXPECT_EQ(fx_.steps[1].name, "office");
  EXPECT_EQ(fx_.steps[1].type, "ipAllowList");
  EXPECT_GE(fx_.steps[1].us, 0);
  EXPECT_EQ(words(fx_.response), (Words{"set X-Before: 1"}));
  EXPECT_EQ(outcome_names[static_cast<size_t>(Outcome::Answered)], "answered");
  EXPECT_EQ(outcome_names[static_cast<size_t>(Outcome::Passed)], "passed");
}

TEST_F(Middlewares, EffectsAreClearedForTheNextRequest) {
  ASSERT_TRUE(load(R"toml(
[middlewares.strip.stripPrefix]
prefixes = ["/api"]

[middlewares.to-https.redirectScheme]
scheme = "https"
)toml"));
  Effects fx;
  const Req first = request("GET", "/api/x");
  middleware::run(set_.resolve({"strip", "to-https"}), first.view(), fx);
  ASSERT_TRUE(fx.answer.has_value());
  fx.clear();
  EXPECT_FALSE(fx.answer.has_value());
  EXPECT_FALSE(fx.target_changed);
  EXPECT_TRUE(fx.steps.empty());
  EXPECT_TRUE(fx.request.empty());
  EXPECT_TRUE(fx.response.empty());
  const Req second = request("GET", "/web");
  EXPECT_EQ(fx.current_target(second.view()), "/web");
}

TEST(SplitTarget, PathAndQuery) {
  EXPECT_EQ(split_target("/a/b?x=1&y"),
            (std::pair<std::string_view, std::string_view>{"/a/b", "?x=1&y"}));
  EXPECT_EQ(split_target("/a"), (std::pair<std::string_view, std::string_view>{"/a", ""}));
  EXPECT_EQ(split_target("/?"), (std::pair<std::string_view, std::string_view>{"/", "?"}));
}

// Constructed by hand as well as from TOML: the Set takes a config::Config as it is.
TEST(MiddlewareSet, CompilesConfigStructs) {
  config::Config config;
  config::Middleware strip;
  strip.name = "strip";
  strip.type = "stripPrefix";
  strip.strip_prefix = std::vector<std::string>{"/api"};
  config.middlewares.push_back(strip);
  config::Middleware cors;
  cors.name = "cors";
  cors.type = "headers";
  cors.headers.emplace().allow_origin_list = {"http://localhost:3000"};
  config.middlewares.push_back(cors);
  Set set(config);
  ASSERT_EQ(set.size(), 2u);
  Req r = request("GET", "/api/x");
  r.with("Origin", "http://localhost:3000");
  Effects fx;
  run(set.resolve({"strip", "cors"}), r.view(), fx);
  EXPECT_EQ(fx.target, "/x");
  EXPECT_EQ(words(fx.response), (Words{"set Access-Control-Allow-Origin: http://localhost:3000"}));
}

// ---- basicAuth: password hashes -------------------------------------------------------------

// The first line `command` prints on stdout, without its newline ("" when it prints nothing).
// Commands are fixed strings of this file; passwords are single-quoted and contain no quote.
std::string first_line_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
  pclose(pipe);
  return out.substr(0, out.find('\n'));
}

// The hash of the line `htpasswd -nb MODE USER PASSWORD` prints (Debian's apache2-utils).
std::string htpasswd_hash(const std::string& mode, const std::string& password) {
  const std::string line = first_line_of("htpasswd -nb " + mode + " someone '" + password + "'");
  EXPECT_TRUE(line.starts_with("someone:")) << "htpasswd " << mode << " printed: " << line;
  return line.substr(line.find(':') + 1);
}

// `openssl passwd ARGS 'PASSWORD'`.
std::string openssl_passwd(const std::string& args, const std::string& password) {
  return first_line_of("openssl passwd " + args + " '" + password + "' 2>/dev/null");
}

std::string base64(std::string_view in) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 0x3f];
  }
  if (in.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += alphabet[(v >> 18) & 0x3f];
    out += alphabet[(v >> 12) & 0x3f];
    out += "==";
  } else if (in.size() - i == 2) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += alphabet[(v >> 18) & 0x3f];
    out += alphabet[(v >> 12) & 0x3f];
    out += alphabet[(v >> 6) & 0x3f];
    out += '=';
  }
  return out;
}

TEST(Base64ForTheseTests, Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617
}

// Recorded from `openssl passwd -apr1 -salt SALT PASSWORD` (OpenSSL 3.0.19), which writes
// Apache's apr1 MD5-crypt; the test below recomputes them with the installed openssl.
struct Apr1Vector {
  const char* password;
  const char* salt;
  const char* hash;
};
constexpr Apr1Vector apr1_vectors[] = {
    {"password", "abcdefgh", "$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1"},
    {"", "ab", "$apr1$ab$S8K6Sgp3W8c9Jb6LxgywZ."},
    {"this password is longer than sixteen bytes!", "a./Zz9",
     "$apr1$a./Zz9$V5lS4FXTbW7VrS/ReOU2M1"},
    {"a", "abcdefgh", "$apr1$abcdefgh$G8IsPsylW5ROvIKsQMRG61"},
    {"0123456789abcdef", "abcdefgh", "$apr1$abcdefgh$sxHfOFLANAYXeGF./FBFh."},
    {"p\xc3\xa4ss", "Xy7", "$apr1$Xy7$Uwet4tnzcG3WdfDzWRO9a/"},
};

TEST(Apr1Crypt, RecordedOpensslVectors) {
  for (const Apr1Vector& v : apr1_vectors) {
    EXPECT_EQ(detail::apr1_crypt(v.password, std::string("$apr1$") + v.salt + "$"), v.hash)
        << "password \"" << v.password << "\", salt " << v.salt;
    // password_matches hands it the whole hash: the salt ends at the second '$'.
    EXPECT_EQ(detail::apr1_crypt(v.password, v.hash), v.hash) << v.password;
    EXPECT_TRUE(detail::password_matches(v.password, v.hash)) << v.password;
    EXPECT_FALSE(detail::password_matches(std::string(v.password) + "x", v.hash)) << v.password;
  }
}

TEST(Apr1Crypt, AgreesWithOpensslPasswdApr1) {
  struct Input {
    std::string password;
    std::string salt;
  };
  const std::vector<Input> inputs = {
      {"password", "abcdefgh"},
      {"", "ab"},
      {"x", "z"},
      {"exactly sixteen!", "saltsalt"},
      {"seventeen bytes!!", "saltsalt"},
      {"a much longer password, thirty-three bytes and more", "./09AZaz"},
      {"p\xc3\xa4ss w\xc3\xb6rd", "Xy7"},
      {"staging", "dEv12345"},
  };
  for (const Input& in : inputs) {
    const std::string expected = openssl_passwd("-apr1 -salt " + in.salt, in.password);
    ASSERT_TRUE(expected.starts_with("$apr1$" + in.salt + "$")) << expected;
    EXPECT_EQ(detail::apr1_crypt(in.password, "$apr1$" + in.salt + "$"), expected)
        << "password \"" << in.password << "\", salt " << in.salt;
  }
  // apr1's salt is at most 8 characters: openssl cuts a longer one, and so does bridge.
  const std::string cut = openssl_passwd("-apr1 -salt 123456789", "pw");
  EXPECT_EQ(cut, "$apr1$12345678$A8zrX.CLhuutTWymwJp2a.");
  EXPECT_EQ(detail::apr1_crypt("pw", "$apr1$123456789$"), cut);
}

TEST(PasswordMatches, EveryKindHtpasswdAndOpensslWrite) {
  const std::string password = "s3cret p@ss";
  struct Kind {
    const char* what;
    std::string hash;
    const char* prefix;
  };
  const std::vector<Kind> kinds = {
      {"htpasswd -B (bcrypt)", htpasswd_hash("-B", password), "$2y$"},
      {"htpasswd -m (apr1 MD5)", htpasswd_hash("-m", password), "$apr1$"},
      {"htpasswd -s (SHA1)", htpasswd_hash("-s", password), "{SHA}"},
      {"openssl passwd -1 (MD5-crypt)", openssl_passwd("-1", password), "$1$"},
      {"openssl passwd -5 (SHA-256-crypt)", openssl_passwd("-5", password), "$5$"},
      {"openssl passwd -6 (SHA-512-crypt)", openssl_passwd("-6", password), "$6$"},
  };
  for (const Kind& k : kinds) {
    ASSERT_TRUE(k.hash.starts_with(k.prefix)) << k.what << ": " << k.hash;
    EXPECT_TRUE(detail::password_matches(password, k.hash)) << k.what << ": " << k.hash;
    EXPECT_FALSE(detail::password_matches("s3cret p@sS", k.hash)) << k.what;
    EXPECT_FALSE(detail::password_matches("s3cret", k.hash)) << k.what;
    EXPECT_FALSE(detail::password_matches(password + " ", k.hash)) << k.what;
    EXPECT_FALSE(detail::password_matches("", k.hash)) << k.what;
  }
}

// $2a$ and $2b$ are the same bcrypt as htpasswd's $2y$ for these passwords (other tools write
// them: Python's bcrypt, Go's x/crypto/bcrypt).
TEST(PasswordMatches, BcryptUnderEachOfItsPrefixes) {
  const std::string y = htpasswd_hash("-B", "bcrypt me");
  ASSERT_TRUE(y.starts_with("$2y$")) << y;
  for (const char* prefix : {"$2y$", "$2a$", "$2b$"}) {
    const std::string hash = prefix + y.substr(4);
    EXPECT_TRUE(detail::password_matches("bcrypt me", hash)) << hash;
    EXPECT_FALSE(detail::password_matches("bcrypt you", hash)) << hash;
  }
  // The cost htpasswd -C writes is read from the hash.
  const std::string cost4 = htpasswd_hash("-B -C 4", "cheap");
  ASSERT_TRUE(cost4.starts_with("$2y$04$")) << cost4;
  EXPECT_TRUE(detail::password_matches("cheap", cost4));
}

TEST(PasswordMatches, NothingMatchesABrokenOrPlainHash) {
  const std::string sha = htpasswd_hash("-s", "pw");
  const std::string md5 = htpasswd_hash("-m", "pw");
  const std::string bcrypt = htpasswd_hash("-B", "pw");
  for (const std::string& hash :
       {std::string("pw"), std::string(""), std::string("*"), std::string("!"),
        sha.substr(0, sha.size() - 2), md5.substr(0, md5.size() - 1),
        bcrypt.substr(0, bcrypt.size() - 1), std::string("{SHA}"), std::string("$apr1$"),
        std::string("$2y$05$"), std::string("{sha}") + sha.substr(5)}) {
    EXPECT_FALSE(detail::password_matches("pw", hash)) << "\"" << hash << "\"";
  }
  // A NUL in the password cannot reach crypt(3), which would stop reading at it.
  const std::string six = openssl_passwd("-6", "pw");
  EXPECT_TRUE(detail::password_matches("pw", six));
  EXPECT_FALSE(detail::password_matches(std::string("pw\0tail", 7), six));
  EXPECT_FALSE(detail::password_matches(std::string("pw\0", 3), bcrypt));
}

// ---- basicAuth: the middleware --------------------------------------------------------------

// "Basic base64(user:password)".
std::string basic(std::string_view user_password) { return "Basic " + base64(user_password); }

class BasicAuthChecks : public Middlewares {
 protected:
  void SetUp() override {
    alice_ = htpasswd_hash("-B", "alice secret!");
    bob_ = htpasswd_hash("-m", "bob pw");
    carol_ = htpasswd_hash("-s", "carol pw");
    dave_ = openssl_passwd("-6", "dave pw");
  }
  std::string users() const {
    return "users = [\"alice:" + alice_ + "\", \"bob:" + bob_ + "\", \"carol:" + carol_ +
           "\", \"dave:" + dave_ + "\"]\n";
  }
  // Runs `name` on GET / with Authorization (none when empty).
  const Effects& auth(const std::string& name, const std::string& authorization) {
    Req r = request("GET", "/admin");
    if (!authorization.empty()) r.with("Authorization", authorization);
    return run_on(name, r);
  }
  // The answer was 401 with the challenge for `realm` and `message`; nothing goes upstream.
  void expect_refused(const std::string& realm, const std::string& message) {
    ASSERT_TRUE(fx_.answer.has_value()) << detail();
    EXPECT_EQ(fx_.answer->status, 401u);
    EXPECT_EQ(fx_.answer->fields, (Fields{{"WWW-Authenticate", "Basic realm=\"" + realm + "\""}}));
    EXPECT_EQ(fx_.answer->message, message);
    EXPECT_EQ(fx_.steps.back().outcome, Outcome::Answered);
    EXPECT_EQ(fx_.steps.back().type, "basicAuth");
    EXPECT_EQ(detail(), message + " → 401");
    EXPECT_TRUE(fx_.request.empty());
  }

  std::string alice_, bob_, carol_, dave_;
};

TEST_F(BasicAuthChecks, EachHashKindLetsItsUserIn) {
  ASSERT_TRUE(load("[middlewares.auth.basicAuth]\n" + users()));
  for (const auto& [user, password] :
       std::vector<std::pair<std::string, std::string>>{{"alice", "alice secret!"},
                                                        {"bob", "bob pw"},
                                                        {"carol", "carol pw"},
                                                        {"dave", "dave pw"}}) {
    auth("auth", basic(user + ":" + password));
    EXPECT_FALSE(fx_.answer.has_value()) << user << ": " << detail();
    EXPECT_EQ(fx_.steps.back().outcome, Outcome::Passed) << user;
    EXPECT_EQ(detail(), "user \"" + user + "\" authenticated");
    // Neither headerField nor removeHeader: the request goes up as it came.
    EXPECT_TRUE(fx_.request.empty()) << user;
    EXPECT_TRUE(fx_.response.empty()) << user;
  }
}

TEST_F(BasicAuthChecks, RefusalsSayWhyWithTheChallenge) {
  ASSERT_TRUE(load("[middlewares.auth.basicAuth]\n" + users()));
  auth("auth", "");
  expect_refused("bridge", "no Authorization header");
  auth("auth", "Bearer abc.def");
  expect_refused("bridge", "Authorization is not Basic user:password");
  auth("auth", "Basic !!!not-base64!!");  // not a multiple of 4
  expect_refused("bridge", "Authorization is not Basic user:password");
  auth("auth", "Basic ****");  // 4 bytes, none of them base64
  expect_refused("bridge", "Authorization is not Basic user:password");
  auth("auth", "Basic");
  expect_refused("bridge", "Authorization is not Basic user:password");
  auth("auth", basic("alice"));  // no colon
  expect_refused("bridge", "Authorization is not Basic user:password");
  auth("auth", basic("eve:alice secret!"));
  expect_refused("bridge", "unknown user \"eve\"");
  auth("auth", basic("alice:bob pw"));
  expect_refused("bridge", "wrong password for user \"alice\"");
  auth("auth", basic("alice:"));
  expect_refused("bridge", "wrong password for user \"alice\"");
  auth("auth", basic("Alice:alice secret!"));  // user names are case-sensitive
  expect_refused("bridge", "unknown user \"Alice\"");
  // A name that would break the message's quotes, or a control byte, is shown as '?'.
  auth("auth", basic("e\"v\x01"
                     "e:x"));
  expect_refused("bridge", "unknown user \"e?v?e\"");
}

// RFC 7617: the scheme is case-insensitive, and the password may contain colons.
TEST_F(BasicAuthChecks, SchemeCaseAndColonsInThePassword) {
  const std::string colons = htpasswd_hash("-m", "a:b:c");
  ASSERT_TRUE(load("[middlewares.auth.basicAuth]\nusers = [\"erin:" + colons + "\"]\n"));
  auth("auth", "basic " + base64("erin:a:b:c"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", "BASIC " + base64("erin:a:b:c"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", basic("erin:a:b"));
  expect_refused("bridge", "wrong password for user \"erin\"");
}

// A pair that passed is remembered; a wrong password for the same user is still checked.
TEST_F(BasicAuthChecks, ARememberedPairLetsNoOtherPasswordIn) {
  ASSERT_TRUE(load("[middlewares.auth.basicAuth]\n" + users()));
  auth("auth", basic("alice:alice secret!"));
  ASSERT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", basic("alice:alice secret!"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", basic("alice:alice secret?"));
  expect_refused("bridge", "wrong password for user \"alice\"");
  auth("auth", basic("bob:alice secret!"));
  expect_refused("bridge", "wrong password for user \"bob\"");
  auth("auth", basic("alice:alice secret!"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
}

TEST_F(BasicAuthChecks, RealmHeaderFieldAndRemoveHeader) {
  ASSERT_TRUE(load("[middlewares.auth.basicAuth]\n" + users() +
                   "realm = \"staging admin\"\nheaderField = \"X-WebAuth-User\"\n"
                   "removeHeader = true\n\n"
                   "[middlewares.keep.basicAuth]\n" +
                   users() + "headerField = \"X-WebAuth-User\"\n"));
  auth("auth", basic("carol:carol pw"));
  ASSERT_FALSE(fx_.answer.has_value()) << detail();
  EXPECT_EQ(words(fx_.request), (Words{"remove Authorization", "set X-WebAuth-User: carol"}));
  auth("keep", basic("bob:bob pw"));
  ASSERT_FALSE(fx_.answer.has_value()) << detail();
  EXPECT_EQ(words(fx_.request), (Words{"set X-WebAuth-User: bob"}));
  auth("auth", "");
  expect_refused("staging admin", "no Authorization header");
}

// usersFile: an htpasswd file next to the config; its lines win over `users` for a name.
TEST_F(BasicAuthChecks, UsersFileLinesWinOverUsers) {
  const std::string file_alice = htpasswd_hash("-B", "from the file");
  test::write_file(dir_ / "auth/users.htpasswd",
                   "# written with htpasswd\n\nalice:" + file_alice +
                       "\r\nfrank:" + htpasswd_hash("-s", "frank pw") + "\n");
  ASSERT_TRUE(
      load("[middlewares.auth.basicAuth]\n" + users() + "usersFile = \"auth/users.htpasswd\"\n"));
  auth("auth", basic("alice:from the file"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", basic("alice:alice secret!"));
  expect_refused("bridge", "wrong password for user \"alice\"");
  auth("auth", basic("frank:frank pw"));
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
  auth("auth", basic("bob:bob pw"));  // from `users`, not in the file
  EXPECT_FALSE(fx_.answer.has_value()) << detail();
}

// ---- rateLimit ------------------------------------------------------------------------------

class Limits : public Middlewares {
 protected:
  const Effects& hit(const std::string& name, const std::string& client = "127.0.0.1",
                     const Fields& fields = {}, const std::string& host = "app.test") {
    Req r = request("GET", "/");
    r.client = client;
    r.host = host;
    for (const auto& [n, v] : fields) r.with(n, v);
    return run_on(name, r);
  }
  bool passed() const { return !fx_.answer.has_value(); }
  // The 429 a rateLimit gives: Retry-After `seconds` and the message.
  void expect_limited(const std::string& seconds, const std::string& message) {
    ASSERT_TRUE(fx_.answer.has_value()) << detail();
    EXPECT_EQ(fx_.answer->status, 429u);
    EXPECT_EQ(fx_.answer->fields, (Fields{{"Retry-After", seconds}}));
    EXPECT_EQ(fx_.answer->message, message);
    EXPECT_EQ(fx_.steps.back().outcome, Outcome::Answered);
  }
};

TEST_F(Limits, ABurstPassesThenTheNextIsRefusedUntilATokenComesBack) {
  ASSERT_TRUE(load("[middlewares.rl.rateLimit]\naverage = 1\nburst = 3\n"));
  for (int i = 1; i <= 3; ++i) {
    hit("rl");
    EXPECT_TRUE(passed()) << "request " << i << ": " << detail();
    EXPECT_EQ(detail(), "1/s burst 3 per client IP; peer 127.0.0.1 within it");
  }
  hit("rl");
  expect_limited("1", "rate limit of \"rl\" reached (1/s burst 3 per client IP)");
  EXPECT_EQ(detail(), "1/s burst 3 per client IP; peer 127.0.0.1 over it → 429, retry after 1 s");
  // One token a second: after 1.1 s exactly one more request passes.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  hit("rl");
  EXPECT_TRUE(passed()) << detail();
  hit("rl");
  EXPECT_FALSE(passed()) << detail();
}

TEST_F(Limits, RetryAfterIsTheWaitForOneTokenRoundedUp) {
  ASSERT_TRUE(load(R"toml(
[middlewares.per-minute.rateLimit]
average = 1
period = "1m"

[middlewares.per-hour.rateLimit]
average = 1
period = 3600

[middlewares.ten-per-minute.rateLimit]
average = 10
period = "1m"
burst = 2

[middlewares.fast.rateLimit]
average = 100
)toml"));
  hit("per-minute");
  ASSERT_TRUE(passed());
  hit("per-minute");
  expect_limited("60", "rate limit of \"per-minute\" reached (1/60s burst 1 per client IP)");
  // A bare number is seconds, as in Traefik.
  hit("per-hour");
  ASSERT_TRUE(passed());
  hit("per-hour");
  expect_limited("3600", "rate limit of \"per-hour\" reached (1/3600s burst 1 per client IP)");
  // 10 a minute: a token every 6 s.
  hit("ten-per-minute");
  hit("ten-per-minute");
  ASSERT_TRUE(passed());
  hit("ten-per-minute");
  expect_limited("6", "rate limit of \"ten-per-minute\" reached (10/60s burst 2 per client IP)");
  // 100 a second: 10 ms to wait, announced as 1 s (Retry-After counts whole seconds).
  hit("fast");
  hit("fast");
  expect_limited("1", "rate limit of \"fast\" reached (100/s burst 1 per client IP)");
}

TEST_F(Limits, RateLimitBucketsPerSource) {
  ASSERT_TRUE(load(R"toml(
[middlewares.by-peer.rateLimit]
average = 1
period = "1h"

[middlewares.by-key.rateLimit]
average = 1
period = "1h"
sourceCriterion = { requestHeaderName = "X-Api-Key" }

[middlewares.by-host.rateLimit]
average = 1
period = "1h"
sourceCriterion = { requestHost = true }

[middlewares.by-forwarded.rateLimit]
average = 1
period = "1h"
sourceCriterion = { ipStrategy = { depth = 1 } }

[middlewares.by-excluded.rateLimit]
average = 1
period = "1h"
sourceCriterion = { ipStrategy = { excludedIPs = ["203.0.113.0/24"] } }
)toml"));
  hit("by-peer", "127.0.0.1");
  EXPECT_TRUE(passed());
  hit("by-peer", "127.0.0.1");
  EXPECT_FALSE(passed());
  hit("by-peer", "127.0.0.2");
  EXPECT_TRUE(passed()) << detail();
  hit("by-peer", "::1");
  EXPECT_TRUE(passed()) << detail();

  hit("by-key", "127.0.0.1", {{"X-Api-Key", "team-a"}});
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(), "1/3600s burst 1 per X-Api-Key; X-Api-Key team-a within it");
  hit("by-key", "127.0.0.2", {{"X-Api-Key", "team-a"}});  // the key, not the address, counts
  EXPECT_FALSE(passed());
  EXPECT_EQ(detail(), "1/3600s burst 1 per X-Api-Key; X-Api-Key team-a over it → 429, retry "
                      "after 3600 s");
  hit("by-key", "127.0.0.1", {{"x-api-key", "team-b"}});
  EXPECT_TRUE(passed()) << detail();
  // Without the header, requests share the bucket of no key.
  hit("by-key");
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(), "1/3600s burst 1 per X-Api-Key; X-Api-Key (none) within it");
  hit("by-key", "127.0.0.9");
  EXPECT_FALSE(passed());

  hit("by-host", "127.0.0.1", {}, "a.test");
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(), "1/3600s burst 1 per Host; Host a.test within it");
  hit("by-host", "127.0.0.2", {}, "a.test");
  EXPECT_FALSE(passed());
  hit("by-host", "127.0.0.1", {}, "b.test");
  EXPECT_TRUE(passed());

  hit("by-forwarded", "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9"}});
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(),
            "1/3600s burst 1 per client IP; X-Forwarded-For, depth 1 203.0.113.9 within it");
  hit("by-forwarded", "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_FALSE(passed());
  hit("by-forwarded", "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9, 198.51.100.7"}});
  EXPECT_TRUE(passed()) << detail();

  // excludedIPs: the first address from the right outside them.
  hit("by-excluded", "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9"}});
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(), "1/3600s burst 1 per client IP; X-Forwarded-For, excluding excludedIPs "
                      "198.51.100.1 within it");
  hit("by-excluded", "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.200"}});
  EXPECT_FALSE(passed()) << detail();
  hit("by-excluded", "127.0.0.1", {{"X-Forwarded-For", "198.51.100.2"}});
  EXPECT_TRUE(passed()) << detail();
}

// Workers share one middleware: the bucket hands out exactly `burst` tokens however many
// threads ask at once.
TEST_F(Limits, ThreadsShareOneBucket) {
  ASSERT_TRUE(load("[middlewares.rl.rateLimit]\naverage = 1\nperiod = \"1h\"\nburst = 150\n"));
  const Chain chain = set_.resolve({"rl"});
  std::atomic<int> passes{0}, refusals{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const Req r = request("GET", "/");
      Effects fx;
      for (int i = 0; i < 100; ++i) {
        fx.clear();
        run(chain, r.view(), fx);
        (fx.answer ? refusals : passes)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passes.load(), 150);
  EXPECT_EQ(refusals.load(), 250);
}

// ---- inFlightReq ----------------------------------------------------------------------------

TEST_F(Limits, InFlightReqCountsUntilTheExchangeEnds) {
  ASSERT_TRUE(load("[middlewares.two.inFlightReq]\namount = 2\n"));
  hit("two");
  ASSERT_TRUE(passed());
  EXPECT_EQ(detail(), "peer 127.0.0.1: 1 of 2 under way");
  ASSERT_EQ(fx_.holds.size(), 1u);
  auto first = std::move(fx_.holds);
  hit("two");
  ASSERT_TRUE(passed());
  EXPECT_EQ(detail(), "peer 127.0.0.1: 2 of 2 under way");
  auto second = std::move(fx_.holds);

  hit("two");
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 429u);
  EXPECT_TRUE(fx_.answer->fields.empty());  // no Retry-After: nobody knows when one ends
  EXPECT_EQ(fx_.answer->message,
            "peer 127.0.0.1 has 2 requests under way, the most \"two\" allows");
  EXPECT_EQ(detail(), "peer 127.0.0.1 has 2 requests under way already → 429");
  EXPECT_TRUE(fx_.holds.empty()) << "a refused request holds nothing";
  // Another client has its own count.
  hit("two", "127.0.0.2");
  EXPECT_TRUE(passed());
  EXPECT_EQ(detail(), "peer 127.0.0.2: 1 of 2 under way");

  // The refused one took nothing: ending one exchange makes room for exactly one.
  first.clear();
  hit("two");
  EXPECT_TRUE(passed()) << detail();
  EXPECT_EQ(detail(), "peer 127.0.0.1: 2 of 2 under way");
  auto third = std::move(fx_.holds);
  hit("two");
  EXPECT_FALSE(passed());
  second.clear();
  third.clear();
  hit("two");
  EXPECT_EQ(detail(), "peer 127.0.0.1: 1 of 2 under way");
}

TEST_F(Limits, InFlightReqPerHeaderValue) {
  ASSERT_TRUE(load("[middlewares.one.inFlightReq]\namount = 1\n"
                   "sourceCriterion = { requestHeaderName = \"X-User\" }\n"));
  hit("one", "127.0.0.1", {{"X-User", "alice"}});
  ASSERT_TRUE(passed());
  EXPECT_EQ(detail(), "X-User alice: 1 of 1 under way");
  auto alice = std::move(fx_.holds);
  hit("one", "127.0.0.2", {{"X-User", "alice"}});
  ASSERT_FALSE(passed());
  EXPECT_EQ(fx_.answer->message, "X-User alice has 1 requests under way, the most \"one\" allows");
  hit("one", "127.0.0.1", {{"X-User", "bob"}});
  EXPECT_TRUE(passed()) << detail();
  EXPECT_TRUE(fx_.holds.size() == 1u);
  fx_.clear();  // bob's exchange ends
  hit("one", "127.0.0.1", {{"X-User", "bob"}});
  EXPECT_TRUE(passed()) << detail();
  alice.clear();
  hit("one", "127.0.0.2", {{"X-User", "alice"}});
  EXPECT_TRUE(passed()) << detail();
}

// A reload drops the Set; an exchange still under way gives its count back afterwards.
TEST_F(Limits, InFlightReqHoldsOutliveTheirSet) {
  ASSERT_TRUE(load("[middlewares.one.inFlightReq]\namount = 1\n"));
  hit("one");
  ASSERT_TRUE(passed());
  auto held = std::move(fx_.holds);
  fx_.clear();
  set_ = Set();
  held.clear();  // must not touch the destroyed middleware
  ASSERT_TRUE(load("[middlewares.one.inFlightReq]\namount = 1\n"));
  hit("one");
  EXPECT_TRUE(passed()) << detail();
}

TEST_F(Limits, InFlightReqCountsReturnToZeroUnderContention) {
  ASSERT_TRUE(load("[middlewares.four.inFlightReq]\namount = 4\n"));
  const Chain chain = set_.resolve({"four"});
  std::atomic<int> refusals{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      const Req r = request("GET", "/");
      Effects fx;
      for (int i = 0; i < 2000; ++i) {
        fx.clear();  // ends the previous exchange
        run(chain, r.view(), fx);
        if (fx.answer) refusals++;
      }
    });
  }
  for (auto& t : threads) t.join();
  // Four threads, one exchange each at a time: the limit of 4 never refuses.
  EXPECT_EQ(refusals.load(), 0);
  // And nothing leaked: exactly four fit now.
  std::vector<std::shared_ptr<void>> held;
  for (int i = 0; i < 4; ++i) {
    hit("four");
    EXPECT_TRUE(passed()) << i << ": " << detail();
    for (auto& h : fx_.holds) held.push_back(h);
  }
  hit("four");
  EXPECT_FALSE(passed()) << detail();
}

// ---- source keys ----------------------------------------------------------------------------

TEST(SourceKey, EachCriterionAndWhatItSays) {
  Req r = request("GET", "/");
  r.client = "192.0.2.7";
  r.host = "api.test:8080";
  r.with("X-Forwarded-For", "198.51.100.1, 10.0.0.5");
  r.with("X-Forwarded-For", "10.0.0.6");
  r.with("X-Tenant", "acme");
  struct Case {
    config::SourceCriterion criterion;
    const char* key;
    const char* how;
  };
  auto criterion = [](int64_t depth, std::vector<std::string> excluded, std::string header,
                      bool host) {
    config::SourceCriterion c;
    c.depth = depth;
    c.excluded_ips = std::move(excluded);
    c.request_header_name = std::move(header);
    c.request_host = host;
    return c;
  };
  const std::vector<Case> cases = {
      {criterion(0, {}, "", false), "192.0.2.7", "peer"},
      {criterion(1, {}, "", false), "10.0.0.6", "X-Forwarded-For, depth 1"},
      {criterion(2, {}, "", false), "10.0.0.5", "X-Forwarded-For, depth 2"},
      {criterion(3, {}, "", false), "198.51.100.1", "X-Forwarded-For, depth 3"},
      {criterion(4, {}, "", false), "", "X-Forwarded-For, depth 4"},
      {criterion(0, {"10.0.0.0/8"}, "", false), "198.51.100.1",
       "X-Forwarded-For, excluding excludedIPs"},
      {criterion(0, {"0.0.0.0/0"}, "", false), "", "X-Forwarded-For, excluding excludedIPs"},
      {criterion(0, {}, "x-tenant", false), "acme", "x-tenant"},
      {criterion(0, {}, "X-Missing", false), "", "X-Missing"},
      {criterion(0, {}, "", true), "api.test:8080", "Host"},
  };
  for (const Case& c : cases) {
    detail::Source source(c.criterion);
    std::string how;
    EXPECT_EQ(source.key(r.view(), how), c.key) << c.how;
    EXPECT_EQ(how, c.how);
  }
}

// ---- the shipped profiles -------------------------------------------------------------------

// profiles/staging.toml documents its admin login as user dev, password staging. meson sets
// BRIDGE_SOURCE_DIR to the repository root.
TEST(ShippedStaging, AdminAuthTakesDevStagingAndLimitsAreChained) {
  const char* root = std::getenv("BRIDGE_SOURCE_DIR");
  ASSERT_NE(root, nullptr) << "BRIDGE_SOURCE_DIR is not set (run it with meson test)";
  config::LoadOptions options;
  options.profile = "staging";
  options.config_dir = std::string(root) + "/profiles";
  options.environment_for_test = std::map<std::string, std::string>{};
  auto config = config::load(options);
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  Set set(*config);
  const config::Route* admin = nullptr;
  for (const auto& r : config->routes)
    if (r.name == "admin") admin = &r;
  ASSERT_NE(admin, nullptr);
  const Chain chain = set.resolve(admin->middlewares);
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0]->type(), "basicAuth");

  Req ok = request("GET", "/admin/");
  ok.with("Authorization", basic("dev:staging"));
  Effects fx;
  run(chain, ok.view(), fx);
  EXPECT_FALSE(fx.answer.has_value()) << fx.steps.back().detail;
  EXPECT_EQ(words(fx.request), (Words{"remove Authorization"}));

  Req wrong = request("GET", "/admin/");
  wrong.with("Authorization", basic("dev:production"));
  fx.clear();
  run(chain, wrong.view(), fx);
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->message, "wrong password for user \"dev\"");

  // The web listener's chain: the rate limit first, then the in-flight count.
  const config::Listener* web = config->find_listener("web");
  ASSERT_NE(web, nullptr);
  const Chain limits = set.resolve(web->middlewares);
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(limits[0]->type(), "rateLimit");
  EXPECT_EQ(limits[1]->type(), "inFlightReq");
  fx.clear();
  run(limits, ok.view(), fx);
  ASSERT_EQ(fx.steps.size(), 2u);
  EXPECT_EQ(fx.steps[0].detail, "50/s burst 100 per client IP; peer 127.0.0.1 within it");
  EXPECT_EQ(fx.steps[1].detail, "peer 127.0.0.1: 1 of 20 under way");
}

}  // namespace
}  // namespace bridge::middleware
