// The basic path through `bridge up`: startup errors, builtin://echo, forwarding to nginx and
// the Beast test backend, bridge-made errors and the access log.
#include "proxy_fixture.hpp"

namespace bridge::test {
namespace {

// ---- startup ------------------------------------------------------------------------------

TEST_F(Proxy, BannerSaysListening) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  EXPECT_TRUE(bridge_.process().wait_for_stderr("listening", 2s)) << bridge_.output();
  EXPECT_NE(bridge_.stderr_text().find(host()), std::string::npos) << bridge_.output();
}

TEST_F(Proxy, ConfigErrorExitsTwoAndStartsNothing) {
  bridge_.write_config(config("[[routes]]\nname = \"all\"\nrule = \"PathPrefix(`/`)\"\n"
                              "upstrem = \"builtin://echo\"\n"));
  bridge_.spawn();
  auto status = bridge_.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "bridge up kept running with a bad config";
  EXPECT_EQ(*status, 2) << bridge_.output();
  EXPECT_NE(bridge_.stderr_text().find("unknown key \"upstrem\""), std::string::npos)
      << bridge_.output();
  std::string where =
      bridge_.config_dir() + "/dev.toml:" +
      std::to_string(line_number(read_file(bridge_.config_dir() + "/dev.toml"), "upstrem")) + ":1";
  EXPECT_NE(bridge_.stderr_text().find(where), std::string::npos) << where << "\n"
                                                                  << bridge_.output();
  EXPECT_FALSE(port_open(port_));
}

TEST_F(Proxy, PortTakenExitsOne) {
  PortHolder holder;
  port_ = holder.port();
  bridge_.write_config(config(route("all", "PathPrefix(`/`)", "builtin://echo")));
  bridge_.spawn();
  auto status = bridge_.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "bridge up kept running on a taken port";
  EXPECT_EQ(*status, 1) << bridge_.output();
  // strerror(EADDRINUSE) is "Address already in use"; the capital is not the point.
  EXPECT_NE(lower(bridge_.stderr_text()).find("address already in use"), std::string::npos)
      << bridge_.output();
  // It points at the line that asked for the port.
  std::string dev = bridge_.config_dir() + "/dev.toml";
  std::string where = dev + ":" + std::to_string(line_number(read_file(dev), "bind = "));
  EXPECT_NE(bridge_.stderr_text().find(where), std::string::npos) << where << "\n"
                                                                  << bridge_.output();
}

// ---- builtin://echo -----------------------------------------------------------------------

TEST_F(Proxy, EchoAnswersWithTheRequestAsJson) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = http({url("/hello?a=1")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.header("Content-Type").value_or(""), "application/json");
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("method", ""), "GET");
  EXPECT_EQ(echo.value("path", ""), "/hello");
  EXPECT_EQ(echo.value("query", ""), "a=1");
  EXPECT_EQ(echo.value("body_bytes", -1), 0);
  EXPECT_EQ(echo_header(echo, "Host"), host());
  std::string id = echo_header(echo, "X-Request-ID");
  EXPECT_TRUE(std::regex_match(id, hex32)) << id;
  EXPECT_EQ(r.response.header("X-Request-ID").value_or(""), id);
  EXPECT_TRUE(std::regex_match(echo_header(echo, "traceparent"), traceparent_re))
      << echo_header(echo, "traceparent");
  EXPECT_EQ(echo_header(echo, "X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Proto"), "http");
  EXPECT_EQ(echo_header(echo, "X-Forwarded-Host"), host());
}

TEST_F(Proxy, EchoJoinsDuplicateHeaders) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = http({"-H", "X-Dup: a", "-H", "X-Dup: b", url("/dup")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(echo_header(parse_json(r.response.body), "X-Dup"), "a, b") << r.response.body;
}

TEST_F(Proxy, EchoCountsBodyBytes) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = http({"--data-binary", "hello", url("/post")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("method", ""), "POST");
  EXPECT_EQ(echo.value("body_bytes", -1), 5);
}

// ---- errors -------------------------------------------------------------------------------

TEST_F(Proxy, NoRouteIs404WithARouteTestHint) {
  ASSERT_TRUE(start(route("api", "PathPrefix(`/api`)", "builtin://echo")));
  auto r = http({url("/nothing")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 404, "no_route");
  json body = parse_json(r.response.body);
  EXPECT_EQ(body.value("hint", ""), "bridge route test GET http://" + host() + "/nothing");
}

TEST_F(Proxy, KeepsIncomingRequestIdOnErrors) {
  ASSERT_TRUE(start(route("api", "PathPrefix(`/api`)", "builtin://echo")));
  auto r = http({"-H", "X-Request-ID: err-id-1", url("/nothing")});
  EXPECT_EQ(r.response.header("X-Request-ID").value_or(""), "err-id-1");
  EXPECT_EQ(parse_json(r.response.body).value("request_id", ""), "err-id-1");
}

// ---- forwarding ---------------------------------------------------------------------------

TEST_F(Proxy, GetThroughNginx) {
  ASSERT_TRUE(start_nginx());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", nginx_.url())));
  auto r = http({url("/hello.txt")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, nginx_hello_body());
  EXPECT_EQ(r.response.header("Content-Length").value_or(""),
            std::to_string(nginx_hello_body().size()));
}

TEST_F(Proxy, NotFoundFromUpstreamPassesThrough) {
  ASSERT_TRUE(start_nginx());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", nginx_.url())));
  auto r = http({url("/missing.txt")});
  EXPECT_EQ(r.response.status, 404);
  EXPECT_NE(r.response.body.find("nginx"), std::string::npos) << r.response.body;
}

TEST_F(Proxy, PostBodyArrivesIntact) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  std::string file = bridge_.scratch("body.bin");
  write_random_file(file, 300 * 1024, 7);
  auto r = http({"--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream",
                 url("/upload")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("method", ""), "POST");
  EXPECT_EQ(echo.value("target", ""), "/upload");
  EXPECT_EQ(echo.value("body_length", 0), 300 * 1024);
  EXPECT_EQ(echo.value("body_sha256", ""), sha256_file(file));
}

// ---- access log ---------------------------------------------------------------------------

TEST_F(Proxy, AccessLogHasOneJsonLinePerRequestWithoutSecrets) {
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo"), "", log));
  auto r = http({"-H", "X-Request-ID: it-log-1", "-H", "Authorization: Bearer topsecret",
                 url("/logged?q=1")});
  ASSERT_EQ(r.response.status, 200);
  json line = access_log_entry(log, "it-log-1");
  ASSERT_FALSE(line.is_null()) << "no access log line in " << log << ":\n" << read_file(log);
  EXPECT_EQ(line.value("request_id", ""), "it-log-1") << line.dump();
  EXPECT_EQ(line.value("method", ""), "GET") << line.dump();
  // DESIGN.md names the field `path` without saying whether the query is part of it.
  std::string path = line.value("path", "");
  EXPECT_TRUE(path == "/logged" || path == "/logged?q=1") << line.dump();
  EXPECT_EQ(line.value("route", ""), "all") << line.dump();
  ASSERT_TRUE(line.contains("status")) << line.dump();
  EXPECT_EQ(line["status"], 200) << line.dump();
  EXPECT_TRUE(line.contains("trace_id")) << line.dump();
  EXPECT_EQ(read_file(log).find("topsecret"), std::string::npos);
}

}  // namespace
}  // namespace bridge::test
