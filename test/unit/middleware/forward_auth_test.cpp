// forwardAuth as pure code: the chain pauses at it, the request it would send the auth server
// (fields, X-Forwarded-*, trustForwardHeader, authRequestHeaders), and what the auth server's
// answer does (a 2xx's fields and cookies copied, anything else answered as it came, no answer
// a 502), then the chain going on from where it stopped.
#include "fixture.hpp"

namespace bridge::middleware {
namespace {

using namespace test_support;

using Pairs = std::vector<std::pair<std::string, std::string>>;

class ForwardAuthUnit : public Middlewares {
 protected:
  // Runs `names` until the auth check pauses them; the request it would send.
  AuthRequest paused(const std::vector<std::string>& names, const Req& req) {
    fx_.clear();
    at_ = middleware::run(set_.resolve(names), req.view(), fx_);
    EXPECT_TRUE(fx_.auth.has_value());
    return fx_.auth ? auth_request(*fx_.auth, req.view()) : AuthRequest{};
  }
  size_t at_ = 0;
};

constexpr const char* sso =
    "[middlewares.sso.forwardAuth]\naddress = \"http://auth.local:9091/api/verify?rd=1\"\n";

TEST_F(ForwardAuthUnit, TheChainPausesAndTheAuthServerGetsTheRequestsFields) {
  ASSERT_TRUE(load(std::string(sso) +
                   "[middlewares.tag.headers]\ncustomRequestHeaders = { \"X-Tag\" = \"t\" }\n"));
  Req req = request("PUT", "/orders/7?x=1");
  req.with("Host", "app.test").with("Authorization", "Bearer abc").with("Content-Length", "12");
  req.with("X-Forwarded-Host", "forged.test").with("Connection", "keep-alive");
  const AuthRequest ask = paused({"sso", "tag"}, req);
  EXPECT_EQ(at_, 1u);
  EXPECT_EQ(fx_.steps.size(), 1u) << "tag has not run yet";
  EXPECT_EQ(ask.host, "auth.local");
  EXPECT_EQ(ask.port, "9091");
  EXPECT_EQ(ask.target, "/api/verify?rd=1");
  EXPECT_EQ(ask.timeout, std::chrono::seconds(30));
  EXPECT_EQ(ask.fields, (Pairs{{"Host", "auth.local:9091"},
                               {"Authorization", "Bearer abc"},
                               {"X-Forwarded-Method", "PUT"},
                               {"X-Forwarded-Proto", "http"},
                               {"X-Forwarded-Host", "app.test"},
                               {"X-Forwarded-Uri", "/orders/7?x=1"},
                               {"X-Forwarded-For", "127.0.0.1"}}));
}

TEST_F(ForwardAuthUnit, TrustForwardHeaderAndAuthRequestHeaders) {
  ASSERT_TRUE(
      load(std::string(sso) + "trustForwardHeader = true\nauthRequestHeaders = [\"Cookie\"]\n"));
  Req req = request("GET", "/a");
  req.with("Host", "app.test").with("Cookie", "s=1").with("Authorization", "Bearer abc");
  req.with("X-Forwarded-Proto", "https").with("X-Forwarded-For", "198.51.100.7");
  const AuthRequest ask = paused({"sso"}, req);
  EXPECT_EQ(ask.fields, (Pairs{{"Host", "auth.local:9091"},
                               {"Cookie", "s=1"},
                               {"X-Forwarded-Proto", "https"},
                               {"X-Forwarded-Method", "GET"},
                               {"X-Forwarded-Host", "app.test"},
                               {"X-Forwarded-Uri", "/a"},
                               {"X-Forwarded-For", "198.51.100.7, 127.0.0.1"}}));
}

TEST_F(ForwardAuthUnit, A2xxCopiesTheNamedFieldsAndCookiesThenTheChainGoesOn) {
  ASSERT_TRUE(load(std::string(sso) +
                   "authResponseHeaders = [\"X-User\", \"X-Groups\"]\n"
                   "authResponseHeadersRegex = \"^X-Extra-\"\n"
                   "addAuthCookiesToResponse = [\"session\"]\n"
                   "[middlewares.tag.headers]\ncustomRequestHeaders = { \"X-Tag\" = \"t\" }\n"));
  Req req = request("GET", "/");
  req.with("X-User", "mallory").with("X-Extra-Old", "1");
  paused({"sso", "tag"}, req);
  AuthReply reply;
  reply.status = 204;
  reply.fields = {{"X-User", "alice"},
                  {"X-Extra-Team", "core"},
                  {"Set-Cookie", "session=s1; Path=/"},
                  {"Set-Cookie", "other=o1"},
                  {"Content-Length", "0"}};
  complete_auth(req.view(), reply, 1500, fx_);
  EXPECT_FALSE(fx_.auth.has_value());
  EXPECT_FALSE(fx_.answer.has_value());
  EXPECT_EQ(words(fx_.request), (Words{"remove X-User", "set X-User: alice", "remove X-Groups",
                                       "remove X-Extra-Old", "set X-Extra-Team: core"}));
  EXPECT_EQ(words(fx_.response), Words{"add Set-Cookie: session=s1; Path=/"});
  EXPECT_EQ(fx_.steps[0].outcome, Outcome::Passed);
  EXPECT_EQ(fx_.steps[0].detail,
            "http://auth.local:9091/api/verify?rd=1 answered 204 (1.5 ms): passed, 2 field(s) "
            "copied upstream, 1 cookie(s) to the client");
  EXPECT_GE(fx_.steps[0].us, 1500);
  // The rest of the chain, from where it paused.
  EXPECT_EQ(middleware::run(set_.resolve({"sso", "tag"}), req.view(), fx_, at_), 2u);
  EXPECT_EQ(words(fx_.request).back(), "set X-Tag: t");
}

TEST_F(ForwardAuthUnit, AnythingElseIsAnsweredAsItCameWithAnAbsoluteLocation) {
  ASSERT_TRUE(load(sso));
  Req req = request("GET", "/private");
  paused({"sso"}, req);
  AuthReply reply;
  reply.status = 302;
  reply.fields = {{"Location", "/login?rd=/private"},
                  {"Content-Type", "text/html"},
                  {"Content-Length", "20"},
                  {"Connection", "close"}};
  reply.body = "<p>please log in</p>";
  complete_auth(req.view(), reply, 800, fx_);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 302u);
  EXPECT_EQ(fx_.answer->fields, (Pairs{{"Location", "http://auth.local:9091/login?rd=/private"},
                                       {"Content-Type", "text/html"}}));
  EXPECT_EQ(fx_.answer->body.value_or("<none>"), "<p>please log in</p>");
  EXPECT_EQ(fx_.steps[0].outcome, Outcome::Answered);
  EXPECT_EQ(fx_.steps[0].detail,
            "http://auth.local:9091/api/verify?rd=1 answered 302 (0.8 ms): returned to the "
            "client");
}

TEST_F(ForwardAuthUnit, NoAnswerIsA502) {
  ASSERT_TRUE(load(sso));
  Req req = request("GET", "/");
  paused({"sso"}, req);
  AuthReply reply;
  reply.failure = "connect: Connection refused";
  complete_auth(req.view(), reply, 100, fx_);
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 502u);
  EXPECT_FALSE(fx_.answer->body.has_value()) << "bridge's own error";
  EXPECT_EQ(fx_.answer->message, "the auth server http://auth.local:9091/api/verify?rd=1 did not "
                                 "answer: connect: Connection refused");
  EXPECT_EQ(fx_.steps[0].detail, "cannot ask http://auth.local:9091/api/verify?rd=1: connect: "
                                 "Connection refused → 502");
}

}  // namespace
}  // namespace bridge::middleware
