// Balancing and passive health (core/proxy/balancer.cpp) over targets built as the config
// builds them. Dynamic targets get a fixed endpoint list from a Source written here: the
// balancer reads only Source::current() and calls report_failure().
#include "proxy/detail/balancer.hpp"

#include <gtest/gtest.h>

#include <map>

namespace bridge::proxy {
namespace {

using namespace std::chrono_literals;

class FixedSource : public discovery::Source {
 public:
  explicit FixedSource(std::vector<discovery::Endpoint> endpoints,
                       discovery::State state = discovery::State::Resolved)
      : url_("compose://api:80") {
    auto r = std::make_shared<discovery::Resolution>();
    r->state = state;
    r->endpoints = std::move(endpoints);
    resolution_ = r;
  }
  std::shared_ptr<const discovery::Resolution> current() const override {
    std::lock_guard lock(mutex_);
    return resolution_;
  }
  void report_failure(const discovery::Endpoint& e) override {
    failures.push_back(endpoint_key(e));
  }
  const std::string& url() const override { return url_; }
  void publish(std::vector<discovery::Endpoint> endpoints) {
    auto r = std::make_shared<discovery::Resolution>();
    r->state = discovery::State::Resolved;
    r->endpoints = std::move(endpoints);
    std::lock_guard lock(mutex_);
    resolution_ = r;
  }
  std::vector<std::string> failures;

 private:
  std::string url_;
  mutable std::mutex mutex_;
  std::shared_ptr<const discovery::Resolution> resolution_;
};

// An upstream as build_snapshot makes it (UpstreamSet holds atomics: it does not move).
std::unique_ptr<UpstreamSet> upstream_of(std::vector<std::string> urls,
                                         std::string balance = "round_robin") {
  auto set = std::make_unique<UpstreamSet>();
  set->name = "api";
  set->config.balance = std::move(balance);
  for (const auto& url : urls) {
    auto target = parse_target(url);
    EXPECT_TRUE(target) << url;
    set->targets.push_back(std::move(*target));
  }
  return set;
}

std::string pick_url(const UpstreamSet& set, const Target* exclude = nullptr) {
  const Target* t = pick_target(set, exclude);
  return t == nullptr ? "<none>" : t->url;
}

void mark_target_down(const UpstreamSet& set, size_t index) {
  std::vector<std::unique_ptr<Target>> keep;
  mark_down(choose_endpoint(set.targets[index].get(), keep), set);
}

// Traefik's weighted services: weights = [3, 1] sends 3 of every 4 requests to the first
// target, interleaved (smooth), and a target marked down gives its turns to the others.
TEST(Balancer, WeightedRoundRobinKeepsTheProportionsSmoothly) {
  EXPECT_EQ(weighted_schedule({}), std::vector<uint32_t>{});
  EXPECT_EQ(weighted_schedule({5, 1, 1}), (std::vector<uint32_t>{0, 0, 1, 0, 2, 0, 0}));
  EXPECT_EQ(weighted_schedule({3750, 3750, 2500}), weighted_schedule({3, 3, 2}));
  EXPECT_EQ(weighted_schedule({0, 2}), (std::vector<uint32_t>{1}));
  const auto big = weighted_schedule({1'000'000, 1});
  EXPECT_LE(big.size(), 10'001u) << "a turn of millions is scaled down";
  EXPECT_EQ(std::count(big.begin(), big.end(), 1u), 1);

  auto set = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2"});
  set->config.weights = {3, 1};
  set->schedule = weighted_schedule(set->config.weights);
  std::map<std::string, int> picked;
  for (int i = 0; i < 400; ++i) ++picked[pick_target(*set)->url];
  EXPECT_EQ(picked["http://127.0.0.1:1"], 300);
  EXPECT_EQ(picked["http://127.0.0.1:2"], 100);
  set->targets[0]->down_until_ms = now_ms() + 60'000;
  for (int i = 0; i < 8; ++i) EXPECT_EQ(pick_target(*set)->url, "http://127.0.0.1:2");
}

TEST(Balancer, RoundRobinCyclesThroughTheTargets) {
  auto set_owner = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"});
  auto& set = *set_owner;
  std::vector<std::string> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(pick_url(set));
  EXPECT_EQ(picks, (std::vector<std::string>{"http://127.0.0.1:1", "http://127.0.0.1:2",
                                             "http://127.0.0.1:3", "http://127.0.0.1:1",
                                             "http://127.0.0.1:2", "http://127.0.0.1:3"}));
}

TEST(Balancer, RoundRobinSkipsATargetMarkedDown) {
  auto set_owner = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"});
  auto& set = *set_owner;
  mark_target_down(set, 1);
  std::map<std::string, int> picks;
  for (int i = 0; i < 6; ++i) ++picks[pick_url(set)];
  EXPECT_EQ(picks,
            (std::map<std::string, int>{{"http://127.0.0.1:1", 3}, {"http://127.0.0.1:3", 3}}));
}

TEST(Balancer, LeastConnPicksTheTargetWithFewestInFlight) {
  auto set_owner =
      upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"}, "least_conn");
  auto& set = *set_owner;
  set.targets[0]->active = 4;
  set.targets[1]->active = 1;
  set.targets[2]->active = 2;
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
  set.targets[1]->active = 3;
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:3");
  mark_target_down(set, 2);  // fewest in flight, but down
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
}

TEST(Balancer, FirstPrefersTheFirstTargetThatIsUp) {
  auto set_owner = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2"}, "first");
  auto& set = *set_owner;
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:1");
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:1");
  mark_target_down(set, 0);
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
}

TEST(Balancer, AllDownTriesTheOneThatWentDownFirst) {
  auto set_owner = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"});
  auto& set = *set_owner;
  set.targets[0]->down_until_ms = now_ms() + 30'000;
  set.targets[1]->down_until_ms = now_ms() + 10'000;  // back soonest
  set.targets[2]->down_until_ms = now_ms() + 20'000;
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
}

TEST(Balancer, ExcludeIsNeverPickedEvenWhenItIsTheOnlyOneUp) {
  auto set_owner = upstream_of({"http://127.0.0.1:1", "http://127.0.0.1:2"});
  auto& set = *set_owner;
  mark_target_down(set, 1);
  EXPECT_EQ(pick_url(set, set.targets[0].get()), "http://127.0.0.1:2");
  auto single_owner = upstream_of({"http://127.0.0.1:1"});
  auto& single = *single_owner;
  EXPECT_EQ(pick_url(single, single.targets[0].get()), "<none>");
}

TEST(Balancer, MarkDownLastsForDownFor) {
  auto set_owner = upstream_of({"http://127.0.0.1:1"});
  auto& set = *set_owner;
  set.config.down_for = 10s;
  std::vector<std::unique_ptr<Target>> keep;
  Chosen chosen = choose_endpoint(set.targets[0].get(), keep);
  EXPECT_FALSE(chosen.down());
  mark_down(chosen, set);
  EXPECT_TRUE(chosen.down());
  EXPECT_GE(set.targets[0]->down_until_ms.load(), now_ms() + 9'000);
  set.config.down_for = 0ms;
  mark_down(chosen, set);
  EXPECT_FALSE(chosen.down());
}

TEST(Balancer, DynamicTargetWithoutAddressesIsNotPicked) {
  auto set_owner = upstream_of({"compose://api:80", "http://127.0.0.1:2"});
  auto& set = *set_owner;
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");  // no source attached yet
  set.targets[0]->source = std::make_shared<FixedSource>(std::vector<discovery::Endpoint>{});
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
  EXPECT_EQ(pick_url(set), "http://127.0.0.1:2");
}

TEST(Balancer, EndpointsRotateAndOneMarkedDownIsSkippedAndReported) {
  auto set_owner = upstream_of({"compose://api:80"});
  auto& set = *set_owner;
  auto source = std::make_shared<FixedSource>(
      std::vector<discovery::Endpoint>{{"172.18.0.2", 80, "api-1"}, {"172.18.0.3", 80, "api-2"}});
  set.targets[0]->source = source;
  std::vector<std::unique_ptr<Target>> keep;
  const Target* parent = pick_target(set);
  ASSERT_NE(parent, nullptr);
  Chosen a = choose_endpoint(parent, keep);
  Chosen b = choose_endpoint(parent, keep);
  ASSERT_NE(a.target, nullptr);
  ASSERT_NE(b.target, nullptr);
  EXPECT_EQ(a.target->url, "http://172.18.0.2:80");
  EXPECT_EQ(b.target->url, "http://172.18.0.3:80");
  EXPECT_EQ(a.describe(), "compose://api:80 -> 172.18.0.2:80");
  EXPECT_EQ(a.parent, parent);

  mark_down(a, set);
  EXPECT_TRUE(a.down());
  EXPECT_FALSE(parent->down_until_ms.load() > now_ms());  // the target itself stays up
  EXPECT_EQ(source->failures, std::vector<std::string>{"172.18.0.2:80"});
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(choose_endpoint(parent, keep).target->url, "http://172.18.0.3:80");
  }
}

TEST(Balancer, AnIPv6EndpointGetsBracketsInItsUrl) {
  auto set_owner = upstream_of({"compose://api:80"});
  auto& set = *set_owner;
  set.targets[0]->source =
      std::make_shared<FixedSource>(std::vector<discovery::Endpoint>{{"fd00::5", 8080, "api-1"}});
  std::vector<std::unique_ptr<Target>> keep;
  Chosen chosen = choose_endpoint(set.targets[0].get(), keep);
  ASSERT_NE(chosen.target, nullptr);
  EXPECT_EQ(chosen.target->url, "http://[fd00::5]:8080");
  EXPECT_EQ(chosen.target->host, "fd00::5");
}

TEST(Balancer, WaitForTargetWaitsWhileASourceResolvesAndNoLonger) {
  auto set_owner = upstream_of({"compose://api:80"});
  auto& set = *set_owner;
  auto source =
      std::make_shared<FixedSource>(std::vector<discovery::Endpoint>{}, discovery::State::Pending);
  set.targets[0]->source = source;
  asio::io_context io;
  const Target* got = nullptr;
  auto started = Clock::now();
  asio::steady_timer later(io, 150ms);
  later.async_wait([&](error_code) { source->publish({{"172.18.0.2", 80, "api-1"}}); });
  asio::co_spawn(io, wait_for_target(set, 5s),
                 [&](std::exception_ptr, const Target* t) { got = t; });
  io.run();
  EXPECT_EQ(got, set.targets[0].get());
  EXPECT_GE(Clock::now() - started, 150ms);
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST(Balancer, WaitForTargetGivesUpAtTheLimitOrAtOnceWhenNothingResolves) {
  auto set_owner = upstream_of({"compose://api:80"});
  auto& set = *set_owner;
  set.targets[0]->source =
      std::make_shared<FixedSource>(std::vector<discovery::Endpoint>{}, discovery::State::Pending);
  asio::io_context io;
  const Target* got = set.targets[0].get();
  auto started = Clock::now();
  asio::co_spawn(io, wait_for_target(set, 200ms),
                 [&](std::exception_ptr, const Target* t) { got = t; });
  io.run();
  EXPECT_EQ(got, nullptr);
  EXPECT_GE(Clock::now() - started, 200ms);

  // A source that failed (not pending) is not waited for: the 502 says why at once.
  set.targets[0]->source =
      std::make_shared<FixedSource>(std::vector<discovery::Endpoint>{}, discovery::State::Failed);
  io.restart();
  started = Clock::now();
  got = set.targets[0].get();
  asio::co_spawn(io, wait_for_target(set, 5s),
                 [&](std::exception_ptr, const Target* t) { got = t; });
  io.run();
  EXPECT_EQ(got, nullptr);
  EXPECT_LT(Clock::now() - started, 100ms);
}

TEST(Balancer, TunnelStateNamesRestartsAndWhatKubectlSaid) {
  discovery::Resolution r;
  r.restarts = 2;
  EXPECT_EQ(tunnel_state(r), "restarts 2");
  r.last_stderr = "error: lost connection to pod";
  EXPECT_EQ(tunnel_state(r), "restarts 2, kubectl said: error: lost connection to pod");
}

}  // namespace
}  // namespace bridge::proxy
