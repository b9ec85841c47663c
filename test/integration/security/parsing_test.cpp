// Issue 15 section 1: bytes that used to break the answer. Non-UTF-8 in framing headers, Host
// and the target; a chunked body ending in bare LFs; Header() rules past the 64th field;
// Connection naming Host; Host values that are not a host.
#include "security_fixture.hpp"

#include <signal.h>

namespace bridge::test {
namespace {

// ---- non-UTF-8 bytes ------------------------------------------------------------------------

struct BadBytes {
  const char* name;
  std::string request;
};

void PrintTo(const BadBytes& c, std::ostream* os) { *os << c.name; }

class NonUtf8 : public Front, public ::testing::WithParamInterface<BadBytes> {};

// The 400 comes back as valid JSON, the connection ends, its slot is released (the open
// connections gauge returns to idle) and SIGTERM does not wait the drain timeout for it.
TEST_P(NonUtf8, Is400JsonAndTheConnectionSlotIsReleased) {
  FrontConfig c(route("all", "PathPrefix(`/`)", "builtin://echo"));
  c.admin = true;
  c.limits = "drain_timeout = \"8s\"";
  ASSERT_TRUE(start(c));
  long idle = wait_metric("bridge_open_connections", 0, 2s);
  ASSERT_EQ(idle, 0) << "open connections before any client";

  {
    RawClient client(port_);
    client.send(GetParam().request);
    auto t0 = Clock::now();
    auto r = client.read_response(5s);
    ASSERT_TRUE(r.has_value()) << "no answer after " << seconds_since(t0)
                               << " s: " << client.last_error() << "\n"
                               << bridge_.output();
    expect_error(r, 400, "bad_request");
    EXPECT_TRUE(client.wait_closed(2s)) << "connection left open after the 400";
  }
  EXPECT_EQ(wait_metric("bridge_open_connections", idle, 2s), idle)
      << "the connection slot was not released\n"
      << bridge_.output();

  auto t0 = Clock::now();
  bridge_.process().signal(SIGTERM);
  auto status = bridge_.process().wait_exit(4s);
  ASSERT_TRUE(status.has_value()) << "still running 4 s after SIGTERM (drain waits for a "
                                     "leaked connection?)\n"
                                  << bridge_.output();
  EXPECT_EQ(*status, 0) << bridge_.output();
  EXPECT_LT(seconds_since(t0), 2.0) << bridge_.output();
}

INSTANTIATE_TEST_SUITE_P(
    Front, NonUtf8,
    ::testing::Values(
        BadBytes{"TransferEncoding",
                 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ch\x96nked\r\n\r\n0\r\n\r\n"},
        BadBytes{"Host", "GET / HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n"},
        BadBytes{"Path", "GET /caf\xc3 HTTP/1.1\r\nHost: a\r\n\r\n"},
        BadBytes{"AbsoluteFormAuthority", "GET http://\xff/x HTTP/1.1\r\nHost: a\r\n\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- chunked framing ------------------------------------------------------------------------

// nginx answers this at once; bridge used to wait more than 20 s for a CRLF that never comes.
TEST_F(Front, LastChunkEndingInBareLineFeedsIs400AtOnce) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto t0 = Clock::now();
  std::string error;
  auto r = send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                "1\r\nZ\r\n0\n\n",
                5s, &error);
  double took = seconds_since(t0);
  ASSERT_TRUE(r.has_value()) << "no answer within 5 s (" << error << ")";
  EXPECT_EQ(r->status, 400) << printable(r->body);
  EXPECT_LT(took, 2.0);
}

// ---- Header() rules see every field ----------------------------------------------------------

// Host first, `filler` more fields, then X-Role: admin as field number filler + 2.
std::string request_with_role_at(size_t position) {
  std::string request = "GET /who HTTP/1.1\r\nHost: app.localhost\r\n";
  for (size_t i = 2; i < position; ++i) request += "X-Filler-" + std::to_string(i) + ": v\r\n";
  return request + "X-Role: admin\r\n\r\n";
}

class HeaderRule : public Front, public ::testing::WithParamInterface<size_t> {};

TEST_P(HeaderRule, MatchesXRoleAtThatField) {
  RecordingUpstream admin("admin"), other("other");
  ASSERT_TRUE(start(route("admin", "Header(`X-Role`,`admin`)", admin.url()) +
                    route("all", "PathPrefix(`/`)", other.url())));
  auto r = send(request_with_role_at(GetParam()));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(admin.count(), 1u) << "X-Role: admin as field " << GetParam()
                               << " was not routed by Header(); the catch-all got "
                               << other.count();
  EXPECT_EQ(other.count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Front, HeaderRule, ::testing::Values(size_t{64}, size_t{65}, size_t{99}),
                         [](const auto& info) { return "Field" + std::to_string(info.param); });

// ---- Connection never removes Host --------------------------------------------------------------

TEST_F(Front, ConnectionListingHostDoesNotDropHost) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto r = send("GET /h HTTP/1.1\r\nHost: app.localhost\r\n"
                "Connection: close, Host, Authorization\r\nAuthorization: Bearer t\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value()) << "nothing reached the upstream";
  EXPECT_EQ(got->headers_named("Host"), std::vector<std::string>{"app.localhost"});
}

// ---- Host syntax ----------------------------------------------------------------------------

class BadHost : public Front, public ::testing::WithParamInterface<const char*> {};

TEST_P(BadHost, Is400AndNothingIsForwarded) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto r = get("/", "", GetParam());
  expect_error(r, 400, "bad_request");
  EXPECT_EQ(upstream.count(), 0u) << "forwarded with Host: " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Front, BadHost,
                         ::testing::Values("app.localhost/admin route=admin", "app.localhost admin",
                                           "app.localhost/admin", "a b:8080", "app.localhost:80a",
                                           "[::1"));

class GoodHost : public Front, public ::testing::WithParamInterface<const char*> {};

TEST_P(GoodHost, IsForwardedAsSent) {
  RecordingUpstream upstream;
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", upstream.url())));
  auto r = get("/", "", GetParam());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->header("Host").value_or("<absent>"), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Front, GoodHost,
                         ::testing::Values("app.localhost:8080", "127.0.0.1", "[::1]:8080",
                                           "app.localhost", "my-app_1.localhost"));

}  // namespace
}  // namespace bridge::test
