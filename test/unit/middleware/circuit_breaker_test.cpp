// circuitBreaker as pure code: closed while the expression does not hold over the answers it
// was told about, open (responseCode, with the values that tripped it) once it does, then a
// linear ramp back over recoveryDuration.
#include "fixture.hpp"

#include <thread>

namespace bridge::middleware {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

class Breaker : public Middlewares {
 protected:
  // One request through "cb"; feeds `result` back when it was let through. True when passed.
  bool pass(const ExchangeResult& result) {
    const Effects& fx = run_on("cb", request("GET", "/"));
    if (fx.answer) return false;
    EXPECT_EQ(fx.observers.size(), 1u);
    for (const ResultObserver* o : fx.observers) o->observe(result);
    return true;
  }
  static ExchangeResult ok() { return {200, 2000, false}; }
  static ExchangeResult refused() { return {502, 500, true}; }
};

TEST_F(Breaker, TripsWhenTheExpressionHoldsAndSaysWhy) {
  ASSERT_TRUE(load("[middlewares.cb.circuitBreaker]\n"
                   "expression = \"NetworkErrorRatio() > 0.5\"\n"
                   "checkPeriod = \"50ms\"\nfallbackDuration = \"10s\"\n"));
  // Checked on the first request of each checkPeriod, before it counts.
  EXPECT_TRUE(pass(ok()));
  EXPECT_TRUE(pass(refused()));
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(pass(refused()));  // 1 of 2 is not above 0.5
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(pass(ok()));  // 2 of 3
  ASSERT_TRUE(fx_.answer.has_value());
  EXPECT_EQ(fx_.answer->status, 503u);
  EXPECT_TRUE(fx_.answer->message.starts_with(
      "the circuit breaker \"cb\" is open: NetworkErrorRatio() > 0.5 held (NetworkErrorRatio() "
      "= 0.67); recovery begins in "))
      << fx_.answer->message;
  EXPECT_EQ(fx_.steps[0].outcome, Outcome::Answered);
  EXPECT_TRUE(fx_.observers.empty()) << "its own answers teach it nothing";
}

TEST_F(Breaker, ResponseCodeRatioAndLatencyAndTheirCombination) {
  ASSERT_TRUE(load("[middlewares.cb.circuitBreaker]\n"
                   "expression = \"ResponseCodeRatio(500, 600, 0, 600) > 0.25 && "
                   "LatencyAtQuantileMS(50.0) > 100\"\n"
                   "checkPeriod = \"50ms\"\nresponseCode = 429\n"));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pass({500, 10'000, false}));  // 10 ms: fast errors
  std::this_thread::sleep_for(60ms);
  EXPECT_TRUE(pass({200, 500'000, false})) << "errors, but fast: the && does not hold";
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(pass({200, 400'000, false}));  // the median: 400 ms
  std::this_thread::sleep_for(60ms);
  EXPECT_FALSE(pass(ok()));
  EXPECT_EQ(fx_.answer->status, 429u);
  EXPECT_NE(fx_.answer->message.find("(ResponseCodeRatio(500, 600, 0, 600) = 0.38, "
                                     "LatencyAtQuantileMS(50) = "),
            std::string::npos)
      << fx_.answer->message;
}

TEST_F(Breaker, AfterTheFallbackRequestsComeBackOnARamp) {
  ASSERT_TRUE(load("[middlewares.cb.circuitBreaker]\n"
                   "expression = \"NetworkErrorRatio() > 0.5\"\n"
                   "checkPeriod = \"1ms\"\nfallbackDuration = \"50ms\"\n"
                   "recoveryDuration = \"400ms\"\n"));
  pass(refused());
  std::this_thread::sleep_for(2ms);
  EXPECT_FALSE(pass(refused()));
  std::this_thread::sleep_for(60ms);
  // Recovering: a few let through early in the ramp, the rest held back.
  int early = 0;
  for (int i = 0; i < 20; ++i) early += pass(ok()) ? 1 : 0;
  EXPECT_LT(early, 20);
  EXPECT_NE(fx_.steps[0].detail.find("recovering"), std::string::npos) << fx_.steps[0].detail;
  std::this_thread::sleep_for(450ms);
  int late = 0;
  for (int i = 0; i < 20; ++i) late += pass(ok()) ? 1 : 0;
  EXPECT_EQ(late, 20) << "closed again";
}

TEST_F(Breaker, RouteTestWordsWhenClosed) {
  ASSERT_TRUE(load("[middlewares.cb.circuitBreaker]\nexpression = \"NetworkErrorRatio() > 0.3 "
                   "|| !(LatencyAtQuantileMS(99) < 2000)\"\n"));
  EXPECT_TRUE(pass(ok()));
  EXPECT_EQ(detail(),
            "closed: NetworkErrorRatio() > 0.3 || !(LatencyAtQuantileMS(99) < 2000) does not hold");
}

}  // namespace
}  // namespace bridge::middleware
