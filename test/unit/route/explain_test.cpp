// explain(): the deciding sub-expression, what it saw, and notes on Traefik surprises.

#include "request.hpp"
#include "route/route.hpp"

#include <gtest/gtest.h>

namespace bridge::route {
namespace {

using test::TestRequest;

Explanation explain_text(std::string_view text, const TestRequest& request) {
  auto rule = Rule::parse(text);
  EXPECT_TRUE(rule) << text;
  return rule ? explain(*rule, request.view()) : Explanation{};
}

TEST(RouteExplain, HostMismatchShowsTheHostSeen) {
  auto e = explain_text("Host(`api.localhost`)", TestRequest{.host = "localhost"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "Host(`api.localhost`)");
  EXPECT_EQ(e.observed, "host was \"localhost\"");
  EXPECT_EQ(e.note, "");
}

TEST(RouteExplain, HostShowsWhatWasSentWhenItDiffers) {
  auto e = explain_text("Host(`api.localhost`)", TestRequest{.host = "Api.Localhost:8080"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.observed, "host was \"api.localhost\" (sent as \"Api.Localhost:8080\")");
}

TEST(RouteExplain, EmptyHost) {
  auto e = explain_text("Host(`a.test`)", TestRequest{.host = ""});
  EXPECT_EQ(e.observed, "host was empty");
}

TEST(RouteExplain, FailedAndReportsFirstFailingOperand) {
  auto e = explain_text("Host(`a.test`) && Method(`POST`) && Path(`/x`)",
                        TestRequest{.method = "GET", .host = "a.test", .path = "/y"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "Method(`POST`)");
  EXPECT_EQ(e.observed, "method was \"GET\"");
}

TEST(RouteExplain, MatchedAndReportsEveryOperand) {
  auto e = explain_text("Host(`a.test`) && PathPrefix(`/api/`)",
                        TestRequest{.host = "a.test", .path = "/api/users"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.expression, "Host(`a.test`) && PathPrefix(`/api/`)");
  EXPECT_EQ(e.observed, "host was \"a.test\"; path was \"/api/users\"");
}

TEST(RouteExplain, MatchedOrReportsTheOperandThatMatched) {
  auto e = explain_text("Host(`a.test`) || Host(`b.test`)", TestRequest{.host = "b.test"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.expression, "Host(`b.test`)");
  EXPECT_EQ(e.observed, "host was \"b.test\"");
}

TEST(RouteExplain, FailedOrReportsEachOperandOnce) {
  auto e = explain_text("Host(`a.test`) || Host(`b.test`)", TestRequest{.host = "c.test"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "Host(`a.test`) || Host(`b.test`)");
  EXPECT_EQ(e.observed, "host was \"c.test\"");
}

TEST(RouteExplain, FailedOrOfAndsReducesToTheFailingParts) {
  auto e = explain_text("(Host(`a`) && Path(`/x`)) || (Host(`b`) && Path(`/y`))",
                        TestRequest{.host = "a", .path = "/z"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "Path(`/x`) || Host(`b`)");
  EXPECT_EQ(e.observed, "path was \"/z\"; host was \"a\"");
}

TEST(RouteExplain, MatchedAndOfOrsKeepsParentheses) {
  auto e = explain_text("(Host(`a`) || Host(`b`)) && (Path(`/x`) || Path(`/y`) && Method(`GET`))",
                        TestRequest{.method = "GET", .host = "b", .path = "/y"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.expression, "Host(`b`) && Path(`/y`) && Method(`GET`)");
}

TEST(RouteExplain, NegatedMatcherThatMatchedDecidesTheFailure) {
  auto e = explain_text("PathPrefix(`/`) && !Path(`/health`)", TestRequest{.path = "/health"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "!Path(`/health`)");
  EXPECT_EQ(e.observed, "path was \"/health\"");
}

TEST(RouteExplain, NegatedGroupKeepsItsParentheses) {
  auto e = explain_text("!(Host(`a`) && Path(`/x`))", TestRequest{.host = "a", .path = "/x"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.expression, "!(Host(`a`) && Path(`/x`))");
  EXPECT_EQ(e.observed, "host was \"a\"; path was \"/x\"");
}

TEST(RouteExplain, NegatedGroupThatFailedNamesTheOperandThatFailed) {
  auto e = explain_text("!(Host(`a`) && Path(`/x`))", TestRequest{.host = "a", .path = "/y"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.expression, "!Path(`/x`)");
}

TEST(RouteExplain, HeaderAbsentSingleAndManyValues) {
  auto absent = explain_text("Header(`X-Env`, `staging`)", TestRequest{});
  EXPECT_EQ(absent.observed, "header \"X-Env\" was absent");
  auto one = explain_text("Header(`X-Env`, `staging`)", TestRequest{.headers = {{"x-env", "a"}}});
  EXPECT_EQ(one.observed, "header \"X-Env\" was \"a\"");
  auto many = explain_text("HeaderRegexp(`X-Env`, `^s`)",
                           TestRequest{.headers = {{"X-Env", "a"}, {"X-ENV", "b"}}});
  EXPECT_FALSE(many.matched);
  EXPECT_EQ(many.observed, "header \"X-Env\" had values [\"a\", \"b\"]");
}

TEST(RouteExplain, QueryAbsentAndDecodedValues) {
  auto absent = explain_text("Query(`page`, `2`)", TestRequest{.query = "size=10"});
  EXPECT_EQ(absent.observed, "query \"page\" was absent");
  auto many = explain_text("Query(`q`, `x`)", TestRequest{.query = "q=a+b&q=%2F&q"});
  EXPECT_EQ(many.observed, "query \"q\" had values [\"a b\", \"/\", \"\"]");
}

TEST(RouteExplain, MethodClientIpAndPath) {
  EXPECT_EQ(explain_text("Method(`GET`)", TestRequest{.method = "POST"}).observed,
            "method was \"POST\"");
  EXPECT_EQ(explain_text("ClientIP(`10.0.0.0/8`)", TestRequest{.client_ip = "127.0.0.1"}).observed,
            "client IP was 127.0.0.1");
  EXPECT_EQ(explain_text("ClientIP(`::1`)", TestRequest{}).observed, "client IP was unknown");
  EXPECT_EQ(explain_text("ClientIP(`::1`)", TestRequest{.client_ip = "::1"}).observed,
            "client IP was ::1");
  EXPECT_EQ(explain_text("Path(`/users`)", TestRequest{.path = "/users/1"}).observed,
            "path was \"/users/1\"");
}

TEST(RouteExplain, NotesPathPrefixWithoutSegmentBoundary) {
  auto e = explain_text("PathPrefix(`/api`)", TestRequest{.path = "/apix"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(e.note,
            "PathPrefix(`/api`) also matches \"/apix\": it is a string prefix, not a path segment");
  EXPECT_EQ(explain_text("PathPrefix(`/api`)", TestRequest{.path = "/api/x"}).note, "");
  EXPECT_EQ(explain_text("PathPrefix(`/api`)", TestRequest{.path = "/api"}).note, "");
}

TEST(RouteExplain, NotesRequestMethodCase) {
  auto e = explain_text("Method(`GET`)", TestRequest{.method = "get"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.note, "methods are case-sensitive: \"get\" is not \"GET\"");
}

TEST(RouteExplain, NotesHeaderHostIsInvisible) {
  auto e = explain_text("Header(`Host`, `a.test`)", TestRequest{.headers = {{"Host", "a.test"}}});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.observed, "header \"Host\" is not visible to header matchers");
  EXPECT_EQ(e.note,
            "Traefik never matches Header(`Host`, ...): Go moves the Host header out of the header "
            "map; use Host()");
}

TEST(RouteExplain, NotesBracketedAndPortedHostRules) {
  auto bracket = explain_text("Host(`[::1]`)", TestRequest{.host = "[::1]:8080"});
  EXPECT_FALSE(bracket.matched);
  EXPECT_EQ(bracket.note,
            "Host(`[::1]`) only matches a request host sent without a port; Traefik compares "
            "\"::1\": write Host(`::1`)");
  auto port = explain_text("Host(`localhost:8080`)", TestRequest{.host = "localhost:8080"});
  EXPECT_EQ(port.note,
            "Host(`localhost:8080`) names a port, but Traefik compares the host without its port");
}

TEST(RouteExplain, NotesHostRegexpThatMatchesTheEmptyString) {
  auto e = explain_text("HostRegexp(`^[a-z]*$`)", TestRequest{.host = "my-app.test"});
  EXPECT_TRUE(e.matched);
  EXPECT_EQ(
      e.note,
      "HostRegexp(`^[a-z]*$`) matches the empty string, so Traefik matches it for every host");
}

TEST(RouteExplain, NotesV2QueryForm) {
  auto e = explain_text("Query(`a=b`)", TestRequest{.query = "a=b"});
  EXPECT_FALSE(e.matched);
  EXPECT_EQ(e.note, "Query(`a=b`) looks for a key named \"a=b\": write Query(`a`, `b`)");
}

TEST(RouteExplain, AgreesWithMatches) {
  const char* rules[] = {"Host(`a`) && !Path(`/x`)", "!(Host(`a`) || Method(`POST`))",
                         "Host(`b`) || Path(`/x`) && !Method(`GET`)"};
  TestRequest requests[] = {{.host = "a", .path = "/x"},
                            {.method = "POST", .host = "b", .path = "/y"},
                            {.host = "a", .path = "/x"}};
  for (const char* text : rules) {
    auto rule = Rule::parse(text);
    ASSERT_TRUE(rule);
    for (const auto& request : requests) {
      EXPECT_EQ(explain(*rule, request.view()).matched, rule->matches(request.view())) << text;
    }
  }
}

}  // namespace
}  // namespace bridge::route
