#include "http/fields.hpp"
#include "http/message.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bridge::http {
namespace {

std::vector<std::string> names(const Fields& fields) {
  std::vector<std::string> out;
  for (const FieldRef f : fields) out.emplace_back(f.name);
  return out;
}

TEST(Fields, RecognisesTheNamesTheProxyLooksAtInAnyCase) {
  EXPECT_EQ(field_of("Host"), Field::Host);
  EXPECT_EQ(field_of("CONTENT-LENGTH"), Field::ContentLength);
  EXPECT_EQ(field_of("transfer-encoding"), Field::TransferEncoding);
  EXPECT_EQ(field_of("Proxy-Authorization"), Field::ProxyAuthorization);
  EXPECT_EQ(field_of("te"), Field::Te);
  EXPECT_EQ(field_of("Hosts"), Field::Other);
  EXPECT_EQ(field_of(""), Field::Other);
}

TEST(Fields, EveryKnownNameIsNamedAndRecognisedBack) {
  EXPECT_EQ(field_name(Field::Other), "");
  for (size_t i = 1; i < field_count; ++i) {
    const auto known = static_cast<Field>(i);
    EXPECT_FALSE(field_name(known).empty()) << i;
    EXPECT_EQ(field_of(field_name(known)), known) << field_name(known);
  }
}

TEST(Fields, FindsTheFirstValueByKnownNameOrAnyName) {
  Fields fields;
  fields.add("Host", "app.localhost");
  fields.add("X-Tag", "one");
  fields.add("x-tag", "two");
  fields.add("X-Empty", "");
  EXPECT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields.get(Field::Host), "app.localhost");
  EXPECT_EQ(fields.get("X-TAG"), "one");
  EXPECT_TRUE(fields.has("x-empty"));
  EXPECT_EQ(fields.get("x-empty"), "");
  EXPECT_FALSE(fields.has("X-Missing"));
  EXPECT_EQ(fields.get(Field::Cookie), "");
  EXPECT_EQ(fields.count(Field::Host), 1u);
}

TEST(Fields, RemoveSetAndRemoveIfKeepTheOrderOfTheRest) {
  Fields fields;
  fields.add("A", "1");
  fields.add("Connection", "close");
  fields.add("B", "2");
  fields.add("a", "3");
  fields.remove("A");  // any case
  EXPECT_EQ(names(fields), (std::vector<std::string>{"Connection", "B"}));
  fields.set("connection", "keep-alive");  // a known name: removed whatever its spelling
  EXPECT_EQ(names(fields), (std::vector<std::string>{"B", "connection"}));
  EXPECT_EQ(fields.get(Field::Connection), "keep-alive");
  fields.remove_if([](const FieldRef& f) { return f.name == "B"; });
  EXPECT_EQ(names(fields), (std::vector<std::string>{"connection"}));
  fields.clear();
  EXPECT_TRUE(fields.empty());
}

TEST(Fields, ValuesStayReadableAfterTheListGrows) {
  Fields fields;
  for (int i = 0; i < 200; ++i) fields.add("X-Field-" + std::to_string(i), std::to_string(i));
  EXPECT_EQ(fields.get("x-field-0"), "0");
  EXPECT_EQ(fields.get("X-Field-199"), "199");
}

TEST(Fields, ClearedListsTakeNewFieldsOfEveryLengthIntact) {
  // Names and values of 0 to 40 bytes: the short ones are copied without memcpy.
  Fields fields;
  for (int round = 0; round < 2; ++round) {
    fields.clear();
    for (size_t n = 0; n <= 40; ++n) {
      fields.add("N" + std::string(n, 'n'), std::string(n, static_cast<char>('a' + n % 26)));
    }
    ASSERT_EQ(fields.size(), 41u);
    for (size_t n = 0; n <= 40; ++n) {
      const FieldRef f = fields.at(n);
      EXPECT_EQ(f.name, "N" + std::string(n, 'n'));
      EXPECT_EQ(f.value, std::string(n, static_cast<char>('a' + n % 26)));
    }
    EXPECT_GE(fields.text_bytes(), 41u + 2 * (40u * 41u / 2));
  }
}

TEST(Fields, FindsTokensInCommaListsCaseInsensitively) {
  EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(has_token(" X-Secret ", "x-secret"));
  EXPECT_TRUE(has_token("a,\tclose\t", "close"));
  EXPECT_FALSE(has_token("keep-alive", "upgrade"));
  EXPECT_FALSE(has_token("", "close"));
  EXPECT_FALSE(has_token("closed", "close"));
}

TEST(Message, KeepAliveFollowsTheVersionAndConnection) {
  Fields none;
  EXPECT_TRUE(keep_alive(11, none));
  EXPECT_FALSE(keep_alive(10, none));
  Fields close;
  close.add("Connection", "Close");
  EXPECT_FALSE(keep_alive(11, close));
  Fields keep;
  keep.add("connection", "keep-alive");
  EXPECT_TRUE(keep_alive(10, keep));
}

TEST(Message, MethodsAreCaseSensitiveTokens) {
  EXPECT_EQ(method_of("GET"), Method::Get);
  EXPECT_EQ(method_of("OPTIONS"), Method::Options);
  EXPECT_EQ(method_of("get"), Method::Other);
  EXPECT_EQ(method_of("PROPFIND"), Method::Other);
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(418), "");
}

}  // namespace
}  // namespace bridge::http
