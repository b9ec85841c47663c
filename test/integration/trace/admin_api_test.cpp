// The admin API of a running `bridge up` and `bridge trace show`: request records with their
// phases, route and explanation, redaction everywhere, and who may ask.
#include "trace_fixture.hpp"

#include <set>

namespace bridge::test {
namespace {

class AdminApi : public TraceFixture {};

constexpr const char* secret = "Bearer sup3r-s3cret-value-42";

TEST_F(AdminApi, RecordHasPhasesRouteExplainAndTarget) {
  ASSERT_TRUE(start());
  std::string id = request_id("/api/users?a=1");
  json r = record(id);
  EXPECT_EQ(r.value("id", ""), id);
  EXPECT_EQ(r.value("method", ""), "GET");
  EXPECT_EQ(r.value("path", ""), "/api/users");
  EXPECT_EQ(r.value("query", ""), "a=1");
  EXPECT_EQ(r.value("route", ""), "api");
  EXPECT_EQ(r.value("target", ""), backend_.url());
  EXPECT_EQ(r.value("status", 0), 200);
  EXPECT_EQ(r.value("listener", ""), "web");
  EXPECT_EQ(r.value("client", ""), "127.0.0.1");
  EXPECT_EQ(r.value("trace_id", "").size(), 32u) << r.dump();

  std::vector<std::string> names;
  double previous = -1;
  for (const auto& p : r.value("phases", json::array())) {
    names.push_back(p.value("name", ""));
    EXPECT_GE(p.value("at_ms", -1.0), previous) << "phases out of order: " << r["phases"].dump();
    previous = p.value("at_ms", -1.0);
  }
  for (const char* phase : {"received", "head_parsed", "route_matched", "upstream_resolved",
                            "request_sent", "first_byte", "done"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), phase), names.end())
        << "phase " << phase << " missing in " << r["phases"].dump();
  }
  EXPECT_TRUE(std::find(names.begin(), names.end(), "connected") != names.end() ||
              std::find(names.begin(), names.end(), "reused") != names.end());

  const json& routes = r["explain"]["routes"];
  ASSERT_TRUE(routes.is_array()) << r.dump();
  ASSERT_EQ(routes.size(), 2u) << routes.dump();
  EXPECT_EQ(routes[0].value("name", ""), "api");  // longer rule, higher priority
  EXPECT_TRUE(routes[0].value("matched", false));
  EXPECT_NE(routes[0].value("observed", "").find("/api/users"), std::string::npos) << routes.dump();
  EXPECT_TRUE(r["explain"].value("current", false));
}

// The heads as sent, in the record: the request's fields that went on (secrets redacted),
// without the hop-by-hop ones, then what bridge added; the response as the client got it.
TEST_F(AdminApi, RecordShowsTheHeadsAsForwardedAndAnswered) {
  ASSERT_TRUE(start());
  std::string id = request_id("/api/out-lists", {"-H", "X-Keep: kept", "-H", "Connection: X-Hop",
                                                 "-H", "X-Hop: dropped", "-H", "X-Api-Key: k3y"});
  json r = record(id);
  auto list = [](const json& fields) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : fields) out.emplace_back(f[0].get<std::string>(), f[1].get<std::string>());
    return out;
  };
  auto names = [&](const json& fields) {
    std::vector<std::string> out;
    for (const auto& [name, value] : list(fields)) out.push_back(name);
    return out;
  };
  const auto in = list(r["request_headers"]["in"]);
  const auto out = list(r["request_headers"]["out"]);
  ASSERT_FALSE(out.empty()) << r["request_headers"].dump();
  auto has = [](const auto& fields, const std::string& name, const std::string& value) {
    return std::find(fields.begin(), fields.end(), std::pair{name, value}) != fields.end();
  };
  EXPECT_TRUE(has(in, "X-Hop", "dropped")) << r["request_headers"].dump();
  EXPECT_TRUE(has(out, "X-Keep", "kept")) << r["request_headers"].dump();
  EXPECT_TRUE(has(out, "X-Api-Key", "<redacted>")) << r["request_headers"].dump();
  EXPECT_TRUE(has(out, "X-Request-ID", id)) << r["request_headers"].dump();
  EXPECT_TRUE(has(out, "X-Forwarded-For", "127.0.0.1")) << r["request_headers"].dump();
  const auto out_names = names(r["request_headers"]["out"]);
  for (const char* gone : {"X-Hop", "Connection"}) {
    EXPECT_EQ(std::count(out_names.begin(), out_names.end(), gone), 0)
        << gone << " went upstream: " << r["request_headers"].dump();
  }
  // The fields that arrived come first, in their order; bridge's own follow.
  EXPECT_EQ(out_names.front(), "Host") << r["request_headers"].dump();
  EXPECT_LT(std::find(out_names.begin(), out_names.end(), "X-Keep") - out_names.begin(),
            std::find(out_names.begin(), out_names.end(), "X-Forwarded-For") - out_names.begin());

  const auto response_in = list(r["response_headers"]["in"]);
  const auto response_out = list(r["response_headers"]["out"]);
  ASSERT_FALSE(response_in.empty()) << r["response_headers"].dump();
  ASSERT_FALSE(response_out.empty()) << r["response_headers"].dump();
  EXPECT_EQ(response_out.back(), (std::pair<std::string, std::string>{"X-Request-ID", id}))
      << r["response_headers"].dump();
  for (const auto& field : response_in) {
    if (field.first == "Connection" || field.first == "Keep-Alive") continue;
    EXPECT_TRUE(has(response_out, field.first, field.second))
        << field.first << " did not reach the client: " << r["response_headers"].dump();
  }
}

TEST_F(AdminApi, NotFoundRecordExplainsMiss) {
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"only\"\nrule = \"Host(`api.localhost`)\"\n"
                    "upstream = \"builtin://echo\"\n"));
  auto miss = get("/nowhere");
  EXPECT_NE(miss.out.find(" 404"), std::string::npos) << miss.out;
  std::string id = header_in(miss.out, "X-Request-ID");
  ASSERT_FALSE(id.empty()) << miss.out;
  json r = record(id);
  EXPECT_EQ(r.value("status", 0), 404);
  EXPECT_EQ(r.value("route", "x"), "");
  EXPECT_EQ(r.value("target", "x"), "");
  const json& routes = r["explain"]["routes"];
  ASSERT_EQ(routes.size(), 1u) << r.dump();
  EXPECT_FALSE(routes[0].value("matched", true));
  EXPECT_NE(routes[0].value("expression", "").find("Host"), std::string::npos) << routes.dump();
}

TEST_F(AdminApi, ListFiltersByRouteAndStatus) {
  ASSERT_TRUE(start());
  std::string api = request_id("/api/one");
  std::string other = request_id("/other");
  record(other);
  json all = admin_json("/v1/requests");
  std::set<std::string> ids;
  for (const auto& s : all["requests"]) ids.insert(s.value("id", ""));
  EXPECT_TRUE(ids.count(api) && ids.count(other)) << all.dump();
  ASSERT_FALSE(all["requests"].empty());
  EXPECT_EQ(all["requests"][0].value("id", ""), other) << "newest first: " << all.dump();

  json only_api = admin_json("/v1/requests?route=api");
  for (const auto& s : only_api["requests"]) EXPECT_EQ(s.value("route", ""), "api");
  EXPECT_FALSE(only_api["requests"].empty());
  json errors = admin_json("/v1/requests?status=5xx");
  EXPECT_TRUE(errors["requests"].empty()) << errors.dump();
  json limited = admin_json("/v1/requests?limit=1");
  EXPECT_EQ(limited["requests"].size(), 1u);
  json bad = admin_json("/v1/requests?since=yesterday", 400);
  EXPECT_FALSE(bad.value("message", "").empty()) << bad.dump();
  EXPECT_EQ(
      admin_json("/v1/requests/0123456789abcdef0123456789abcdef", 404).value("error", "").empty(),
      false);
}

TEST_F(AdminApi, AuthorizationNeverStoredShownOrLogged) {
  ASSERT_TRUE(start());
  std::string id = request_id("/api/private", {"-H", std::string("Authorization: ") + secret, "-H",
                                               "Cookie: session=sup3r-s3cret-cookie"});
  json r = record(id);
  std::string record_text = r.dump();
  EXPECT_EQ(record_text.find("sup3r-s3cret"), std::string::npos) << record_text;
  bool redacted = false;
  for (const auto& h : r["request_headers"]["in"]) {
    if (h[0] == "Authorization") redacted = h[1] == "<redacted>";
  }
  EXPECT_TRUE(redacted) << r["request_headers"].dump();
  EXPECT_EQ(admin_json("/v1/requests").dump().find("sup3r-s3cret"), std::string::npos);

  auto show = cli({"trace", "show", id, "--admin", admin()});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_EQ(show.out.find("sup3r-s3cret"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("<redacted>"), std::string::npos) << show.out;
  auto show_json = cli({"trace", "show", id, "--json", "--admin", admin()});
  EXPECT_EQ(show_json.out.find("sup3r-s3cret"), std::string::npos);

  // The backend got the real header: redaction is for records, not for traffic.
  // The access log is written when the exchange ends; give it a moment.
  std::string log;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    log = read_text(access_log());
    if (log.find(id) != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(log.find(id), std::string::npos) << "access log: " << log;
  EXPECT_EQ(log.find("sup3r-s3cret"), std::string::npos) << log;
  EXPECT_EQ(bridge_.output().find("sup3r-s3cret"), std::string::npos);
}

TEST_F(AdminApi, AnHttp2RequestIsRecordedWithItsStream) {
  ASSERT_TRUE(start());
  std::string id = request_id("/api/h2", {"--http2-prior-knowledge"});
  json r = record(id);
  EXPECT_EQ(r.value("protocol", ""), "HTTP/2") << r.dump();
  EXPECT_EQ(r.value("stream_id", 0), 1) << r.dump();
  auto show = cli({"trace", "show", id, "--admin", admin()});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("(http, HTTP/2 stream 1)"), std::string::npos) << show.out;
}

// curl as a gRPC client: a call on a method no route serves, answered by bridge itself.
TEST_F(AdminApi, AGrpcCallIsRecordedWithItsStatus) {
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\n"
                    "upstream = \"builtin://echo\"\n"));
  std::string id = request_id("/test.Missing/Nothing",
                              {"--http2-prior-knowledge", "-H", "content-type: application/grpc",
                               "-H", "te: trailers", "--data-binary", ""});
  json r = record(id);
  EXPECT_EQ(r.value("status", 0), 200) << r.dump();
  EXPECT_EQ(r.value("grpc_status", -1), 12) << r.dump();
  EXPECT_EQ(r.value("grpc_status_name", ""), "UNIMPLEMENTED") << r.dump();
  auto show = cli({"trace", "show", id, "--admin", admin()});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("→ 200 gRPC 12 UNIMPLEMENTED in "), std::string::npos) << show.out;
  // An HTTP request's record says nothing of gRPC.
  json plain = record(request_id("/api/plain"));
  EXPECT_FALSE(plain.contains("grpc_status")) << plain.dump();
  // The access log line has it too.
  std::string log;
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    log = read_text(access_log());
    if (log.find(id) != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(log.find("\"grpc_status\":12"), std::string::npos) << log;
}

TEST_F(AdminApi, TraceShowPrintsTimelineRoutingAndHeaders) {
  ASSERT_TRUE(start());
  std::string id = request_id("/api/show", {"-H", "X-Custom: hello"});
  record(id);
  auto r = cli({"trace", "show", id, "--admin", admin()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> expected{"GET 127.0.0.1",
                                    "/api/show",
                                    "200",
                                    "timeline",
                                    "received",
                                    "first_byte",
                                    "done",
                                    "routing",
                                    "✓ api",
                                    "winner: api",
                                    "request headers",
                                    "SENT UPSTREAM",
                                    "X-Custom: hello",
                                    "response headers",
                                    "target  " + backend_.url()};
  for (const auto& text : expected) {
    EXPECT_NE(r.out.find(text), std::string::npos) << "no \"" << text << "\" in:\n" << r.out;
  }
  // bridge adds X-Request-ID on the way upstream: shown as added (+).
  EXPECT_NE(r.out.find("+  X-Request-ID: " + id), std::string::npos) << r.out;

  auto j = cli({"trace", "show", id, "--json", "--admin", admin()});
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(parse_json(j.out).value("id", ""), id);
}

TEST_F(AdminApi, TraceShowNamesThePathAsForwardedWhenTheRouteRewroteIt) {
  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;  // its URL goes into the routes below
  ASSERT_TRUE(start("", "127.0.0.1:0",
                    "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\nupstream = \"" +
                        backend_.url() +
                        "\"\nstrip_prefix = \"/api\"\n\n"
                        "[[routes]]\nname = \"other\"\nrule = \"PathPrefix(`/`)\"\n"
                        "upstream = \"builtin://echo\"\n"));
  std::string id = request_id("/api/users?page=2");
  json r = record(id);
  EXPECT_EQ(r.value("path", ""), "/api/users");
  EXPECT_EQ(r.value("upstream_path", ""), "/users");
  auto show = cli({"trace", "show", id, "--admin", admin()});
  ASSERT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("path    /api/users → /users upstream"), std::string::npos) << show.out;

  // Forwarded as received: no extra line, and the record says the same path twice.
  std::string same = request_id("/other/page");
  EXPECT_EQ(record(same).value("upstream_path", ""), "/other/page");
  auto plain = cli({"trace", "show", same, "--admin", admin()});
  EXPECT_EQ(plain.out.find("upstream\n"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find(" → /other/page upstream"), std::string::npos) << plain.out;
}

TEST_F(AdminApi, TraceShowUnknownIdSaysWhatTheStoreKeeps) {
  ASSERT_TRUE(start());
  auto r = cli({"trace", "show", "does-not-exist", "--admin", admin()});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("no request with id \"does-not-exist\" in the store (it keeps the last "
                       "10000 requests)"),
            std::string::npos)
      << r.err;
}

TEST_F(AdminApi, StatusAndRoutes) {
  ASSERT_TRUE(start());
  json status = admin_json("/v1/status");
  EXPECT_EQ(status.value("profile", ""), "dev");
  EXPECT_FALSE(status.value("config_hash", "").empty());
  EXPECT_TRUE(status["listeners"].is_array());
  json routes = admin_json("/v1/routes");
  ASSERT_EQ(routes["routes"].size(), 2u) << routes.dump();
  EXPECT_EQ(routes["routes"][0].value("name", ""), "api");
  EXPECT_EQ(admin_json("/healthz").value("status", ""), "ok");
  json unknown = admin_json("/v1/nope", 404);
  EXPECT_FALSE(unknown.value("message", "").empty());
}

TEST_F(AdminApi, NonLoopbackBindWithoutTokenIsAConfigError) {
  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;
  bridge_.write_config(config("", "0.0.0.0:0"));
  auto r = run_bridge({"up", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("dev.toml:3:"), std::string::npos) << "no file:line:col in:\n" << r.err;
  EXPECT_NE(r.err.find("admin_token"), std::string::npos) << r.err;
}

TEST_F(AdminApi, TokenIsRequiredWhenSet) {
  ASSERT_TRUE(start("admin_token = \"t0ken-123\"\n"));
  auto no_token = curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", admin() + "/v1/status"});
  EXPECT_EQ(no_token.out, "401");
  auto wrong = curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                     "Authorization: Bearer nope", admin() + "/v1/status"});
  EXPECT_EQ(wrong.out, "401");
  auto right = curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                     "Authorization: Bearer t0ken-123", admin() + "/v1/status"});
  EXPECT_EQ(right.out, "200");

  std::string id = request_id("/api/x");
  token_ = "t0ken-123";
  record(id);
  // The CLI takes the token from the profile...
  auto from_config = cli({"trace", "show", id, "--admin", admin()});
  EXPECT_EQ(from_config.status, 0) << from_config.err;
  // ...or from BRIDGE_ADMIN_TOKEN; without either it says what to do.
  TempDir empty;
  auto bare =
      run({bridge_bin(), "trace", "show", id, "--admin", admin()}, 10s, cli_env(), empty.path());
  EXPECT_EQ(bare.status, 1);
  EXPECT_NE(bare.err.find("401"), std::string::npos) << bare.err;
  EXPECT_NE(bare.err.find("BRIDGE_ADMIN_TOKEN"), std::string::npos) << bare.err;
  auto env = cli_env();
  env["BRIDGE_ADMIN_TOKEN"] = "t0ken-123";
  auto with_env =
      run({bridge_bin(), "trace", "show", id, "--admin", admin()}, 10s, env, empty.path());
  EXPECT_EQ(with_env.status, 0) << with_env.err;
}

}  // namespace
}  // namespace bridge::test
