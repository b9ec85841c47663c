#include "http/http.hpp"

#include <gtest/gtest.h>

namespace bridge::http {
namespace {

TEST(ValidHost, AcceptsNamesAddressesAndPorts) {
  for (std::string_view host :
       {"", "app.localhost", "app.localhost:8080", "127.0.0.1", "127.0.0.1:80", "[::1]",
        "[::1]:8080", "xn--caf-dma.test", "under_score.local", "a-b.c"}) {
    EXPECT_TRUE(valid_host(host)) << host;
  }
}

TEST(ValidHost, RefusesSpacesSlashesAndNonAscii) {
  for (std::string_view host :
       {"app.localhost/admin", "app.localhost route=admin", "a b", "\xff\xfe", "caf\xc3\xa9",
        "[::1", "[::1]x", "host:port", "host:123456", "a@b", "a\tb", "[a b]"}) {
    EXPECT_FALSE(valid_host(host)) << host;
  }
}

TEST(FieldSyntax, NamesAreTokensValuesHaveNoControlCharacters) {
  EXPECT_TRUE(valid_field_name("X-Request-ID"));
  EXPECT_FALSE(valid_field_name(""));
  EXPECT_FALSE(valid_field_name("X Role"));
  EXPECT_FALSE(valid_field_name("X-Role:"));
  EXPECT_TRUE(valid_field_value("a value\twith tab"));
  EXPECT_FALSE(valid_field_value("a\r\nX-Injected: 1"));
  EXPECT_FALSE(valid_field_value(std::string_view("a\0b", 3)));
  EXPECT_FALSE(valid_field_value("a\x7f"));
}

TEST(Utf8, InvalidBytesAreEscapedValidTextIsKept) {
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(valid_utf8("caf\xc3"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_EQ(escape_invalid_utf8("caf\xc3\xa9"), std::nullopt);
  EXPECT_EQ(escape_invalid_utf8("ch\x96nked"), "ch\\x96nked");
  EXPECT_EQ(escape_invalid_utf8("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape_invalid_utf8("/caf\xc3"), "/caf\\xc3");
}

}  // namespace
}  // namespace bridge::http
