// Issue 15 section 4: front-door policies. Header names with underscores, whose X-Forwarded-*
// is believed, header count and URI length limits, a per-listener connection cap, and a local
// CA that refuses to be permitted for a public suffix.
#include "../cert/cert_env.hpp"
#include "security_fixture.hpp"

#include <filesystem>

namespace bridge::test {
namespace {

// ---- limits.headers_with_underscores ----------------------------------------------------------

TEST_F(Front, HeaderWithUnderscoreIs400ByDefault) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  json body = expect_error(get("/", "X_User: x\r\n"), 400, "bad_request");
  EXPECT_NE(lower(body.value("message", "")).find("underscore"), std::string::npos) << body.dump();
  EXPECT_EQ(upstream.count(), 0u);
}

TEST_F(Front, HeaderWithUnderscoreIsDroppedWhenAsked) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url()), "",
                    "headers_with_underscores = \"drop\""));
  auto r = get("/", "X_User: x\r\nX-User: dashed\r\nX-Other: y\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->headers_named("X_User").empty());  // case-insensitive: X_USER too
  EXPECT_EQ(got->headers_named("X-User"), std::vector<std::string>{"dashed"});
  EXPECT_EQ(got->header("X-Other").value_or("<absent>"), "y");
}

TEST_F(Front, HeaderWithUnderscoreIsForwardedWhenAllowed) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url()), "",
                    "headers_with_underscores = \"allow\""));
  auto r = get("/", "X_User: x\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->header("X_User").value_or("<absent>"), "x");
}

// ---- listeners[].forwarded_headers ------------------------------------------------------------

const std::string forged =
    "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Host: evil.example\r\n"
    "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 6666\r\nX-Forwarded-Prefix: /evil\r\n"
    "X-Forwarded-Server: evil\r\nX-Real-Ip: 9.9.9.9\r\nForwarded: for=9.9.9.9;proto=https\r\n";

TEST_F(Front, LoopbackPeerIsTrustedByDefaultAndItsForwardedForIsAppended) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto r = get("/", "X-Forwarded-For: 1.2.3.4\r\n");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->headers_named("X-Forwarded-For"), std::vector<std::string>{"1.2.3.4, 127.0.0.1"});
}

TEST_F(Front, UntrustedPeerForwardedHeadersAreReplacedByBridges) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url()),
                    "forwarded_headers = { trusted_ips = [\"10.0.0.0/8\"] }"));
  auto r = get("/", forged, "app.localhost:8080");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->headers_named("X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(got->headers_named("X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(got->headers_named("X-Forwarded-Host"), std::vector<std::string>{"app.localhost:8080"});
  // Bridge may set some of these itself; what the untrusted client sent must not arrive.
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-Forwarded-Port", "6666"},
                                                        {"X-Forwarded-Prefix", "/evil"},
                                                        {"X-Forwarded-Server", "evil"},
                                                        {"X-Real-Ip", "9.9.9.9"},
                                                        {"Forwarded", "9.9.9.9"}}) {
    for (const auto& v : got->headers_named(name)) {
      EXPECT_EQ(v.find(value), std::string::npos) << name << ": " << v << " came through";
    }
  }
}

TEST_F(Front, InsecureForwardedHeadersTrustEveryone) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url()),
                    "forwarded_headers = { trusted_ips = [\"10.0.0.0/8\"], insecure = true }"));
  auto r = get("/", forged);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->headers_named("X-Forwarded-For"), std::vector<std::string>{"1.2.3.4, 127.0.0.1"});
  EXPECT_EQ(got->header("X-Real-Ip").value_or("<absent>"), "9.9.9.9");
}

// ---- limits.max_header_count and max_uri_bytes
// ---------------------------------------------------

// Host plus `count - 1` more fields.
std::string fields(size_t count) {
  std::string out;
  for (size_t i = 2; i <= count; ++i) out += "X-Field-" + std::to_string(i) + ": v\r\n";
  return out;
}

TEST_F(Front, OneHundredFieldsPassAndOneHundredAndOneAre431) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto ok = get("/", fields(100));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200) << printable(ok->body);
  expect_error(get("/", fields(101)), 431, "too_many_headers");
  EXPECT_EQ(upstream.count(), 1u);
}

TEST_F(Front, MaxHeaderCountIsConfigurable) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url()), "", "max_header_count = 10"));
  EXPECT_EQ(status_of(get("/", fields(10))), 200);
  expect_error(get("/", fields(11)), 431, "too_many_headers");
}

// "/" followed by 'a's up to `length` bytes.
std::string target_of(size_t length) { return "/" + std::string(length - 1, 'a'); }

TEST_F(Front, TargetOf8KiBPassesAndLongerIs414) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto ok = get(target_of(8192));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200) << printable(ok->body);
  expect_error(get(target_of(8193)), 414, "uri_too_long");
  expect_error(get(target_of(8100) + "?" + std::string(200, 'q')), 414, "uri_too_long");
  EXPECT_EQ(upstream.count(), 1u);
}

TEST_F(Front, MaxUriBytesIsConfigurable) {
  RecordingUpstream upstream;
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", upstream.url()), "", "max_uri_bytes = \"1KiB\""));
  EXPECT_EQ(status_of(get(target_of(1024))), 200);
  expect_error(get(target_of(1025)), 414, "uri_too_long");
}

// ---- listeners[].max_connections
// ------------------------------------------------------------------

// The third connection is accepted by the kernel (backlog) but not served while two are open;
// closing one lets it through.
TEST_F(Front, ConnectionsBeyondMaxConnectionsWaitUntilOneCloses) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo"), "max_connections = 2"));
  const std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto first = std::make_unique<RawClient>(port_);
  RawClient second(port_);
  for (RawClient* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(request));
    auto r = c->read_response(3s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    ASSERT_EQ(r->status, 200);
  }
  RawClient third(port_);  // connect() completes in the backlog
  ASSERT_TRUE(third.send(request));
  auto early = third.read_response(700ms);
  EXPECT_FALSE(early.has_value()) << "a third connection was served while two were open";
  if (early) return;
  EXPECT_EQ(third.last_error(), "timeout") << "the third connection was closed, not queued";

  first.reset();  // closes the first connection
  auto late = third.read_response(3s);
  ASSERT_TRUE(late.has_value()) << "not served after a slot freed: " << third.last_error();
  EXPECT_EQ(late->status, 200);
  // The second connection still works.
  ASSERT_TRUE(second.send(request));
  auto again = second.read_response(3s);
  ASSERT_TRUE(again.has_value()) << second.last_error();
  EXPECT_EQ(again->status, 200);
}

// ---- cert ca --permit ---------------------------------------------------------------------------

class PublicSuffix : public ::testing::TestWithParam<const char*> {};

TEST_P(PublicSuffix, IsRefusedWithoutForce) {
  CertEnv env;
  auto r = env.bridge({"cert", "ca", "--permit", GetParam()});
  EXPECT_NE(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.err + r.out, GetParam())) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(env.ca_dir() + "/ca.pem")) << "a CA was created anyway";
}

TEST_P(PublicSuffix, IsAcceptedWithForce) {
  CertEnv env;
  auto r = env.bridge({"cert", "ca", "--permit", GetParam(), "--force"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, GetParam())) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Front, PublicSuffix, ::testing::Values("com", "co.uk", "0.0.0.0/0"));

TEST(PublicSuffixMessage, NamesThePublicSuffix) {
  CertEnv env;
  auto r = env.bridge({"cert", "ca", "--permit", "co.uk"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(lower(r.err + r.out), "public suffix")) << r.out << r.err;
}

TEST(PermitPrivateName, IsFine) {
  CertEnv env;
  auto r = env.bridge({"cert", "ca", "--permit", "dev.example.com"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "dev.example.com")) << r.out;
}

}  // namespace
}  // namespace bridge::test
