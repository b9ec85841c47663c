// Rule parsing: every matcher, precedence, quoting, and each error's text, hint and position.

#include "request.hpp"
#include "route/route.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridge::route {
namespace {

std::string canonical(std::string_view text) {
  auto rule = Rule::parse(text);
  EXPECT_TRUE(rule.has_value()) << text << ": " << (rule ? "" : rule.error().message);
  return rule ? rule->canonical() : std::string();
}

TEST(RouteParser, ParsesEveryMatcher) {
  const char* rules[] = {
      "Host(`api.localhost`)",
      "HostRegexp(`^[a-z]+\\.localhost$`)",
      "Path(`/users`)",
      "PathPrefix(`/api`)",
      "PathRegexp(`^/users/[0-9]+$`)",
      "Method(`POST`)",
      "Header(`X-Env`, `staging`)",
      "HeaderRegexp(`User-Agent`, `^curl/`)",
      "Query(`page`, `2`)",
      "Query(`debug`)",
      "QueryRegexp(`page`, `^[0-9]+$`)",
      "QueryRegexp(`debug`)",
      "ClientIP(`127.0.0.1`)",
      "ClientIP(`10.0.0.0/8`)",
      "ClientIP(`::1`)",
      "ClientIP(`fd00::/8`)",
  };
  for (const char* text : rules) EXPECT_EQ(canonical(text), text);
}

TEST(RouteParser, KeepsTextAndCanonicalForm) {
  auto rule = Rule::parse("host(\"a.test\")&&(pathprefix(`/x`))");
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->text(), "host(\"a.test\")&&(pathprefix(`/x`))");
  EXPECT_EQ(rule->canonical(), "Host(`a.test`) && PathPrefix(`/x`)");
}

TEST(RouteParser, AcceptsTraefiksFourSpellingsOfAName) {
  EXPECT_EQ(canonical("PathPrefix(`/a`)"), "PathPrefix(`/a`)");
  EXPECT_EQ(canonical("pathprefix(`/a`)"), "PathPrefix(`/a`)");
  EXPECT_EQ(canonical("PATHPREFIX(`/a`)"), "PathPrefix(`/a`)");
  EXPECT_EQ(canonical("Pathprefix(`/a`)"), "PathPrefix(`/a`)");
  EXPECT_EQ(canonical("clientip(`::1`)"), "ClientIP(`::1`)");
  EXPECT_FALSE(Rule::parse("pathPrefix(`/a`)"));  // not one of the four
}

TEST(RouteParser, NotBindsTighterThanAndTighterThanOr) {
  EXPECT_EQ(canonical("Host(`a`) || Host(`b`) && Path(`/x`)"),
            "Host(`a`) || Host(`b`) && Path(`/x`)");
  EXPECT_EQ(canonical("(Host(`a`) || Host(`b`)) && Path(`/x`)"),
            "(Host(`a`) || Host(`b`)) && Path(`/x`)");
  EXPECT_EQ(canonical("!Host(`a`) && Path(`/x`)"), "!Host(`a`) && Path(`/x`)");
  EXPECT_EQ(canonical("!(Host(`a`) && Path(`/x`))"), "!(Host(`a`) && Path(`/x`))");
  EXPECT_EQ(canonical("!!Host(`a`)"), "!!Host(`a`)");
}

TEST(RouteParser, DropsRedundantParenthesesAndFlattensChains) {
  EXPECT_EQ(canonical("((Host(`a`)))"), "Host(`a`)");
  EXPECT_EQ(canonical("(Host(`a`) && Path(`/x`)) && Method(`GET`)"),
            "Host(`a`) && Path(`/x`) && Method(`GET`)");
  EXPECT_EQ(canonical("Host(`a`) || (Host(`b`) || Host(`c`))"),
            "Host(`a`) || Host(`b`) || Host(`c`)");
  EXPECT_EQ(canonical("(Host(`a`) && Path(`/x`)) || Path(`/y`)"),
            "Host(`a`) && Path(`/x`) || Path(`/y`)");
}

TEST(RouteParser, DoubleQuotedStringsTakeGoEscapes) {
  EXPECT_EQ(canonical(R"(Header("X-Q", "say \"hi\""))"), "Header(`X-Q`, `say \"hi\"`)");
  EXPECT_EQ(canonical(R"(PathRegexp("^/a\\.b$"))"), "PathRegexp(`^/a\\.b$`)");
  EXPECT_EQ(canonical(R"(Header("X", "\x41\u00e9\101"))"), "Header(`X`, `Aé\x41`)");
  EXPECT_EQ(canonical(R"(Header("X", "a\tb"))"), "Header(`X`, `a\tb`)");
}

TEST(RouteParser, BacktickStringsAreRaw) {
  EXPECT_EQ(canonical(R"(PathRegexp(`^/a\.b$`))"), R"(PathRegexp(`^/a\.b$`))");
  EXPECT_EQ(canonical("Header(`X`, `\"q\"`)"), "Header(`X`, `\"q\"`)");
}

TEST(RouteParser, ArgumentWithBacktickIsWrittenInDoubleQuotes) {
  EXPECT_EQ(canonical(R"(Header("X", "a`b"))"), R"(Header(`X`, "a`b"))");
}

TEST(RouteParser, AcceptsWhitespaceLineBreaksAfterOperatorsAndTrailingComma) {
  EXPECT_EQ(canonical(" \tHost(`a`) &&\n  Path(`/x`)\n"), "Host(`a`) && Path(`/x`)");
  EXPECT_EQ(canonical("Header(`X`, `y`,)"), "Header(`X`, `y`)");
  EXPECT_EQ(canonical("Host ( `a` )"), "Host(`a`)");
}

TEST(RouteParser, V2PlaceholdersAreLiteralText) {
  EXPECT_EQ(canonical("Path(`/users/{id}`)"), "Path(`/users/{id}`)");
  EXPECT_EQ(canonical("HostRegexp(`{sub:[a-z]+}.localhost`)"),
            "HostRegexp(`{sub:[a-z]+}.localhost`)");
}

struct ErrorCase {
  std::string rule;
  std::string message;
  std::string hint;
  int line;
  int column;
  int span;
};

class RouteParserError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RouteParserError, ReportsMessageHintAndPosition) {
  const ErrorCase& c = GetParam();
  auto rule = Rule::parse(c.rule);
  ASSERT_FALSE(rule) << c.rule;
  const Error& e = rule.error();
  EXPECT_EQ(e.code, ErrorCode::Config);
  EXPECT_EQ(e.message, c.message);
  EXPECT_EQ(e.hint, c.hint);
  EXPECT_EQ(e.where.source, "rule");
  EXPECT_EQ(e.where.line, c.line);
  EXPECT_EQ(e.where.column, c.column);
  EXPECT_EQ(e.span, c.span);
}

const ErrorCase error_cases[] = {
    {"PathPrefx(`/api`)", "unknown matcher \"PathPrefx\"", "did you mean \"PathPrefix\"?", 1, 1, 9},
    {"Host(`a`) && pathPrefix(`/a`)", "unknown matcher \"pathPrefix\"",
     "did you mean \"PathPrefix\"?", 1, 14, 10},
    {"Headers(`X`, `y`)", "unknown matcher \"Headers\"", "did you mean \"Header\"?", 1, 1, 7},
    {"HostHeader(`a`)", "unknown matcher \"HostHeader\"",
     "HostHeader was removed in Traefik v3: use Host", 1, 1, 10},
    {"Frobnicate(`a`)", "unknown matcher \"Frobnicate\"",
     "matchers are Host, HostRegexp, Path, PathPrefix, PathRegexp, Method, Header, HeaderRegexp, "
     "Query, QueryRegexp, ClientIP",
     1, 1, 10},
    {"Host(`a`, `b`)", "Host takes exactly 1 argument, got 2", "write Host(`a`) || Host(`b`)", 1, 1,
     14},
    {"Method(`GET`, `POST`)", "Method takes exactly 1 argument, got 2",
     "write Method(`GET`) || Method(`POST`)", 1, 1, 21},
    {"Path(`/a`) && PathPrefix(`/b`, `/c`, `/d`)", "PathPrefix takes exactly 1 argument, got 3",
     "write PathPrefix(`/b`) || PathPrefix(`/c`) || PathPrefix(`/d`)", 1, 15, 28},
    {"Host()", "Host takes exactly 1 argument, got 0", "", 1, 1, 6},
    {"Header(`X-Env`)", "Header takes exactly 2 arguments, got 1",
     "write Header(`X-Name`, `value`)", 1, 1, 15},
    {"Query(`a`, `b`, `c`)", "Query takes 1 or 2 arguments, got 3", "write Query(`key`, `value`)",
     1, 1, 20},
    {"QueryRegexp()", "QueryRegexp takes 1 or 2 arguments, got 0",
     "write QueryRegexp(`key`, `value`)", 1, 1, 13},
    {"(Host(`a`) && Path(`/b`)", "unbalanced parentheses: missing \")\"", "", 1, 1, 1},
    {"Host(`a`", "unbalanced parentheses: missing \")\"", "", 1, 5, 1},
    {"Host(`a`,", "unbalanced parentheses: missing \")\"", "", 1, 5, 1},
    {"Host(`a`))", "unexpected \")\"", "", 1, 10, 1},
    {"Host(`a`) && ()", "unexpected \")\"", "", 1, 15, 1},
    {"PathRegexp(`(`)", "invalid regular expression: missing ): (", "", 1, 12, 3},
    {"HeaderRegexp(`X`, `[a-`)", "invalid regular expression: missing ]: [a-", "", 1, 19, 5},
    {"ClientIP(`10.0.0.0/33`)", "invalid IP or CIDR \"10.0.0.0/33\"",
     "write an address (10.0.0.1, ::1) or a CIDR (10.0.0.0/8, fd00::/8)", 1, 10, 13},
    {"ClientIP(`[::1]`)", "invalid IP or CIDR \"[::1]\"",
     "write an address (10.0.0.1, ::1) or a CIDR (10.0.0.0/8, fd00::/8)", 1, 10, 7},
    {"ClientIP(`010.0.0.1`)", "invalid IP or CIDR \"010.0.0.1\"",
     "write an address (10.0.0.1, ::1) or a CIDR (10.0.0.0/8, fd00::/8)", 1, 10, 11},
    {"Host(``)", "empty argument", "", 1, 6, 2},
    {"Header(`X`, \"\")", "empty argument", "", 1, 13, 2},
    {"Query(`page`, ``)", "empty argument", "Query(`page`) matches the key with an empty value", 1,
     15, 2},
    {"Path(`api`)", "Path must start with \"/\"", "write Path(`/api`)", 1, 6, 5},
    {"PathPrefix(`api/`)", "PathPrefix must start with \"/\"", "write PathPrefix(`/api/`)", 1, 12,
     6},
    {"Host(`bücher.test`)", "non-ASCII host \"bücher.test\": rules take punycode (xn--...)",
     "write Host(`xn--bcher-kva.test`)", 1, 6, 13},
    {"HostRegexp(`^bücher`)", "non-ASCII host \"^bücher\": rules take punycode (xn--...)", "", 1,
     12, 9},
    {"Host(`a`) Path(`/`)", "expected \"&&\" or \"||\" after matcher", "", 1, 11, 4},
    {"(Host(`a`)) Path(`/`)", "expected \"&&\" or \"||\" after \")\"", "", 1, 13, 4},
    {"Host(`a`) !Path(`/`)", "expected \"&&\" or \"||\" after matcher", "", 1, 11, 1},
    {"Host(`a)", "unterminated string", "", 1, 6, 3},
    {"Host(\"a)", "unterminated string", "", 1, 6, 3},
    {"Host(\"a\nb\")", "unterminated string", "", 1, 6, 2},
    {"", "empty rule", "", 1, 1, 1},
    {"   ", "empty rule", "", 1, 1, 3},
    {"Host(`a`) &&", "expected a matcher at the end of the rule",
     "an operator needs a matcher on both sides", 1, 13, 1},
    {"&& Host(`a`)", "expected a matcher, got \"&&\"", "", 1, 1, 2},
    {"`a`", "expected a matcher, got a string",
     "arguments go inside a matcher: Host(`example.test`)", 1, 1, 3},
    {"Host", "expected \"(\" after Host", "", 1, 5, 1},
    {"Host `a`", "expected \"(\" after Host", "", 1, 6, 3},
    {"Host(Path(`/`))", "expected a string in backticks or double quotes, got Path", "", 1, 6, 4},
    {"Host(`a` `b`)", "expected \",\" or \")\" after argument", "", 1, 10, 3},
    {"Host(`a`) & Path(`/`)", "unexpected \"&\"", "did you mean \"&&\"?", 1, 11, 1},
    {"Host(`a`) | Path(`/`)", "unexpected \"|\"", "did you mean \"||\"?", 1, 11, 1},
    {"Host('a')", "unexpected \"'\"",
     "strings go in backticks or double quotes: Host(`example.test`)", 1, 6, 1},
    {"Host(\"a\\qb\")", "invalid escape \"\\\\q\" in string",
     "in double quotes write \\\" and \\\\; backticks take text as it is", 1, 8, 2},
    {"Host(`a`) && #", "unexpected character \"#\"", "", 1, 14, 1},
    {"PathPrefix(/api)", "unexpected character \"/\"",
     "strings go in backticks or double quotes: PathPrefix(`/api`)", 1, 12, 1},
    {"Host(example.com)", "expected a string in backticks or double quotes, got example",
     "strings go in backticks or double quotes: Host(`example.com`)", 1, 6, 7},
    {"Host(`a`, b)", "expected a string in backticks or double quotes, got b",
     "strings go in backticks or double quotes: Host(`b`)", 1, 11, 1},
    {"Path(`/ü`) && Hots(`a`)", "unknown matcher \"Hots\"", "did you mean \"Host\"?", 1, 15, 4},
    {"Host(`a`)\n&& Path(`/`)", "unexpected line break before \"&&\"",
     "Traefik reads a line break after \")\", a name or a string as the end of the rule: break "
     "lines after \"&&\" or \"||\" instead",
     2, 1, 2},
    {"Host(`a`) &&\nPathh(`/`)", "unknown matcher \"Pathh\"", "did you mean \"Path\"?", 2, 1, 5},
    {std::string(150, '(') + "Host(`a`)" + std::string(150, ')'),
     "rule nests too deeply (more than 100 levels)", "", 1, 102, 1},
    {std::string(150, '!') + "Host(`a`)", "rule nests too deeply (more than 100 levels)", "", 1,
     102, 1},
};

INSTANTIATE_TEST_SUITE_P(Messages, RouteParserError, ::testing::ValuesIn(error_cases));

TEST(RouteParser, ErrorCarriesTheRuleLineForTheCaret) {
  auto rule = Rule::parse("Host(`a`) &&\n  PathPrefx(`/x`)");
  ASSERT_FALSE(rule);
  EXPECT_EQ(rule.error().source_line, "  PathPrefx(`/x`)");
  EXPECT_EQ(rule.error().where.line, 2);
  EXPECT_EQ(rule.error().where.column, 3);
}

TEST(RouteParser, LowercasesHostAndUppercasesMethodForMatchingOnly) {
  auto rule = Rule::parse("Host(`API.Localhost`) && Method(`get`)");
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->canonical(), "Host(`API.Localhost`) && Method(`get`)");
  test::TestRequest request{.method = "GET", .host = "api.localhost"};
  EXPECT_TRUE(rule->matches(request.view()));
}

TEST(RouteParser, DefaultRuleMatchesNothing) {
  Rule rule;
  test::TestRequest request;
  EXPECT_FALSE(rule.matches(request.view()));
  EXPECT_EQ(rule.canonical(), "");
}

}  // namespace
}  // namespace bridge::route
