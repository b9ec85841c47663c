#include "cert/cert.hpp"
#include "cert/detail/ca.hpp"

#include <gtest/gtest.h>

namespace bridge::cert {
namespace {

struct NameCase {
  std::string input;
  std::string text;
  NameKind kind;
};

TEST(CertNames, ParsesDnsWildcardAndIpNames) {
  const std::vector<NameCase> cases = {
      {"App.Localhost", "app.localhost", NameKind::Dns},
      {"app.localhost.", "app.localhost", NameKind::Dns},
      {"*.app.localhost", "*.app.localhost", NameKind::Wildcard},
      {"127.0.0.1", "127.0.0.1", NameKind::Ipv4},
      {"::1", "::1", NameKind::Ipv6},
      {"[0:0::1]", "::1", NameKind::Ipv6},
      {"under_score.test", "under_score.test", NameKind::Dns},
  };
  for (const auto& c : cases) {
    auto name = parse_name(c.input);
    ASSERT_TRUE(name) << c.input << ": " << name.error().message;
    EXPECT_EQ(name->text, c.text) << c.input;
    EXPECT_EQ(name->kind, c.kind) << c.input;
  }
}

TEST(CertNames, RejectsMalformedNamesWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a..b", "invalid name \"a..b\": empty label"},
      {"-a.test", "invalid name \"-a.test\": a label starts or ends with '-'"},
      {"a.*.test", "invalid name \"a.*.test\": '*' is allowed only as the first label"},
      {"*.localhost", "invalid name \"*.localhost\": a wildcard needs two labels after \"*.\""},
      {"a b.test", "invalid name \"a b.test\": character ' ' is not allowed"},
      {"", "empty certificate name"},
  };
  for (const auto& [input, message] : cases) {
    auto name = parse_name(input);
    ASSERT_FALSE(name) << input;
    EXPECT_EQ(name.error().message, message);
    EXPECT_EQ(name.error().code, ErrorCode::Usage);
  }
}

TEST(CertNames, FileStemFollowsMkcert) {
  auto one = parse_names({"app.localhost"});
  EXPECT_EQ(file_stem(*one), "app.localhost");
  auto many = parse_names({"*.app.localhost", "app.localhost", "127.0.0.1"});
  EXPECT_EQ(file_stem(*many), "_wildcard.app.localhost+2");
  auto v6 = parse_names({"::1"});
  EXPECT_EQ(file_stem(*v6), "__1");
}

TEST(CertNames, DuplicatesAreDropped) {
  auto names = parse_names({"a.test", "A.test", "127.0.0.1", "127.0.0.1"});
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 2u);
  EXPECT_EQ(san_value(*names), "DNS:a.test,IP:127.0.0.1");
}

TEST(CertPermit, NormalisesDnsSuffixesAndIpRanges) {
  EXPECT_EQ(*detail::normalise_permit("Corp.Example"), "corp.example");
  EXPECT_EQ(*detail::normalise_permit(".corp.example"), ".corp.example");
  EXPECT_EQ(*detail::normalise_permit("10.1.2.3/8"), "10.0.0.0/8");
  EXPECT_EQ(*detail::normalise_permit("192.168.1.5"), "192.168.1.5/32");
  EXPECT_EQ(*detail::normalise_permit("fd00::1/8"), "fd00::/8");
  EXPECT_EQ(*detail::permitted_config("127.0.0.0/8"), "permitted;IP:127.0.0.0/255.0.0.0");
  EXPECT_EQ(*detail::permitted_config("::1/128"),
            "permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  auto bad = detail::normalise_permit("10.0.0.0/40");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid --permit value \"10.0.0.0/40\"");
}

}  // namespace
}  // namespace bridge::cert
