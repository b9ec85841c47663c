// Each admin API handler: status, headers and body for good and bad input.
#include "admin_fixture.hpp"

namespace bridge::admin {
namespace {

using AdminHandlers = AdminTest;

TEST_F(AdminHandlers, ReadyzSaysWhyItIsNotReady) {
  context.not_ready_reason = [] { return std::string("draining: shutting down"); };
  Reply reply = call("GET", "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body, R"({"reason":"draining: shutting down","status":"not ready"})"
                        "\n");
}

TEST_F(AdminHandlers, StatusAddsCountsToTheServersFields) {
  store.add(0, record("r-1", 200));
  ASSERT_TRUE(breakpoints.create("Path(`/x`)", "request", ""));
  metrics.reloads_ok = 4;
  auto status = json_of(call("GET", "/v1/status"));
  EXPECT_EQ(status["workers"], 2);
  EXPECT_EQ(status["version"], "1.2.3");
  EXPECT_EQ(status["profile"], "dev");
  EXPECT_TRUE(status["started"].get<std::string>().ends_with("Z")) << status.dump();
  EXPECT_GE(status["uptime_s"].get<double>(), 0.0);
  EXPECT_EQ(status["counts"], nlohmann::json({{"requests", 7},
                                              {"active_connections", 3},
                                              {"records", 1},
                                              {"breakpoints", 1},
                                              {"paused", 0},
                                              {"reloads", 4}}));
}

TEST_F(AdminHandlers, RoutesShowEachTargetsState) {
  RouteState route;
  route.name = "api";
  route.priority = 42;
  route.rule = "PathPrefix(`/api`)";
  route.upstream = "orders";
  route.balance = "round_robin";
  route.targets = {{"http://127.0.0.1:9001", "127.0.0.1:9001", "down",
                    "refused a connection; retried in 900 ms"},
                   {"compose://orders:80", "", "pending", ""}};
  context.routes = [route] { return std::vector<RouteState>{route}; };
  EXPECT_EQ(json_of(call("GET", "/v1/routes")), nlohmann::json::parse(R"j({"routes": [{
              "name": "api", "priority": 42, "rule": "PathPrefix(`/api`)", "listeners": [],
              "upstream": "orders", "balance": "round_robin",
              "targets": [
                {"url": "http://127.0.0.1:9001", "address": "127.0.0.1:9001", "state": "down",
                 "detail": "refused a connection; retried in 900 ms"},
                {"url": "compose://orders:80", "address": "", "state": "pending",
                 "detail": ""}]}]})j"));
}

TEST_F(AdminHandlers, RequestsAreListedNewestFirstAndFiltered) {
  store.add(0, record("r-1", 200, "api"));
  store.add(0, record("r-2", 503, "web"));
  store.add(0, record("r-3", 404, "api"));
  auto ids = [&](const std::string& target) {
    std::vector<std::string> out;
    Reply reply = call("GET", target);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    auto body = json_of(reply);
    for (const auto& r : body["requests"]) out.push_back(r["id"]);
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("/v1/requests"), (Ids{"r-3", "r-2", "r-1"}));
  EXPECT_EQ(ids("/v1/requests?route=api"), (Ids{"r-3", "r-1"}));
  EXPECT_EQ(ids("/v1/requests?status=5xx"), (Ids{"r-2"}));
  EXPECT_EQ(ids("/v1/requests?status=404&route=api"), (Ids{"r-3"}));
  EXPECT_EQ(ids("/v1/requests?limit=2"), (Ids{"r-3", "r-2"}));
  EXPECT_EQ(ids("/v1/requests?since=1h"), (Ids{"r-3", "r-2", "r-1"}));
}

TEST_F(AdminHandlers, BadQueryParametersAre400) {
  struct Bad {
    const char* target;
    const char* message;
  };
  const Bad cases[] = {
      {"/v1/requests?limit=0", R"(limit must be a positive number, not "0")"},
      {"/v1/requests?limit=ten", R"(limit must be a positive number, not "ten")"},
      {"/v1/requests?limit=5x", R"(limit must be a positive number, not "5x")"},
      {"/v1/requests?limit=-1", R"(limit must be a positive number, not "-1")"},
      {"/v1/requests?status=6xx",
       R"(status must be a code like 404 or a class like 5xx, not "6xx")"},
      {"/v1/stream?status=oops",
       R"(status must be a code like 404 or a class like 5xx, not "oops")"},
  };
  for (const auto& c : cases) {
    Reply reply = call("GET", c.target);
    EXPECT_EQ(reply.status, 400) << c.target;
    EXPECT_EQ(json_of(reply), nlohmann::json({{"error", "bad_query"}, {"message", c.message}}))
        << c.target;
    EXPECT_FALSE(reply.stream) << c.target;
  }
  Reply since = call("GET", "/v1/requests?since=soon");
  EXPECT_EQ(since.status, 400);
  EXPECT_TRUE(json_of(since)["message"].get<std::string>().starts_with("since: ")) << since.body;
}

TEST_F(AdminHandlers, ARequestIsShownWithWhyEachRouteMatched) {
  store.add(0, record("r-1", 200));
  Reply reply = call("GET", "/v1/requests/r-1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto shown = json_of(reply);
  EXPECT_EQ(shown["id"], "r-1");
  EXPECT_EQ(shown["method"], "GET");
  EXPECT_TRUE(shown.contains("phases") && shown.contains("request_headers")) << reply.body;
  const auto& explain = shown["explain"];
  EXPECT_EQ(explain["config_hash"], "hash-1");
  EXPECT_EQ(explain["current"], true);
  ASSERT_EQ(explain["routes"].size(), 2u) << explain.dump();
  EXPECT_EQ(explain["routes"][0]["name"], "api");
  EXPECT_EQ(explain["routes"][0]["matched"], true);

  config.hash = "hash-2";  // reloaded since: the explanation is against the new config
  EXPECT_EQ(json_of(call("GET", "/v1/requests/r-1"))["explain"]["current"], false);
}

TEST_F(AdminHandlers, UnknownRequestIdSaysHowManyTheStoreKeeps) {
  Reply reply = call("GET", "/v1/requests/0123456789abcdef");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json_of(reply),
            nlohmann::json({{"error", "not_found"},
                            {"message", "no request with id \"0123456789abcdef\" in the store (it "
                                        "keeps the last 16 requests)"}}));
}

TEST_F(AdminHandlers, MetricsArePrometheusText) {
  Reply reply = call("GET", "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(reply.body.find("bridge_"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("1.2.3"), std::string::npos) << reply.body;
}

TEST_F(AdminHandlers, ReloadReportsTheNewHashOrTheConfigError) {
  EXPECT_EQ(call("POST", "/v1/reload").body, R"({"config_hash":"hash-2","reloaded":true})"
                                             "\n");
  context.reload = []() -> Result<std::string> {
    return Error::config("unknown key \"upstrem\"", {"profiles/dev.toml", 12, 5});
  };
  Reply reply = call("POST", "/v1/reload");
  EXPECT_EQ(reply.status, 422);
  EXPECT_EQ(json_of(reply),
            nlohmann::json({{"error", "config_error"},
                            {"message", "profiles/dev.toml:12:5: unknown key \"upstrem\" (still "
                                        "serving the previous config)"}}));
  context.reload = []() -> Result<std::string> { return Error::runtime("cannot read"); };
  EXPECT_EQ(json_of(call("POST", "/v1/reload"))["message"],
            "cannot read (still serving the previous config)");
}

TEST_F(AdminHandlers, BreakpointsAreCreatedListedRenewedAndDeleted) {
  Reply created = call("POST", "/v1/breakpoints",
                       R"j({"rule": "PathPrefix(`/api`)", "phase": "response", "hold": "5s"})j");
  ASSERT_EQ(created.status, 201) << created.body;
  auto bp = json_of(created);
  std::string id = bp["id"];
  EXPECT_TRUE(id.starts_with("bp-")) << id;
  EXPECT_EQ(bp["phase"], "response");
  EXPECT_EQ(bp["hold_ms"], 5000);

  auto listed = json_of(call("GET", "/v1/breakpoints"))["breakpoints"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);

  EXPECT_EQ(call("POST", "/v1/breakpoints/" + id + "/renew").body,
            R"({"renewed":")" + id + "\"}\n");
  Reply deleted = call("DELETE", "/v1/breakpoints/" + id);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(json_of(deleted), nlohmann::json({{"deleted", id}, {"released", 0}}));
  EXPECT_EQ(call("DELETE", "/v1/breakpoints/" + id).status, 404);
  EXPECT_EQ(call("POST", "/v1/breakpoints/" + id + "/renew").status, 404);
  EXPECT_TRUE(json_of(call("GET", "/v1/breakpoints"))["breakpoints"].empty());
}

TEST_F(AdminHandlers, BadBreakpointBodiesNameTheField) {
  struct Bad {
    const char* body;
    const char* error;
    const char* field;
  };
  const Bad cases[] = {
      {"", "bad_body", ""},
      {"{not json", "bad_body", ""},
      {R"(["rule"])", "bad_body", ""},
      {R"({"rule": 5})", "bad_body", "rule"},
      {R"j({"rule": "Path(`/x`)", "phase": "later"})j", "bad_body", "phase"},
      {R"j({"rule": "Path(`/x`)", "hold": "soon"})j", "bad_body", "hold"},
      {R"j({"rule": "Path(`/x`)", "hodl": "5s"})j", "bad_body", "hodl"},
      {R"j({"rule": "Path(/x)"})j", "bad_breakpoint", "rule"},  // the rule's syntax
  };
  for (const auto& c : cases) {
    Reply reply = call("POST", "/v1/breakpoints", c.body);
    EXPECT_EQ(reply.status, 400) << c.body;
    auto body = json_of(reply);
    EXPECT_EQ(body["error"], c.error) << c.body;
    EXPECT_EQ(body["field"], c.field) << c.body;
    EXPECT_FALSE(body["message"].get<std::string>().empty()) << c.body;
  }
  EXPECT_TRUE(json_of(call("GET", "/v1/breakpoints"))["breakpoints"].empty());
}

class AdminPaused : public AdminTest {
 protected:
  // A request held by a new breakpoint, as the proxy holds one.
  std::shared_ptr<proxy::Paused> hold() {
    auto created = breakpoints.create("Path(`/x`)", "request", "");
    EXPECT_TRUE(created);
    auto paused = std::make_shared<proxy::Paused>(io.get_executor());
    paused->breakpoint = (*created)["id"];
    paused->phase = proxy::BreakPhase::Request;
    paused->hold = std::chrono::seconds(60);
    breakpoints.hold(paused);
    return paused;
  }
};

TEST_F(AdminPaused, HeldRequestsAreListed) {
  auto paused = hold();
  auto listed = json_of(call("GET", "/v1/paused"))["paused"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["paused_id"], paused->id);
  EXPECT_EQ(json_of(call("GET", "/v1/status"))["counts"]["paused"], 1);
}

TEST_F(AdminPaused, AbortAnswersWithTheStatusGiven) {
  auto paused = hold();
  Reply reply = call("POST", "/v1/paused/" + paused->id, R"({"action": "abort", "status": 418})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json_of(reply), nlohmann::json({{"paused_id", paused->id}, {"action", "abort"}}));
  {
    std::lock_guard guard(paused->mutex);
    EXPECT_EQ(paused->decision.action, proxy::Decision::Action::Abort);
    EXPECT_EQ(paused->decision.status, 418);
  }
  // Decided once: a second answer finds nothing held.
  EXPECT_EQ(call("POST", "/v1/paused/" + paused->id, R"({"action": "continue"})").status, 404);
}

TEST_F(AdminPaused, EditChangesTheRequestAndKeepsItHeld) {
  auto paused = hold();
  Reply reply = call("POST", "/v1/paused/" + paused->id,
                     R"({"action": "edit", "set_headers": {"X-Debug": "1"},
                         "remove_headers": ["X-Old"], "target": "http://127.0.0.1:9002"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  {
    std::lock_guard guard(paused->mutex);
    EXPECT_EQ(paused->decision.action, proxy::Decision::Action::Pending);
    EXPECT_EQ(paused->decision.set_headers,
              (std::vector<std::pair<std::string, std::string>>{{"X-Debug", "1"}}));
    EXPECT_EQ(paused->decision.remove_headers, std::vector<std::string>{"X-Old"});
    EXPECT_EQ(paused->decision.target, "http://127.0.0.1:9002");
  }
  EXPECT_EQ(call("POST", "/v1/paused/" + paused->id, R"({"action": "continue"})").status, 200);
  std::lock_guard guard(paused->mutex);
  EXPECT_EQ(paused->decision.action, proxy::Decision::Action::Continue);
}

TEST_F(AdminPaused, BadEditsAre400AndLeaveTheRequestHeld) {
  auto paused = hold();
  config.limits.max_header_bytes = 16;
  struct Bad {
    const char* body;
    const char* field;
  };
  const Bad cases[] = {
      {"{", ""},
      {R"({"action": "explode"})", "action"},
      {R"({"action": "abort", "status": 99})", "status"},
      {R"({"action": "edit", "set_headers": {"X-A": "1\r\nX-B: 2"}})", "set_headers"},
      {R"({"action": "edit", "set_headers": {"X-Long": "0123456789abcdef"}})", "set_headers"},
      {R"({"action": "edit", "remove_headers": ["Content-Length"]})", "remove_headers"},
      {R"({"action": "edit", "target": "http://host:0"})", "target"},
  };
  for (const auto& c : cases) {
    Reply reply = call("POST", "/v1/paused/" + paused->id, c.body);
    EXPECT_EQ(reply.status, 400) << c.body;
    auto body = json_of(reply);
    EXPECT_EQ(body["error"], "bad_body") << c.body;
    EXPECT_EQ(body["field"], c.field) << c.body;
  }
  std::lock_guard guard(paused->mutex);
  EXPECT_EQ(paused->decision.action, proxy::Decision::Action::Pending);
  EXPECT_TRUE(paused->decision.set_headers.empty());
}

using AdminStreams = AdminTest;

TEST_F(AdminStreams, StreamSendsMatchingRecordsAsLines) {
  Reply reply = call("GET", "/v1/stream?status=5xx");
  ASSERT_TRUE(reply.stream);
  store.add(0, record("r-ok", 200));
  store.add(0, record("r-bad", 502));
  std::string lines = reply.stream->take();
  EXPECT_EQ(lines.find("r-ok"), std::string::npos) << lines;
  ASSERT_NE(lines.find("r-bad"), std::string::npos) << lines;
  EXPECT_EQ(nlohmann::json::parse(lines)["status"], 502);
  reply.stream->close();  // unsubscribes: nothing more arrives
  store.add(0, record("r-late", 503));
  EXPECT_EQ(reply.stream->take(), "");
}

TEST_F(AdminStreams, RuleFilterKeepsOnlyMatchingRequests) {
  Reply reply = call("GET", "/v1/stream?rule=Host(%60other.localhost%60)");
  ASSERT_TRUE(reply.stream);
  store.add(0, record("r-1", 200));
  EXPECT_EQ(reply.stream->take(), "");
  reply.stream->close();
}

TEST_F(AdminStreams, UnknownRouteOrBadRuleIsRefusedAtOnce) {
  Reply typo = call("GET", "/v1/stream?route=apj");
  EXPECT_EQ(typo.status, 400);
  EXPECT_FALSE(typo.stream);
  EXPECT_EQ(json_of(typo),
            nlohmann::json({{"error", "unknown_route"},
                            {"message", R"(unknown route "apj"; did you mean "api"?)"}}));
  Reply far = call("GET", "/v1/stream?route=zzzzzzzz");
  EXPECT_EQ(json_of(far)["message"], R"(unknown route "zzzzzzzz"; routes: api, web)");
  Reply rule = call("GET", "/v1/stream?rule=Path(");
  EXPECT_EQ(rule.status, 400);
  EXPECT_EQ(json_of(rule)["error"], "bad_rule");
  EXPECT_TRUE(json_of(rule)["message"].get<std::string>().starts_with("rule:")) << rule.body;
}

TEST_F(AdminStreams, BreakpointEventsStreamTheRequestsItHolds) {
  auto created = breakpoints.create("Path(`/x`)", "request", "");
  ASSERT_TRUE(created);
  std::string id = (*created)["id"];
  Reply reply = call("GET", "/v1/breakpoints/" + id + "/events");
  ASSERT_TRUE(reply.stream) << reply.body;
  auto paused = std::make_shared<proxy::Paused>(io.get_executor());
  paused->breakpoint = id;
  breakpoints.hold(paused);
  auto event = nlohmann::json::parse(reply.stream->take());
  EXPECT_EQ(event["paused_id"], paused->id);
  EXPECT_EQ(event["breakpoint"], id);
  reply.stream->close();  // the last events stream gone: the breakpoint goes with it
  EXPECT_TRUE(json_of(call("GET", "/v1/breakpoints"))["breakpoints"].empty());
}

}  // namespace
}  // namespace bridge::admin
