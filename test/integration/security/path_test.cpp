// Issue 15 section 2: what is routed is what is forwarded. Paths are normalized before routing
// (unreserved escapes decoded, dot segments removed, slashes merged) and the upstream gets that
// path; structural escapes are refused unless the listener allows them, and then stay encoded.
#include "security_fixture.hpp"

namespace bridge::test {
namespace {

// Two real upstreams: `admin_` behind PathPrefix(`/admin`), `other_` behind `/public` and the
// catch-all, so each test can say which one a request reached and with which target.
class Paths : public Front {
 protected:
  std::string routes(const std::string& api_extra = "") const {
    return route("admin", "PathPrefix(`/admin`)", admin_.url()) +
           route("public", "PathPrefix(`/public`)", other_.url()) +
           route("api", "PathPrefix(`/api`)", other_.url(),
                 "strip_prefix = \"/api\"\n" + api_extra) +
           route("all", "PathPrefix(`/`)", other_.url());
  }

  // The target `upstream` received for the one request the test sent, or why there is none.
  std::string only_target(const RecordingUpstream& upstream) const {
    auto all = upstream.requests();
    if (all.size() != 1) return "<" + std::to_string(all.size()) + " requests>";
    return all.front().target;
  }

  RecordingUpstream admin_{"admin"};
  RecordingUpstream other_{"other"};
};

class DotSegments : public Paths, public ::testing::WithParamInterface<const char*> {};

TEST_P(DotSegments, AreRoutedAndForwardedAsAdmin) {
  ASSERT_TRUE(start(routes()));
  auto r = get(GetParam());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(admin_), "/admin") << GetParam() << " was routed elsewhere";
  EXPECT_EQ(other_.count(), 0u) << GetParam() << " reached the catch-all as "
                                << (other_.last() ? other_.last()->target : "");
}

INSTANTIATE_TEST_SUITE_P(Front, DotSegments,
                         ::testing::Values("/public/../admin", "/public/%2e%2e/admin",
                                           "/public/%2E%2E/admin", "//admin", "/./admin",
                                           "/public/./../admin", "/%61dmin",
                                           "///public/..//admin"));

TEST_F(Paths, QueryStringIsKeptUnchanged) {
  ASSERT_TRUE(start(routes()));
  auto r = get("/public/../admin?next=/a/../b&x=%2F&y=%2e%2e");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(admin_), "/admin?next=/a/../b&x=%2F&y=%2e%2e");
}

TEST_F(Paths, TrailingSlashAndDeeperPathsSurvive) {
  ASSERT_TRUE(start(routes()));
  ASSERT_TRUE(get("/admin/users/../settings/").has_value());
  EXPECT_EQ(only_target(admin_), "/admin/settings/");
}

struct Encoded {
  const char* escape;  // as sent
  const char* name;    // the key under listeners[].encoded_characters
};

void PrintTo(const Encoded& e, std::ostream* os) { *os << e.escape; }

class EncodedCharacter : public Paths, public ::testing::WithParamInterface<Encoded> {};

TEST_P(EncodedCharacter, Is400ByDefault) {
  ASSERT_TRUE(start(routes()));
  auto r = get(std::string("/files/a") + GetParam().escape + "b");
  json body = expect_error(r, 400, "bad_request");
  std::string want = std::string("encoded ") + GetParam().name + " (" + GetParam().escape + ")";
  EXPECT_NE(body.value("message", "").find(want), std::string::npos)
      << "message should contain \"" << want << "\": " << body.dump();
  EXPECT_EQ(admin_.count() + other_.count(), 0u) << "forwarded anyway";
}

INSTANTIATE_TEST_SUITE_P(Front, EncodedCharacter,
                         ::testing::Values(Encoded{"%2F", "slash"}, Encoded{"%5C", "backslash"},
                                           Encoded{"%00", "null"}, Encoded{"%3B", "semicolon"},
                                           Encoded{"%25", "percent"},
                                           Encoded{"%3F", "question_mark"}, Encoded{"%23", "hash"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(Paths, AllowedSlashIsForwardedStillEncodedOthersStillRefused) {
  ASSERT_TRUE(start(routes(), "encoded_characters = { slash = true }"));
  auto r = get("/a%2Fb");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(other_), "/a%2Fb");
  expect_error(get("/a%5Cb"), 400, "bad_request");
  EXPECT_EQ(other_.count(), 1u);
}

TEST_F(Paths, StripPrefixWithEncodedDotDotSlashIs400ByDefault) {
  ASSERT_TRUE(start(routes()));
  expect_error(get("/api/public/..%2f..%2fadmin"), 400, "bad_request");
  EXPECT_EQ(admin_.count() + other_.count(), 0u);
}

TEST_F(Paths, StripPrefixNeverDecodesAnAllowedSlashIntoASeparator) {
  ASSERT_TRUE(start(routes(), "encoded_characters = { slash = true }"));
  auto r = get("/api/public/..%2f..%2fadmin");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(other_), "/public/..%2F..%2Fadmin");
  EXPECT_EQ(admin_.count(), 0u);
}

TEST_F(Paths, StripPrefixForwardsTheRest) {
  ASSERT_TRUE(start(routes()));
  auto r = get("/api/v1/users?page=2");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(other_), "/v1/users?page=2");
}

TEST_F(Paths, StripPrefixAppliesToTheNormalizedPath) {
  ASSERT_TRUE(start(routes()));
  auto r = get("/x/../api/./v1//users");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(other_), "/v1/users");
}

TEST_F(Paths, SanitizeOffRoutesAndForwardsTheRawPath) {
  ASSERT_TRUE(start(routes(), "sanitize_path = false"));
  auto r = get("/public/../admin");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200) << printable(r->body);
  EXPECT_EQ(only_target(other_), "/public/../admin");
  EXPECT_EQ(admin_.count(), 0u);
}

TEST_F(Paths, SanitizeOffStillRefusesAnEncodedSlash) {
  ASSERT_TRUE(start(routes(), "sanitize_path = false"));
  expect_error(get("/a%2Fb"), 400, "bad_request");
}

// ---- bridge route test ----------------------------------------------------------------------

TEST_F(Paths, RouteTestShowsTheNormalizedPath) {
  bridge_.write_config(config(FrontConfig{routes()}));
  auto r = run_bridge({"route", "test", "GET", "http://localhost:8080/public/%2e%2e/admin",
                       "--json", "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json out = body_json(r.out);
  EXPECT_EQ(out.value("winner", ""), "admin") << out.dump(2);
  EXPECT_EQ(out.value("upstream_request", json::object()).value("target", ""), "/admin")
      << out.dump(2);

  auto text = run_bridge({"route", "test", "GET", "http://localhost:8080/public/%2e%2e/admin",
                          "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(text.status, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("GET /admin HTTP/1.1"), std::string::npos) << text.out;
}

TEST_F(Paths, RouteTestSaysWhyAnEncodedSlashIsRefused) {
  bridge_.write_config(config(FrontConfig{routes()}));
  auto r = run_bridge({"route", "test", "GET", "http://localhost:8080/a%2Fb", "--config-dir",
                       bridge_.config_dir()});
  EXPECT_NE(r.status, 0) << r.out << r.err;
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("400"), std::string::npos) << all;
  EXPECT_NE(all.find("encoded slash (%2F)"), std::string::npos) << all;
}

}  // namespace
}  // namespace bridge::test
