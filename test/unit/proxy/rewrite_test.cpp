#include "proxy/rewrite.hpp"
#include "proxy/snapshot.hpp"

#include <gtest/gtest.h>

namespace bridge::proxy {
namespace {

std::string strip(std::string_view target, std::string_view prefix) {
  std::string out;
  return strip_prefix(target, prefix, out) ? out : "<no match>";
}

TEST(StripPrefix, RemovesPrefixAndKeepsQuery) {
  EXPECT_EQ(strip("/api/users?page=2", "/api"), "/users?page=2");
  EXPECT_EQ(strip("/api", "/api"), "/");
  EXPECT_EQ(strip("/api/", "/api"), "/");
  EXPECT_EQ(strip("/api?x=1", "/api"), "/?x=1");
}

TEST(StripPrefix, IsAStringPrefixLikeTraefik) {
  EXPECT_EQ(strip("/apix/y", "/api"), "/x/y");
  EXPECT_EQ(strip("/other", "/api"), "<no match>");
}

TEST(StripPrefix, MatchesOnTheDecodedPathAndKeepsTheRestAsReceived) {
  EXPECT_EQ(strip("/%61pi/a%20b", "/api"), "/a%20b");
  EXPECT_EQ(strip("/a%20b/c", "/a b"), "/c");
}

TEST(StripPrefix, NeverDecodesEscapesIntoSeparators) {
  EXPECT_EQ(strip("/api/public/..%2F..%2Fadmin", "/api"), "/public/..%2F..%2Fadmin");
  EXPECT_EQ(strip("/api%2Fadmin", "/api"), "/%2Fadmin");
  EXPECT_EQ(strip("/ap%2Fi", "/api"), "<no match>");
}

TEST(PercentDecode, DecodesValidEscapesOnly) {
  std::string out;
  percent_decode("/a%2Fb%zz%4", out);
  EXPECT_EQ(out, "/a/b%zz%4");
}

TEST(HopByHop, KnowsTheRfc9110Set) {
  for (const char* name : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding",
                           "Upgrade", "Proxy-Authorization", "Proxy-Connection"}) {
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  }
  EXPECT_FALSE(is_hop_by_hop("X-Request-ID"));
  EXPECT_FALSE(is_hop_by_hop("Content-Length"));
}

TEST(ParseTarget, AcceptsEverySchemeWithDefaults) {
  auto http = parse_target("http://127.0.0.1:8080");
  ASSERT_TRUE(http);
  EXPECT_EQ((*http)->scheme, Scheme::Http);
  EXPECT_EQ((*http)->host, "127.0.0.1");
  EXPECT_EQ((*http)->port, 8080);
  auto https = parse_target("https://api.example.test");
  ASSERT_TRUE(https);
  EXPECT_EQ((*https)->port, 443);
  auto v6 = parse_target("http://[::1]:9000/");
  ASSERT_TRUE(v6);
  EXPECT_EQ((*v6)->host, "::1");
  EXPECT_EQ((*v6)->port, 9000);
  auto echo = parse_target("builtin://echo");
  ASSERT_TRUE(echo);
  EXPECT_EQ((*echo)->scheme, Scheme::Echo);
  auto compose = parse_target("compose://orders:8080");
  ASSERT_TRUE(compose);
  EXPECT_FALSE((*compose)->resolvable());
}

TEST(ParseTarget, RejectsWhatCannotWork) {
  EXPECT_EQ(parse_target("ftp://x").error().message, "unsupported target \"ftp://x\"");
  EXPECT_EQ(parse_target("http://x:99999").error().message,
            "port out of range in \"http://x:99999\"");
  EXPECT_EQ(parse_target("http://x:8080/api").error().message,
            "target \"http://x:8080/api\" has a path; targets are scheme://host:port");
  EXPECT_EQ(parse_target("builtin://nope").error().message,
            "unknown builtin target \"builtin://nope\"");
}

}  // namespace
}  // namespace bridge::proxy
