#include "http/http.hpp"

#include <gtest/gtest.h>

namespace bridge::http {
namespace {

struct Case {
  std::string_view raw;
  std::string_view path;     // forwarded
  std::string_view decoded;  // routed
};

TEST(NormalizePath, DecodesUnreservedRemovesDotSegmentsMergesSlashes) {
  const Case cases[] = {
      {"/", "/", "/"},
      {"/a/b", "/a/b", "/a/b"},
      {"/public/../admin", "/admin", "/admin"},
      {"/public/%2e%2e/admin", "/admin", "/admin"},
      {"/public/%2E%2E/admin", "/admin", "/admin"},
      {"//admin", "/admin", "/admin"},
      {"/a//b///c", "/a/b/c", "/a/b/c"},
      {"/a/./b/.", "/a/b/", "/a/b/"},
      {"/a/b/..", "/a/", "/a/"},
      {"/..", "/", "/"},
      {"/../../etc/passwd", "/etc/passwd", "/etc/passwd"},
      {"/a/", "/a/", "/a/"},
      {"/%7Euser/%41%42", "/~user/AB", "/~user/AB"},
      {"/caf%c3%a9", "/caf%C3%A9", "/caf\xc3\xa9"},
      {"/a%20b", "/a%20b", "/a b"},
      {"/a/..b/c..", "/a/..b/c..", "/a/..b/c.."},
  };
  for (const auto& c : cases) {
    auto got = normalize_path(c.raw, {});
    EXPECT_EQ(got.refused, "") << c.raw;
    EXPECT_EQ(got.path, c.path) << c.raw;
    EXPECT_EQ(got.decoded, c.decoded) << c.raw;
  }
}

TEST(NormalizePath, RefusesStructuralEscapesByDefault) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"/a%2Fb", "encoded slash (%2F)"},         {"/a%2fb", "encoded slash (%2f)"},
      {"/a%5Cb", "encoded backslash (%5C)"},     {"/a%00b", "encoded null (%00)"},
      {"/a%3Bb", "encoded semicolon (%3B)"},     {"/a%25b", "encoded percent (%25)"},
      {"/a%3Fb", "encoded question_mark (%3F)"}, {"/a%23b", "encoded hash (%23)"},
  };
  for (const auto& [raw, why] : cases) {
    auto got = normalize_path(raw, {});
    EXPECT_NE(got.refused.find(why), std::string::npos) << raw << ": " << got.refused;
  }
}

TEST(NormalizePath, AllowedStructuralEscapesStayEncoded) {
  PathPolicy policy;
  policy.allowed.slash = true;
  auto got = normalize_path("/api/public/..%2f..%2fadmin", policy);
  EXPECT_EQ(got.refused, "");
  EXPECT_EQ(got.path, "/api/public/..%2F..%2Fadmin");  // not a separator: no dot segment
  EXPECT_EQ(got.decoded, "/api/public/../../admin");
  EXPECT_NE(normalize_path("/a%5Cb", policy).refused, "");  // only what is allowed
}

TEST(NormalizePath, MalformedEscapesAreRefused) {
  for (std::string_view raw : {"/a%", "/a%2", "/a%zz", "/a%2g/b"}) {
    EXPECT_NE(normalize_path(raw, {}).refused.find("malformed percent-encoding"), std::string::npos)
        << raw;
  }
}

TEST(NormalizePath, WithoutSanitizeTheRawPathIsKept) {
  PathPolicy policy;
  policy.sanitize = false;
  auto got = normalize_path("/public/../admin//x/%2e", policy);
  EXPECT_EQ(got.refused, "");
  EXPECT_EQ(got.path, "/public/../admin//x/%2e");
  EXPECT_EQ(got.decoded, "/public/../admin//x/.");
  EXPECT_NE(normalize_path("/a%2Fb", policy).refused, "");  // escapes are still checked
}

TEST(NormalizePath, IsIdempotent) {
  for (std::string_view raw : {"/a/../b/./c//d/", "/%2e%2e/x", "/x/%7e/..", "/caf%c3%a9/."}) {
    auto once = normalize_path(raw, {});
    auto twice = normalize_path(once.path, {});
    EXPECT_EQ(twice.path, once.path) << raw;
  }
}

}  // namespace
}  // namespace bridge::http
