// Who may talk to the admin API: Host (DNS rebinding), Origin (cross-site pages), token and
// Content-Type (no request that changes something without a CORS preflight).
#include "admin/detail/guard.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bridge::admin {
namespace {

Head get(std::string_view path, std::string_view host) {
  Head head;
  head.method = "GET";
  head.path = path;
  head.host = host;
  head.host_count = 1;
  return head;
}

Head post(std::string_view path, std::string_view host, std::string_view content_type) {
  Head head = get(path, host);
  head.method = "POST";
  if (!content_type.empty()) head.content_type = content_type;
  return head;
}

// Status and "error" of the refusal; {0, ""} when the request may go on.
std::pair<int, std::string> verdict(const Access& access, const Head& head) {
  auto reply = check_access(access, head);
  if (!reply) return {0, ""};
  auto body = nlohmann::json::parse(reply->body);
  return {reply->status, body.value("error", "")};
}

TEST(AdminGuard, LoopbackNamesWithThePortAreTheOnlyHosts) {
  auto access = Access::tcp("127.0.0.1", 9901);
  for (const char* host : {"127.0.0.1:9901", "localhost:9901", "LOCALHOST:9901", "[::1]:9901"}) {
    EXPECT_EQ(verdict(access, get("/v1/status", host)).first, 0) << host;
  }
  for (const char* host : {"evil.example:9901", "127.0.0.1:9902", "localhost", "127.0.0.1",
                           "attacker.localhost:9901", "", "127.0.0.1:9901.evil.example"}) {
    EXPECT_EQ(verdict(access, get("/v1/status", host)),
              (std::pair<int, std::string>{403, "forbidden_host"}))
        << host;
  }
  Head missing = get("/v1/status", "");
  missing.host.reset();
  missing.host_count = 0;
  EXPECT_EQ(verdict(access, missing).first, 403);
  Head twice = get("/v1/status", "127.0.0.1:9901");
  twice.host_count = 2;
  EXPECT_EQ(verdict(access, twice).first, 403);
}

TEST(AdminGuard, ProbesAnswerAnyHost) {
  auto access = Access::tcp("0.0.0.0", 9901);
  EXPECT_EQ(verdict(access, get("/healthz", "10.1.2.3:9901")).first, 0);
  EXPECT_EQ(verdict(access, get("/readyz", "pod.internal")).first, 0);
  Head post_probe = post("/healthz", "10.1.2.3:9901", "application/json");
  EXPECT_EQ(verdict(access, post_probe).first, 403);  // only GET is a probe
}

TEST(AdminGuard, BoundAddressAndTheConnectionsLocalAddressAreAccepted) {
  auto lan = Access::tcp("192.168.1.5", 9901);
  EXPECT_EQ(verdict(lan, get("/v1/status", "192.168.1.5:9901")).first, 0);
  auto v6 = Access::tcp("fd00::5", 9901);
  EXPECT_EQ(verdict(v6, get("/v1/status", "[fd00::5]:9901")).first, 0);
  // Bound to every address: the address this connection reached counts as the admin's own.
  auto any = Access::tcp("0.0.0.0", 9901);
  Head head = get("/v1/status", "10.0.0.7:9901");
  EXPECT_EQ(verdict(any, head).first, 403);
  head.local_authority = "10.0.0.7:9901";
  EXPECT_EQ(verdict(any, head).first, 0);
  auto port80 = Access::tcp("127.0.0.1", 80);
  EXPECT_EQ(verdict(port80, get("/v1/status", "localhost")).first, 0);
}

TEST(AdminGuard, UnixSocketTakesWhatTheCliAndCurlSend) {
  auto access = Access::unix_path();
  for (const char* host : {"localhost", "localhost:80", "127.0.0.1", "[::1]"}) {
    EXPECT_EQ(verdict(access, get("/v1/status", host)).first, 0) << host;
  }
  EXPECT_EQ(verdict(access, get("/v1/status", "evil.example")).first, 403);
  EXPECT_EQ(verdict(access, get("/v1/status", "localhost:x")).first, 403);
}

TEST(AdminGuard, ForeignOriginIsRefusedOwnOriginIsNot) {
  auto access = Access::tcp("127.0.0.1", 9901);
  Head head = get("/v1/requests", "127.0.0.1:9901");
  for (const char* origin : {"http://evil.example", "null", "https://127.0.0.1:9901",
                             "http://127.0.0.1:9901.evil.example", ""}) {
    head.origin = origin;
    EXPECT_EQ(verdict(access, head), (std::pair<int, std::string>{403, "forbidden_origin"}))
        << origin;
  }
  head.origin = "http://localhost:9901";
  EXPECT_EQ(verdict(access, head).first, 0);
  // Probes too: a page has no business reading them.
  Head probe = get("/healthz", "127.0.0.1:9901");
  probe.origin = "http://evil.example";
  EXPECT_EQ(verdict(access, probe).first, 403);
}

TEST(AdminGuard, ChangesNeedJsonContentTypeEvenWithoutABody) {
  auto access = Access::tcp("127.0.0.1", 9901);
  for (const char* type :
       {"application/json", "application/json; charset=utf-8", "Application/JSON"}) {
    EXPECT_EQ(verdict(access, post("/v1/reload", "127.0.0.1:9901", type)).first, 0) << type;
  }
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx"}) {
    EXPECT_EQ(verdict(access, post("/v1/reload", "127.0.0.1:9901", type)),
              (std::pair<int, std::string>{415, "unsupported_media_type"}))
        << type;
  }
  Head del = post("/v1/breakpoints/bp-1", "127.0.0.1:9901", "");
  del.method = "DELETE";
  EXPECT_EQ(verdict(access, del).first, 415);
  del.content_type = "application/json";
  EXPECT_EQ(verdict(access, del).first, 0);
  // GET and OPTIONS are not changes; OPTIONS then gets a 405 without any CORS grant.
  Head options = get("/v1/breakpoints", "127.0.0.1:9901");
  options.method = "OPTIONS";
  EXPECT_EQ(verdict(access, options).first, 0);
}

TEST(AdminGuard, TokenAndProbesOnly) {
  auto access = Access::tcp("127.0.0.1", 9901);
  access.token = "s3cret";
  Head head = get("/v1/status", "127.0.0.1:9901");
  EXPECT_EQ(verdict(access, head).first, 401);
  head.authorization = "Bearer s3cret";
  EXPECT_EQ(verdict(access, head).first, 0);
  head.authorization = "Bearer s3cre";
  EXPECT_EQ(verdict(access, head).first, 401);
  EXPECT_EQ(verdict(access, get("/healthz", "x")).first, 0);  // probes need no token

  access.probes_only = true;
  EXPECT_EQ(verdict(access, get("/v1/status", "127.0.0.1:9901")),
            (std::pair<int, std::string>{404, "not_found"}));
  EXPECT_EQ(verdict(access, get("/readyz", "10.0.0.1:9901")).first, 0);
}

TEST(AdminGuard, RefusalsSayWhatToSend) {
  auto access = Access::tcp("127.0.0.1", 9901);
  auto host = check_access(access, get("/v1/status", "evil.example:9901"));
  ASSERT_TRUE(host);
  auto message = nlohmann::json::parse(host->body).value("message", "");
  EXPECT_NE(message.find("\"evil.example:9901\""), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:9901"), std::string::npos) << message;
  auto type = check_access(access, post("/v1/reload", "127.0.0.1:9901", "text/plain"));
  ASSERT_TRUE(type);
  EXPECT_EQ(nlohmann::json::parse(type->body).value("message", ""),
            "POST /v1/reload needs Content-Type: application/json, even without a body (got "
            "Content-Type \"text/plain\")");
  // Client bytes that are not UTF-8 end up in the message escaped, never as a throw.
  auto bad = check_access(access, get("/v1/status", "\xff\xfe"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
}

}  // namespace
}  // namespace bridge::admin
