// Table: priority order, ties, listeners, explain_all and build errors.

#include "request.hpp"
#include "route/route.hpp"

#include <gtest/gtest.h>

namespace bridge::route {
namespace {

using test::TestRequest;

Table build(std::vector<RouteSpec> specs) {
  auto table = Table::build(std::move(specs));
  EXPECT_TRUE(table) << (table ? "" : table.error().message);
  return table ? std::move(*table) : Table{};
}

std::vector<std::string> order(const Table& table) {
  std::vector<std::string> names;
  for (const auto& route : table.routes()) names.push_back(route.name);
  return names;
}

TEST(RouteTable, DefaultPriorityIsRuleLength) {
  auto table = build({{"short", "PathPrefix(`/`)", 0, {}},
                      {"long", "Host(`a.test`) && PathPrefix(`/api`)", 0, {}}});
  EXPECT_EQ(order(table), (std::vector<std::string>{"long", "short"}));
  EXPECT_EQ(table.routes()[0].priority, 36);
  EXPECT_EQ(table.routes()[1].priority, 15);
  TestRequest request{.host = "a.test", .path = "/api/x"};
  EXPECT_EQ(table.match(request.view(), "web")->name, "long");
}

// The path prefilter compares the first 8 bytes of a required Path/PathPrefix literal; the
// rule itself decides the rest, and rules without such a literal are never skipped by it.
TEST(RouteTable, PathPrefilterAgreesWithTheRule) {
  auto table = build({{"long", "PathPrefix(`/svc-10/orders`) && Method(`GET`)", 100, {}},
                      {"short", "PathPrefix(`/ap`)", 90, {}},
                      {"exact", "Path(`/x`)", 80, {}},
                      {"either", "PathPrefix(`/zz`) || Method(`POST`)", 70, {}},
                      {"not", "!PathPrefix(`/q`)", 60, {}}});
  auto name = [&](std::string method, std::string path) {
    TestRequest request{.method = method, .host = "a.test", .path = path};
    const CompiledRoute* r = table.match(request.view(), "web");
    return r == nullptr ? std::string("-") : r->name;
  };
  EXPECT_EQ(name("GET", "/svc-10/orders/1"), "long");
  EXPECT_EQ(name("GET", "/svc-10/orderz"), "not");  // same first 8 bytes, the rule says no
  EXPECT_EQ(name("GET", "/svc-1"), "not");          // shorter than the literal
  EXPECT_EQ(name("GET", "/ap"), "short");
  EXPECT_EQ(name("GET", "/apix"), "short");  // PathPrefix is a plain string prefix
  EXPECT_EQ(name("GET", "/x"), "exact");
  EXPECT_EQ(name("GET", "/xy"), "not");
  EXPECT_EQ(name("POST", "/q"), "either");
  EXPECT_EQ(name("GET", "/q"), "-");
}

TEST(RouteTable, PriorityCountsBytesLikeGoLen) {
  auto table = build({{"utf8", "Path(`/ü`)", 0, {}}});
  EXPECT_EQ(table.routes()[0].priority, 11);  // 10 characters, 11 bytes
}

TEST(RouteTable, ExplicitPriorityWins) {
  auto table = build({{"long", "Host(`a.test`) && PathPrefix(`/api`)", 0, {}},
                      {"catchall", "PathPrefix(`/`)", 1000, {}}});
  EXPECT_EQ(order(table), (std::vector<std::string>{"catchall", "long"}));
  TestRequest request{.host = "a.test", .path = "/api"};
  EXPECT_EQ(table.match(request.view(), "web")->name, "catchall");
}

TEST(RouteTable, TiesKeepConfigOrder) {
  auto table = build({{"first", "Path(`/a`)", 0, {}},
                      {"second", "Path(`/a`)", 0, {}},
                      {"high", "Path(`/a`)", 50, {}},
                      {"third", "Path(`/a`)", 0, {}}});
  EXPECT_EQ(order(table), (std::vector<std::string>{"high", "first", "second", "third"}));
  EXPECT_EQ(table.routes()[1].index, 0u);
  EXPECT_EQ(table.routes()[0].index, 2u);
  TestRequest request{.path = "/a"};
  EXPECT_EQ(table.match(request.view(), "web")->name, "high");
}

TEST(RouteTable, MatchSkipsRoutesNotOnTheListener) {
  auto table = build({{"internal", "PathPrefix(`/admin`)", 0, {"internal"}},
                      {"public", "PathPrefix(`/`)", 0, {"web", "websecure"}},
                      {"everywhere", "Path(`/x`)", 0, {}}});
  TestRequest admin{.path = "/admin/users"};
  EXPECT_EQ(table.match(admin.view(), "internal")->name, "internal");
  EXPECT_EQ(table.match(admin.view(), "web")->name, "public");
  EXPECT_EQ(table.match(admin.view(), "other"), nullptr);
  TestRequest x{.path = "/x"};
  EXPECT_EQ(table.match(x.view(), "other")->name, "everywhere");
}

TEST(RouteTable, MatchReturnsNullWhenNothingMatches) {
  auto table = build({{"api", "Host(`api.test`)", 0, {}}});
  TestRequest request{.host = "web.test"};
  EXPECT_EQ(table.match(request.view(), "web"), nullptr);
  EXPECT_EQ(build({}).match(request.view(), "web"), nullptr);
}

TEST(RouteTable, ExplainAllCoversEveryRouteInPriorityOrder) {
  auto table = build({{"web", "Host(`web.test`)", 0, {}},
                      {"api", "Host(`api.test`) && PathPrefix(`/v1`)", 0, {}},
                      {"admin", "PathPrefix(`/`)", 0, {"internal"}}});
  TestRequest request{.host = "api.test", .path = "/v1/users"};
  auto decisions = table.explain_all(request.view(), "web");
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(decisions[0].route->name, "api");
  EXPECT_TRUE(decisions[0].explanation.matched);
  EXPECT_EQ(decisions[1].route->name, "web");
  EXPECT_FALSE(decisions[1].explanation.matched);
  EXPECT_EQ(decisions[1].explanation.expression, "Host(`web.test`)");
  EXPECT_EQ(decisions[1].explanation.observed, "host was \"api.test\"");
  EXPECT_EQ(decisions[2].route->name, "admin");
  EXPECT_FALSE(decisions[2].explanation.matched);
  EXPECT_EQ(decisions[2].explanation.observed, "not on listener \"web\"");
}

TEST(RouteTable, BuildErrorNamesTheRouteAndKeepsTheColumn) {
  auto table = Table::build({{"ok", "Path(`/`)", 0, {}}, {"api", "Host(`a`) && Hots(`b`)", 0, {}}});
  ASSERT_FALSE(table);
  EXPECT_EQ(table.error().message, "route \"api\": unknown matcher \"Hots\"");
  EXPECT_EQ(table.error().subject, "api");  // how `up` finds the route's file and line
  EXPECT_EQ(table.error().hint, "did you mean \"Host\"?");
  EXPECT_EQ(table.error().where.column, 14);
  EXPECT_EQ(table.error().span, 4);
  EXPECT_EQ(table.error().source_line, "Host(`a`) && Hots(`b`)");
}

TEST(RouteTable, RoutesKeepNameRuleAndListeners) {
  auto table = build({{"api", "Host(`a`)", 7, {"web"}}});
  const auto& route = table.routes().front();
  EXPECT_EQ(route.name, "api");
  EXPECT_EQ(route.rule.text(), "Host(`a`)");
  EXPECT_EQ(route.priority, 7);
  EXPECT_EQ(route.listeners, std::vector<std::string>{"web"});
  EXPECT_TRUE(route.serves("web"));
  EXPECT_FALSE(route.serves("internal"));
}

}  // namespace
}  // namespace bridge::route
