// digestAuth as pure code: the challenge it sends, and the answers a client computes from it
// (RFC 7616 with MD5, qop=auth or RFC 2069's form without it) let through or refused with the
// reason: wrong password, unknown user, another realm, a uri that is not the request's, a nonce
// bridge never issued, a nonce count used twice. The hashes are htdigest's
// (MD5 of user:realm:password), computed here the way htdigest does.
#include "fixture.hpp"

#include <openssl/evp.h>

#include <re2/re2.h>

namespace bridge::middleware {
namespace {

using namespace test_support;

std::string md5(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_md5(), nullptr);
  std::string out;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    out += two;
  }
  return out;
}

// What a client sends after a challenge: RFC 7616 3.4.1 with qop=auth (RFC 2069's form when
// `nc` is empty).
std::string authorization(const std::string& user, const std::string& realm,
                          const std::string& password, const std::string& method,
                          const std::string& uri, const std::string& nonce,
                          const std::string& nc = "00000001") {
  const std::string ha1 = md5(user + ":" + realm + ":" + password);
  const std::string ha2 = md5(method + ":" + uri);
  const std::string cnonce = "0a4f113b";
  if (nc.empty())
    return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce +
           "\", uri=\"" + uri + "\", response=\"" + md5(ha1 + ":" + nonce + ":" + ha2) + "\"";
  return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce +
         "\", uri=\"" + uri + "\", algorithm=MD5, qop=auth, nc=" + nc + ", cnonce=\"" + cnonce +
         "\", response=\"" + md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2) +
         "\", opaque=\"ignored\"";
}

class DigestAuthUnit : public Middlewares {
 protected:
  void SetUp() override {
    ASSERT_TRUE(load("[middlewares.auth.digestAuth]\nrealm = \"dev area\"\nusers = [\"alice:dev "
                     "area:" +
                     md5("alice:dev area:pw one") + "\", \"bob:other:" + md5("bob:other:x") +
                     "\"]\nheaderField = \"X-WebAuth-User\"\nremoveHeader = true\n"));
  }
  // The nonce of a fresh challenge (a request without Authorization).
  std::string nonce() {
    run_on("auth", request("GET", "/"));
    std::string n;
    EXPECT_TRUE(fx_.answer.has_value());
    if (fx_.answer) RE2::PartialMatch(fx_.answer->fields.at(0).second, "nonce=\"([0-9a-f]+)\"", &n);
    return n;
  }
  // Runs the middleware on GET `uri` with `auth` as Authorization.
  const Effects& with(const std::string& auth, const std::string& uri = "/admin?x=1") {
    return run_on("auth", request("GET", uri).with("Authorization", auth));
  }
};

TEST_F(DigestAuthUnit, AChallengeWithRealmNonceOpaqueAndQop) {
  run_on("auth", request("GET", "/admin"));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 401u);
  ASSERT_EQ(fx_.answer->fields.size(), 1u);
  EXPECT_EQ(fx_.answer->fields[0].first, "WWW-Authenticate");
  EXPECT_TRUE(RE2::FullMatch(fx_.answer->fields[0].second,
                             "Digest realm=\"dev area\", nonce=\"[0-9a-f]{64}\", "
                             "opaque=\"[0-9a-f]{32}\", algorithm=MD5, qop=\"auth\""))
      << fx_.answer->fields[0].second;
  EXPECT_EQ(fx_.answer->message, "no Authorization header");
  EXPECT_EQ(detail(), "no Authorization header → 401");
}

TEST_F(DigestAuthUnit, TheRightPasswordPassesWithTheUserUpstreamAndAuthorizationRemoved) {
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", nonce()));
  EXPECT_FALSE(fx_.answer.has_value()) << fx_.answer->message;
  EXPECT_EQ(detail(), "user \"alice\" authenticated");
  EXPECT_EQ(words(fx_.request), (Words{"remove Authorization", "set X-WebAuth-User: alice"}));
}

TEST_F(DigestAuthUnit, RfcTwoZeroSixNineAnswersWithoutQopPass) {
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", nonce(), ""));
  EXPECT_FALSE(fx_.answer.has_value()) << fx_.answer->message;
  EXPECT_EQ(detail(), "user \"alice\" authenticated");
}

TEST_F(DigestAuthUnit, ANonceCountIsUsedOnce) {
  const std::string n = nonce();
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", n, "00000001"));
  EXPECT_FALSE(fx_.answer.has_value());
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", n, "00000002"));
  EXPECT_FALSE(fx_.answer.has_value()) << "the next count on the same nonce";
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", n, "00000002"));
  ASSERT_TRUE(fx_.answer.has_value()) << "a replayed Authorization passed";
  EXPECT_EQ(fx_.answer->message, "nonce count 00000002 was used before (a replay)");
}

TEST_F(DigestAuthUnit, RefusalsSayWhy) {
  const std::string n = nonce();
  auto refused = [&](const std::string& auth, const std::string& why,
                     const std::string& uri = "/admin?x=1") {
    with(auth, uri);
    ASSERT_TRUE(fx_.answer.has_value()) << why;
    EXPECT_EQ(fx_.answer->status, 401u);
    EXPECT_EQ(fx_.answer->message, why);
    EXPECT_EQ(detail(), why + " → 401");
    EXPECT_TRUE(fx_.answer->fields.at(0).second.starts_with("Digest realm=\"dev area\""));
  };
  refused(authorization("alice", "dev area", "pw two", "GET", "/admin?x=1", n),
          "wrong password for user \"alice\"");
  refused(authorization("eve", "dev area", "pw one", "GET", "/admin?x=1", n),
          "unknown user \"eve\"");
  // bob's line is of another realm, so he is not a user here.
  refused(authorization("bob", "dev area", "x", "GET", "/admin?x=1", n), "unknown user \"bob\"");
  refused(authorization("alice", "other", "pw one", "GET", "/admin?x=1", n),
          "realm \"other\" is not \"dev area\"");
  refused(authorization("alice", "dev area", "pw one", "GET", "/admin", n),
          "uri \"/admin\" is not the request's target");
  // Computed for another method: the same as a wrong password.
  refused(authorization("alice", "dev area", "pw one", "POST", "/admin?x=1", n),
          "wrong password for user \"alice\"");
  std::string forged = n;
  forged[63] = forged[63] == '0' ? '1' : '0';
  refused(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", forged),
          "nonce was not issued by bridge");
  refused("Basic YWxpY2U6cHcgb25l", "Authorization is not Digest");
  refused("Digest username=\"alice\", nonce=\"unterminated", "Authorization is not Digest");
  refused("Digest username=\"alice\", realm=\"dev area\"",
          "Authorization: Digest lacks username, nonce, uri or response");
  std::string sha = authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", n);
  sha.replace(sha.find("algorithm=MD5"), 13, "algorithm=SHA-256");
  refused(sha, "algorithm SHA-256 is not MD5");
}

TEST_F(DigestAuthUnit, EveryChallengeHasItsOwnNonce) {
  // Two clients in the same second must not share nonce counts.
  EXPECT_NE(nonce(), nonce());
}

TEST_F(DigestAuthUnit, AnotherMiddlewaresNoncesAreNotAccepted) {
  // Each digestAuth signs its nonces with a key of its own.
  const std::string n = nonce();
  ASSERT_TRUE(load("[middlewares.auth.digestAuth]\nrealm = \"dev area\"\nusers = [\"alice:dev "
                   "area:" +
                   md5("alice:dev area:pw one") + "\"]\n"));
  with(authorization("alice", "dev area", "pw one", "GET", "/admin?x=1", n));
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->message, "nonce was not issued by bridge");
}

}  // namespace
}  // namespace bridge::middleware
