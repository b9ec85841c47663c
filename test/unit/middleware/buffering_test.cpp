// buffering as pure code: the first buffering middleware of a chain sets the policy the proxy
// follows, route test's words name its limits, and retryExpression judges answers with
// Traefik's functions (Attempts(), ResponseCode(), IsNetworkError(): a 502 or 504).
#include "fixture.hpp"

namespace bridge::middleware {
namespace {

using namespace test_support;

class BufferingTest : public Middlewares {
 protected:
  const config::BufferingMiddleware& options(const std::string& name) {
    return *config_.find_middleware(name)->buffering;
  }
};

TEST_F(BufferingTest, SetsThePolicyAndExplainsTheLimits) {
  ASSERT_TRUE(load("[middlewares.hold.buffering]\nmaxRequestBodyBytes = 2000\n"
                   "memRequestBodyBytes = 100\nretryExpression = \"IsNetworkError() && "
                   "Attempts() < 2\"\n\n[middlewares.plain.buffering]\n"));
  const Effects& fx = run_on(std::vector<std::string>{"hold", "plain"}, request("POST", "/up"));
  ASSERT_TRUE(fx.buffering.has_value());
  EXPECT_EQ(fx.buffering->options->max_request_body_bytes, 2000);
  EXPECT_EQ(fx.buffering->step, 0u);
  EXPECT_FALSE(fx.answer);
  EXPECT_EQ(fx.steps[0].detail,
            "request body read whole before it goes upstream: up to 2000 bytes (413 past that), "
            "in memory up to 100 bytes, then in a temporary file; response body read whole "
            "before it goes back: no size limit, in memory up to 1048576 bytes, then in a "
            "temporary file; sent again (at most 10 attempts) while IsNetworkError() && "
            "Attempts() < 2");
  EXPECT_EQ(fx.steps[1].detail, "bodies already held whole by an earlier buffering middleware");
}

TEST_F(BufferingTest, RetryExpressionsUseTraefiksFunctions) {
  ASSERT_TRUE(load("[middlewares.once.buffering]\n"
                   "retryExpression = \"IsNetworkError() && Attempts() < 2\"\n\n"
                   "[middlewares.busy.buffering]\n"
                   "retryExpression = \"ResponseCode() == 503 || !(ResponseCode() < 500)\"\n\n"
                   "[middlewares.none.buffering]\n"));
  const auto& once = options("once");
  EXPECT_TRUE(retry_wanted(once, 1, 502));
  EXPECT_TRUE(retry_wanted(once, 1, 504));
  EXPECT_FALSE(retry_wanted(once, 2, 502)) << "Attempts() counts the attempts made";
  EXPECT_FALSE(retry_wanted(once, 1, 500)) << "only 502 and 504 are network errors";
  EXPECT_FALSE(retry_wanted(once, 1, 200));
  const auto& busy = options("busy");
  EXPECT_TRUE(retry_wanted(busy, 3, 503));
  EXPECT_TRUE(retry_wanted(busy, 3, 500));
  EXPECT_FALSE(retry_wanted(busy, 3, 404));
  EXPECT_TRUE(retry_wanted(busy, 9, 503));
  EXPECT_FALSE(retry_wanted(busy, 10, 503)) << "ten attempts at most, as Traefik's buffer";
  EXPECT_FALSE(retry_wanted(options("none"), 1, 502)) << "no expression, no retry";
}

}  // namespace
}  // namespace bridge::middleware
