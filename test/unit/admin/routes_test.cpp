// The admin API's route table: every route reached by its method and path, 404 for paths no
// route has, 405 with Allow for the wrong method, {name} path parameters.
#include "admin_fixture.hpp"

#include <algorithm>

namespace bridge::admin {
namespace {

struct Case {
  const char* method;
  const char* target;
  const char* body;
  int status;
  const char* answer;  // a piece of the body only that route's handler writes
};

// One request per route, answered by that route's handler.
const Case every_route[] = {
    {"GET", "/healthz", "", 200, R"("status":"ok")"},
    {"GET", "/readyz", "", 200, R"("status":"ready")"},
    {"GET", "/v1/status", "", 200, R"("version":"1.2.3")"},
    {"GET", "/v1/routes", "", 200, R"({"routes":[]})"},
    {"GET", "/v1/requests", "", 200, R"({"requests":[]})"},
    {"GET", "/v1/requests/r-1", "", 404, R"(no request with id \"r-1\")"},
    {"GET", "/v1/stream", "", 200, ""},
    {"GET", "/metrics", "", 200, "bridge_"},
    {"POST", "/v1/reload", "", 200, R"("config_hash":"hash-2")"},
    {"GET", "/v1/breakpoints", "", 200, R"({"breakpoints":[]})"},
    {"POST", "/v1/breakpoints", R"j({"rule": "Path(`/x`)"})j", 201, R"j("rule":"Path(`/x`)")j"},
    {"DELETE", "/v1/breakpoints/bp-1", "", 404, R"(no breakpoint \"bp-1\")"},
    {"GET", "/v1/breakpoints/bp-2/events", "", 404, R"(no breakpoint \"bp-2\")"},
    {"POST", "/v1/breakpoints/bp-3/renew", "", 404, R"(no breakpoint \"bp-3\")"},
    {"GET", "/v1/paused", "", 200, R"({"paused":[]})"},
    {"POST", "/v1/paused/p-1", R"({"action": "continue"})", 404,
     R"(request \"p-1\" is not held (any more))"},
};

using AdminRoutes = AdminTest;

TEST_F(AdminRoutes, EveryRouteIsReachedByItsMethodAndPath) {
  for (const Case& c : every_route) {
    Reply reply = call(c.method, c.target, c.body);
    EXPECT_EQ(reply.status, c.status) << c.method << " " << c.target << ": " << reply.body;
    EXPECT_NE(reply.body.find(c.answer), std::string::npos)
        << c.method << " " << c.target << ": " << reply.body;
    EXPECT_TRUE(reply.headers.empty()) << c.target;
  }
  // A route added to the table without a case here fails this test.
  for (const Route& route : route_table()) {
    bool covered = std::any_of(std::begin(every_route), std::end(every_route), [&](const Case& c) {
      PathParams params;
      std::string_view target = c.target;
      return c.method == route.method && match_pattern(route.pattern, target, params);
    });
    EXPECT_TRUE(covered) << route.method << " " << route.pattern;
  }
  EXPECT_EQ(route_table().size(), std::size(every_route));
}

TEST_F(AdminRoutes, StreamRouteAnswersWithAStream) {
  Reply reply = call("GET", "/v1/stream");
  ASSERT_TRUE(reply.stream);
  reply.stream->close();
}

TEST_F(AdminRoutes, UnknownPathIs404NamingTheEntryPoints) {
  for (const char* path :
       {"/v1/nope", "/", "/v1", "/v1/status/extra", "/v1/requests/", "/v1/requests/a/b",
        "/v1/breakpoints/bp-1/pause", "/v1/paused/", "/healthz/"}) {
    Reply reply = call("GET", path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(json_of(reply),
              nlohmann::json({{"error", "not_found"},
                              {"message", "unknown path " + std::string(path) +
                                              "; see /v1/status, /v1/routes, /v1/requests, "
                                              "/v1/stream, /metrics"}}))
        << path;
    EXPECT_TRUE(reply.headers.empty()) << path;
  }
}

TEST_F(AdminRoutes, WrongMethodIs405WithAllow) {
  struct WrongMethod {
    const char* method;
    const char* path;
    const char* allow;
    const char* use;
  };
  const WrongMethod cases[] = {
      {"POST", "/healthz", "GET", "GET"},
      {"HEAD", "/readyz", "GET", "GET"},
      {"DELETE", "/v1/status", "GET", "GET"},
      {"GET", "/v1/reload", "POST", "POST"},
      {"PUT", "/v1/breakpoints", "GET, POST", "GET or POST"},
      {"OPTIONS", "/v1/breakpoints", "GET, POST", "GET or POST"},
      {"GET", "/v1/breakpoints/bp-1", "DELETE", "DELETE"},
      {"POST", "/v1/breakpoints/bp-1/events", "GET", "GET"},
      {"GET", "/v1/breakpoints/bp-1/renew", "POST", "POST"},
      {"GET", "/v1/paused/p-1", "POST", "POST"},
      {"POST", "/v1/requests/r-1", "GET", "GET"},
  };
  for (const auto& c : cases) {
    Reply reply = call(c.method, c.path);
    EXPECT_EQ(reply.status, 405) << c.method << " " << c.path;
    EXPECT_EQ(reply.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", c.allow}}))
        << c.method << " " << c.path;
    EXPECT_EQ(json_of(reply), nlohmann::json({{"error", "method_not_allowed"},
                                              {"message", std::string(c.method) + " " + c.path +
                                                              " is not supported; use " + c.use}}))
        << c.method << " " << c.path;
  }
}

TEST_F(AdminRoutes, MethodsAreCaseSensitive) { EXPECT_EQ(call("get", "/healthz").status, 405); }

TEST(AdminRoutePattern, NamesMatchOneWholeSegment) {
  PathParams params;
  ASSERT_TRUE(match_pattern("/v1/breakpoints/{id}/events", "/v1/breakpoints/bp-1/events", params));
  EXPECT_EQ(params.get("id"), "bp-1");
  EXPECT_EQ(params.get("other"), "");

  const char* misses[] = {"/v1/breakpoints/bp-1",         "/v1/breakpoints//events",
                          "/v1/breakpoints/bp-1/events/", "/v1/breakpoints/a/b/events",
                          "v1/breakpoints/bp-1/events",   ""};
  for (const char* path : misses) {
    PathParams ignored;
    EXPECT_FALSE(match_pattern("/v1/breakpoints/{id}/events", path, ignored)) << path;
  }
  PathParams literal;
  EXPECT_TRUE(match_pattern("/v1/paused", "/v1/paused", literal));
  EXPECT_FALSE(match_pattern("/v1/paused", "/v1/pause", literal));
  EXPECT_FALSE(match_pattern("/v1/paused", "/v1/pausedx", literal));
}

TEST(AdminRoutePattern, ValuesAreTheRawSegment) {
  // Ids are [A-Za-z0-9._:-]; anything escaped is kept as sent, and so never names one.
  PathParams params;
  ASSERT_TRUE(match_pattern("/v1/requests/{id}", "/v1/requests/a%2Fb", params));
  EXPECT_EQ(params.get("id"), "a%2Fb");
}

TEST_F(AdminRoutes, QueryIsNotPartOfThePath) {
  EXPECT_EQ(call("GET", "/healthz?verbose=1").status, 200);
  Reply reply = call("GET", "/v1/requests/r-9?x=1");
  EXPECT_EQ(reply.status, 404);
  EXPECT_NE(reply.body.find(R"(no request with id \"r-9\")"), std::string::npos) << reply.body;
}

TEST(AdminRequest, QueryParametersArePercentAndPlusDecoded) {
  Request request{"GET", "/v1/requests?route=a%20b&status=5xx&rule=Path(%60/x%60)&q=1+2&e", ""};
  EXPECT_EQ(request.path(), "/v1/requests");
  EXPECT_EQ(request.param("route"), "a b");
  EXPECT_EQ(request.param("status"), "5xx");
  EXPECT_EQ(request.param("rule"), "Path(`/x`)");
  EXPECT_EQ(request.param("q"), "1 2");
  EXPECT_EQ(request.param("e"), "");
  EXPECT_EQ(request.param("missing"), "");
  EXPECT_EQ(request.param("rout"), "");
}

}  // namespace
}  // namespace bridge::admin
