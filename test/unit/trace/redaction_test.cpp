// The built-in redaction (trace.redact_defaults): secret-looking header fields and query
// parameters never reach a record, log line or span.
#include "trace/record.hpp"

#include <gtest/gtest.h>

namespace bridge::trace {
namespace {

TEST(Redaction, BuiltInNamesAreCoveredInAnyCase) {
  Redaction redaction;
  for (const char* name :
       {"Authorization", "proxy-authorization", "COOKIE", "Set-Cookie", "X-Api-Key", "x-auth-token",
        "X-CSRF-Token", "Client-Secret", "X-Password", "api_key", "access_token", "TOKEN",
        "x-upstream-secret-id", "X-API-KEY-2"}) {
    EXPECT_TRUE(redaction.covers(name)) << name;
  }
  for (const char* name :
       {"Host", "Accept", "Content-Type", "X-Request-ID", "traceparent", "X-Api", "Tok", "X-Tokn",
        "Cookies-Count", "X-Auth", "Authorization2", "Secre", "passwd", "apikey"}) {
    EXPECT_FALSE(redaction.covers(name)) << name;
  }
}

TEST(Redaction, DefaultsOffLeavesOnlyTheConfiguredNames) {
  Redaction redaction({"X-Internal"}, false);
  EXPECT_TRUE(redaction.covers("x-internal"));
  EXPECT_FALSE(redaction.covers("Authorization"));
  EXPECT_FALSE(redaction.covers("X-Auth-Token"));
  EXPECT_FALSE(redaction.defaults());
  Redaction both({"X-Internal"});
  EXPECT_TRUE(both.covers("X-INTERNAL"));
  EXPECT_TRUE(both.covers("X-Auth-Token"));
  EXPECT_TRUE(both.defaults());
}

TEST(Redaction, QueryParametersWithSecretNamesAreReplaced) {
  Redaction redaction({"sig"});
  struct Case {
    const char* query;
    const char* expected;
  };
  const Case cases[] = {
      {"", ""},
      {"a=1", "a=1"},
      {"token=abc", "token=<redacted>"},
      {"a=1&access_token=abc&b=2", "a=1&access_token=<redacted>&b=2"},
      {"api_key=k&password=p&client_secret=s", "api_key=<redacted>&password=<redacted>&"
                                               "client_secret=<redacted>"},
      {"sig=xyz&signature=keep", "sig=<redacted>&signature=keep"},  // configured name, exact
      {"a%5Ftoken=x", "a%5Ftoken=<redacted>"},                      // names compared decoded
      {"Authorization=Bearer+x", "Authorization=<redacted>"},
      {"token", "token"},  // no value to hide
      {"&&token=&", "&&token=<redacted>&"},
      {"q=token", "q=token"},  // only names count
      {"%zz=1&%", "%zz=1&%"},  // malformed escapes stay as they are
  };
  std::string out = "leftover";
  for (const auto& c : cases) {
    redaction.redact_query(c.query, out);
    EXPECT_EQ(out, c.expected) << c.query;
  }
  Redaction off({}, false);
  off.redact_query("token=abc", out);
  EXPECT_EQ(out, "token=abc");
}

// Names are remembered per thread: asking again, in any order and with names that share a
// cache slot, gives the same answer as the first time.
TEST(SecretNames, AnswersTheSameWhenAskedAgain) {
  const std::vector<std::pair<std::string, bool>> names = {{"Authorization", true},
                                                           {"X-Api-Key", true},
                                                           {"x-api_key", true},
                                                           {"X-Auth-Token", true},
                                                           {"client_secret", true},
                                                           {"PASSWORD", true},
                                                           {"Set-Cookie", true},
                                                           {"cookie", true},
                                                           {"Proxy-Authorization", true},
                                                           {"X-Forwarded-Proto", false},
                                                           {"Content-Type", false},
                                                           {"Host", false},
                                                           {"X-Tokenizer-Mode", true},
                                                           {"X-Toke", false},
                                                           {"Api-Keys-Count", true},
                                                           {"X-Request-ID", false},
                                                           {"traceparent", false},
                                                           {"Accept-Encoding", false},
                                                           {std::string(40, 'x') + "secret", true},
                                                           {std::string(40, 'y'), false}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& [name, secret] : names) EXPECT_EQ(is_secret_name(name), secret) << name;
    for (auto it = names.rbegin(); it != names.rend(); ++it)
      EXPECT_EQ(is_secret_name(it->first), it->second) << it->first;
  }
  // Every slot of the cache, filled and overwritten: 2,000 distinct names.
  for (int i = 0; i < 2000; ++i) {
    std::string plain = "X-Field-" + std::to_string(i);
    std::string secret = "X-Token-" + std::to_string(i);
    EXPECT_FALSE(is_secret_name(plain)) << plain;
    EXPECT_TRUE(is_secret_name(secret)) << secret;
    EXPECT_FALSE(is_secret_name(plain)) << plain;
  }
}

}  // namespace
}  // namespace bridge::trace
