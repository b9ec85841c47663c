#include "proxy/front_door.hpp"

#include <gtest/gtest.h>

namespace bridge::proxy {
namespace {

TEST(FrontDoor, NormalizesThePathAndKeepsTheQueryAsSent) {
  FrontDoorTarget out;
  EXPECT_FALSE(normalize_target("/public/../admin?x=%2F&y=..", {}, out));
  EXPECT_EQ(out.target, "/admin?x=%2F&y=..");
  EXPECT_EQ(out.decoded, "/admin");
}

TEST(FrontDoor, RefusesAnEncodedSlashWithAHintAtTheOption) {
  FrontDoorTarget out;
  auto refused = normalize_target("/a%2Fb", {}, out);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(refused->code, "bad_request");
  EXPECT_EQ(refused->message, "encoded slash (%2F) in the path is refused; allow it with "
                              "listeners[].encoded_characters.slash = true");
}

TEST(FrontDoor, UnderscoresAreRefusedOnlyWhenTheActionIsReject) {
  EXPECT_TRUE(refuse_underscore("X_User", "reject"));
  EXPECT_FALSE(refuse_underscore("X-User", "reject"));
  EXPECT_FALSE(refuse_underscore("X_User", "drop"));
  EXPECT_FALSE(refuse_underscore("X_User", "allow"));
}

TEST(FrontDoor, ForwardedHeadersAreTrustedFromLoopbackByDefault) {
  config::Listener listener;
  auto policy = ListenerPolicy::from(listener);
  EXPECT_TRUE(policy.trusts("127.0.0.1"));
  EXPECT_TRUE(policy.trusts("127.9.9.9"));
  EXPECT_TRUE(policy.trusts("::1"));
  EXPECT_FALSE(policy.trusts("10.1.2.3"));
  EXPECT_FALSE(policy.trusts(""));  // a unix socket peer
}

TEST(FrontDoor, TrustedIpsReplaceTheDefaultAndInsecureTrustsEveryone) {
  config::Listener listener;
  listener.forwarded_headers.trusted_ips = {"10.0.0.0/8"};
  auto policy = ListenerPolicy::from(listener);
  EXPECT_FALSE(policy.trusts("127.0.0.1"));
  EXPECT_TRUE(policy.trusts("10.200.0.1"));
  listener.forwarded_headers.insecure = true;
  EXPECT_TRUE(ListenerPolicy::from(listener).trusts("192.0.2.1"));
}

TEST(FrontDoor, PrintableEscapesInvalidUtf8Only) {
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
}

}  // namespace
}  // namespace bridge::proxy
