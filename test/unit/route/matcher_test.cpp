// Matching semantics, case by case, as Traefik v3 applies them.

#include "request.hpp"
#include "route/route.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridge::route {
namespace {

using test::TestRequest;

bool matches(std::string_view text, const TestRequest& request) {
  auto rule = Rule::parse(text);
  EXPECT_TRUE(rule) << text << ": " << (rule ? "" : rule.error().message);
  return rule && rule->matches(request.view());
}

TestRequest host(std::string h) { return TestRequest{.host = std::move(h)}; }
TestRequest path(std::string p) { return TestRequest{.path = std::move(p)}; }
TestRequest method(std::string m) { return TestRequest{.method = std::move(m)}; }
TestRequest query(std::string q) { return TestRequest{.query = std::move(q)}; }
TestRequest client(std::string ip) { return TestRequest{.client_ip = std::move(ip)}; }
TestRequest headers(std::vector<std::pair<std::string, std::string>> h) {
  return TestRequest{.headers = std::move(h)};
}

struct Case {
  std::string rule;
  TestRequest request;
  bool expected;
  std::string why;
};

class RouteSemantics : public ::testing::TestWithParam<Case> {};

TEST_P(RouteSemantics, MatchesAsTraefikDoes) {
  const Case& c = GetParam();
  EXPECT_EQ(matches(c.rule, c.request), c.expected) << c.rule << " -- " << c.why;
}

const Case cases[] = {
    // Host: case-insensitive, port ignored, one trailing dot ignored, IP literals.
    {"Host(`api.localhost`)", host("api.localhost"), true, "exact"},
    {"Host(`api.localhost`)", host("API.LocalHost"), true, "request host case"},
    {"Host(`API.localhost`)", host("api.localhost"), true, "rule host case"},
    {"Host(`api.localhost`)", host("api.localhost:8080"), true, "port ignored"},
    {"Host(`api.localhost`)", host("api.localhost."), true, "trailing dot on request"},
    {"Host(`api.localhost.`)", host("api.localhost"), true, "trailing dot on rule"},
    {"Host(`api.localhost.`)", host("api.localhost.:443"), true, "dots on both"},
    {"Host(`api.localhost`)", host("api.localhost.."), false, "only one dot is ignored"},
    {"Host(`api.localhost`)", host("localhost"), false, "parent domain"},
    {"Host(`localhost`)", host("api.localhost"), false, "subdomain"},
    {"Host(`api.localhost`)", host(""), false, "no host"},
    {"Host(`api.localhost`)", host(" api.localhost "), true, "Traefik trims spaces"},
    {"Host(`127.0.0.1`)", host("127.0.0.1:8080"), true, "IPv4 literal with port"},
    {"Host(`::1`)", host("[::1]:8080"), true, "IPv6 literal: brackets go with the port"},
    {"Host(`[::1]`)", host("[::1]:8080"), false, "bracketed rule vs bracket-less routing host"},
    {"Host(`[::1]`)", host("[::1]"), true, "no port: SplitHostPort fails, value kept"},
    {"Host(`localhost:8080`)", host("localhost:8080"), false, "rule with a port never matches"},
    {"Host(`*.localhost`)", host("a.localhost"), false, "no wildcards"},
    {"host(`a.test`)", host("a.test"), true, "lowercase matcher name"},
    // HostRegexp: lowercased host without port, unanchored, case-sensitive pattern.
    {"HostRegexp(`^[a-z]+\\.localhost$`)", host("api.localhost"), true, "anchored match"},
    {"HostRegexp(`^[a-z]+\\.localhost$`)", host("API.LOCALHOST:3000"), true, "lowercased, no port"},
    {"HostRegexp(`localhost`)", host("api.localhost.test"), true, "unanchored"},
    {"HostRegexp(`^localhost$`)", host("api.localhost"), false, "anchors respected"},
    {"HostRegexp(`^API\\.`)", host("API.localhost"), false, "pattern sees lowercase host"},
    {"HostRegexp(`(?i)^API\\.`)", host("api.localhost"), true, "(?i) flag"},
    {"HostRegexp(`^[a-z]*$`)", host("my-app.test"), true, "matches \"\": Traefik's CNAME quirk"},
    {"HostRegexp(`{sub:[a-z]+}.localhost`)", host("api.localhost"), false, "v2 placeholder"},
    // Path: exact, on the decoded path.
    {"Path(`/users`)", path("/users"), true, "exact"},
    {"Path(`/users`)", path("/users/"), false, "trailing slash differs"},
    {"Path(`/users`)", path("/Users"), false, "case-sensitive"},
    {"Path(`/users/{id}`)", path("/users/42"), false, "v2 placeholder is literal"},
    {"Path(`/users/{id}`)", path("/users/{id}"), true, "v2 placeholder is literal"},
    {"Path(`/a b`)", path("/a b"), true, "decoded path"},
    // PathPrefix: a string prefix.
    {"PathPrefix(`/api`)", path("/api"), true, "equal"},
    {"PathPrefix(`/api`)", path("/api/users"), true, "below"},
    {"PathPrefix(`/api`)", path("/apix"), true, "sibling: string prefix"},
    {"PathPrefix(`/api/`)", path("/api"), false, "prefix longer than path"},
    {"PathPrefix(`/api`)", path("/API"), false, "case-sensitive"},
    {"PathPrefix(`/`)", path("/anything"), true, "root"},
    {"PathPrefix(`/api`)", path("/"), false, "shorter path"},
    // PathRegexp: unanchored, case-sensitive.
    {"PathRegexp(`^/users/[0-9]+$`)", path("/users/42"), true, "anchored"},
    {"PathRegexp(`^/users/[0-9]+$`)", path("/users/abc"), false, "anchored mismatch"},
    {"PathRegexp(`\\.php`)", path("/admin/index.php"), true, "unanchored"},
    {"PathRegexp(`^/API`)", path("/api"), false, "case-sensitive"},
    {"PathRegexp(`(?i)^/API`)", path("/api"), true, "(?i) flag"},
    // Method: rule uppercased, request as sent.
    {"Method(`GET`)", method("GET"), true, "exact"},
    {"Method(`get`)", method("GET"), true, "rule uppercased"},
    {"Method(`GET`)", method("get"), false, "request method case-sensitive"},
    {"Method(`GET`)", method("POST"), false, "other method"},
    {"Method(`PURGE`)", method("PURGE"), true, "extension method"},
    // Header: name case-insensitive, any value equal; HeaderRegexp: any value matches.
    {"Header(`X-Env`, `staging`)", headers({{"X-Env", "staging"}}), true, "exact"},
    {"Header(`x-env`, `staging`)", headers({{"X-ENV", "staging"}}), true, "name case"},
    {"Header(`X-Env`, `staging`)", headers({{"X-Env", "Staging"}}), false, "value case"},
    {"Header(`X-Env`, `staging`)", headers({{"X-Env", "prod"}, {"x-env", "staging"}}), true,
     "second field line"},
    {"Header(`X-Env`, `staging`)", headers({{"X-Env", "prod, staging"}}), false,
     "one comma-joined value"},
    {"Header(`X-Env`, `staging`)", headers({}), false, "absent"},
    {"Header(`Host`, `localhost`)", headers({{"Host", "localhost"}}), false,
     "Go moves Host out of the header map"},
    {"HeaderRegexp(`User-Agent`, `curl/.*`)", headers({{"User-Agent", "curl/8.0"}}), true, "regex"},
    {"HeaderRegexp(`User-Agent`, `^curl`)", headers({{"User-Agent", "Mozilla (curl)"}}), false,
     "anchored"},
    {"HeaderRegexp(`X-Env`, `stag`)", headers({{"X-Env", "staging"}}), true, "unanchored"},
    {"HeaderRegexp(`X-Env`, `.*`)", headers({}), false, "absent never matches"},
    // Query: Go's url.ParseQuery.
    {"Query(`page`, `2`)", query("page=2"), true, "exact"},
    {"Query(`page`, `2`)", query("page=1&page=2"), true, "any value"},
    {"Query(`page`, `2`)", query("page=3"), false, "other value"},
    {"Query(`q`, `a b`)", query("q=a+b"), true, "plus is space"},
    {"Query(`q`, `a b`)", query("q=a%20b"), true, "percent-decoding"},
    {"Query(`q`, `a+b`)", query("q=a%2Bb"), true, "encoded plus"},
    {"Query(`q`, `a+b`)", query("q=a+b"), false, "raw plus is a space"},
    {"Query(`debug`)", query("debug"), true, "key without ="},
    {"Query(`debug`)", query("debug="), true, "key with empty value"},
    {"Query(`debug`)", query("debug=1"), false, "one argument wants an empty value"},
    {"Query(`debug`)", query(""), false, "no query"},
    {"Query(`page`, `2`)", query("page=2;x=1"), false, "a pair with ';' is dropped"},
    {"Query(`page`, `2`)", query("x=1;y=2&page=2"), true, "only the ';' pair is dropped"},
    {"Query(`page`, `2`)", query("page=%zz&page=2"), true, "bad escape drops only its pair"},
    {"Query(`page`, `2`)", query("page=2%"), false, "truncated escape"},
    {"Query(`Page`, `2`)", query("page=2"), false, "key case-sensitive"},
    {"Query(`a=b`)", query("a=b"), false, "v2 key=value form is a key"},
    {"Query(`k x`, `1`)", query("k%20x=1"), true, "key decoded"},
    {"Query(`page`, `2`)", query("&&page=2&"), true, "empty pairs skipped"},
    {"QueryRegexp(`page`, `^[0-9]+$`)", query("page=42"), true, "regex"},
    {"QueryRegexp(`page`, `^[0-9]+$`)", query("page=abc"), false, "regex mismatch"},
    {"QueryRegexp(`q`, `^a b$`)", query("q=a+b"), true, "regex on decoded value"},
    {"QueryRegexp(`debug`)", query("debug"), true, "one argument: like Query"},
    {"QueryRegexp(`page`, `.*`)", query("other=1"), false, "absent key"},
    // ClientIP: v4, v6, CIDR, v4-mapped v6.
    {"ClientIP(`127.0.0.1`)", client("127.0.0.1"), true, "single v4"},
    {"ClientIP(`10.0.0.0/8`)", client("10.1.2.3"), true, "v4 CIDR"},
    {"ClientIP(`10.0.0.0/8`)", client("11.0.0.1"), false, "outside v4 CIDR"},
    {"ClientIP(`10.0.0.0/8`)", client("::ffff:10.1.2.3"), true, "v4-mapped client"},
    {"ClientIP(`10.0.0.1`)", client("::ffff:10.0.0.1"), true, "v4-mapped equals v4"},
    {"ClientIP(`::1`)", client("::1"), true, "single v6"},
    {"ClientIP(`::1`)", client("[::1]"), true, "bracketed client"},
    {"ClientIP(`fd00::/8`)", client("fd12::1"), true, "v6 CIDR"},
    {"ClientIP(`fd00::/8`)", client("fe80::1"), false, "outside v6 CIDR"},
    {"ClientIP(`::/0`)", client("127.0.0.1"), false, "v6 network holds no v4 client"},
    {"ClientIP(`0.0.0.0/0`)", client("::1"), false, "v4 network holds no v6 client"},
    {"ClientIP(`127.0.0.1`)", client(""), false, "unknown client"},
    {"ClientIP(`10.0.0.1/8`)", client("10.9.9.9"), true, "host bits ignored"},
    {"ClientIP(`::ffff:10.0.0.0/104`)", client("10.1.1.1"), true, "v4-mapped CIDR"},
    {"ClientIP(`192.168.1.0/25`)", client("192.168.1.200"), false, "odd prefix, outside"},
    {"ClientIP(`192.168.1.0/25`)", client("192.168.1.100"), true, "odd prefix, inside"},
    // Operators.
    {"Host(`a.test`) && PathPrefix(`/api`)", TestRequest{.host = "a.test", .path = "/api/x"}, true,
     "and"},
    {"Host(`a.test`) && PathPrefix(`/api`)", TestRequest{.host = "a.test", .path = "/web"}, false,
     "and, one fails"},
    {"Host(`a.test`) || Host(`b.test`)", host("b.test"), true, "or"},
    {"!Path(`/health`)", path("/health"), false, "not"},
    {"!Path(`/health`)", path("/x"), true, "not"},
    {"Host(`a`) || Host(`b`) && Path(`/x`)", TestRequest{.host = "a", .path = "/y"}, true,
     "&& binds tighter than ||"},
    {"(Host(`a`) || Host(`b`)) && Path(`/x`)", TestRequest{.host = "a", .path = "/y"}, false,
     "parentheses"},
    {"!Host(`a`) && Path(`/x`)", TestRequest{.host = "b", .path = "/x"}, true,
     "! binds tighter than &&"},
    {"!(Host(`a`) && Path(`/x`))", TestRequest{.host = "a", .path = "/y"}, true, "not of a group"},
};

INSTANTIATE_TEST_SUITE_P(Table, RouteSemantics, ::testing::ValuesIn(cases));

TEST(RouteMatcher, PathPrefixMatchesSiblingWithoutSegmentBoundary) {
  EXPECT_TRUE(matches("PathPrefix(`/api`)", path("/apix")));
  EXPECT_FALSE(matches("PathPrefix(`/api/`)", path("/apix")));
}

TEST(RouteMatcher, HostIgnoresPortAndCase) {
  EXPECT_TRUE(matches("Host(`Api.Localhost`)", host("API.localhost:8443")));
}

TEST(RouteMatcher, RequestMethodIsCaseSensitive) {
  EXPECT_TRUE(matches("Method(`delete`)", method("DELETE")));
  EXPECT_FALSE(matches("Method(`DELETE`)", method("delete")));
}

TEST(RouteMatcher, HeaderHostIsNeverVisible) {
  EXPECT_FALSE(matches("Header(`host`, `a.test`)", headers({{"Host", "a.test"}})));
  EXPECT_FALSE(matches("HeaderRegexp(`Host`, `.*`)", headers({{"Host", "a.test"}})));
}

TEST(RouteMatcher, QueryDecodesLikeGoParseQuery) {
  EXPECT_TRUE(matches("Query(`name`, `José & co`)", query("name=Jos%C3%A9+%26+co")));
  EXPECT_TRUE(matches("Query(`a`, `=b`)", query("a==b")));
}

TEST(RouteMatcher, LongUppercaseHostStillMatchesRegexp) {
  std::string label(300, 'A');
  EXPECT_TRUE(matches("HostRegexp(`^a+\\.test$`)", host(label + ".test")));
}

TEST(RouteMatcher, LongEscapedQueryValueStillMatchesRegexp) {
  std::string value;
  for (int i = 0; i < 600; ++i) value += "%41";
  EXPECT_TRUE(matches("QueryRegexp(`v`, `^A{600}$`)", query("v=" + value)));
}

TEST(RouteIpAddress, ParsesAndPrints) {
  EXPECT_EQ(IpAddress::parse("127.0.0.1")->str(), "127.0.0.1");
  EXPECT_EQ(IpAddress::parse("[::1]")->str(), "::1");
  EXPECT_TRUE(IpAddress::parse("::1")->v6);
  EXPECT_FALSE(IpAddress::parse("[127.0.0.1]"));
  EXPECT_FALSE(IpAddress::parse("localhost"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("1.2.3.4/8"));
}

}  // namespace
}  // namespace bridge::route
