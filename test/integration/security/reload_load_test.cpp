// Issue 15 "done means": reload under load. Eight keep-alive clients send at least 20,000
// requests in total through bridge to the Beast test backend while the config file is
// replaced 20 times (one of them invalid). Every request must get a 200 with its own body, and
// the generation a response carries (a response header each config sets) never goes back on a
// connection.
#include "security_fixture.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace bridge::test {
namespace {

constexpr int clients = 8;
constexpr int rewrites = 20;
constexpr int invalid_rewrite = 12;
constexpr long min_requests = 20'000;

class ReloadUnderLoad : public Front {
 protected:
  std::string generation(int gen) const {
    FrontConfig c(
        route("all", "PathPrefix(`/`)", backend_.url(),
              "response_headers = { set = { \"X-Gen\" = \"" + std::to_string(gen) + "\" } }\n"));
    c.admin = true;
    return config(c);
  }

  // bridge_reloads_total{result="RESULT"} from /metrics; -1 when unreadable.
  long reloads(const std::string& result) {
    auto r = curl({"-s", admin_url("/metrics")}, 3s);
    std::string needle = "bridge_reloads_total{result=\"" + result + "\"} ";
    auto pos = r.out.find(needle);
    return pos == std::string::npos ? -1 : std::atol(r.out.c_str() + pos + needle.size());
  }

  bool wait_reloads(const std::string& result, long at_least, Millis timeout) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      if (reloads(result) >= at_least) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TestBackend backend_;
};

struct Tally {
  std::atomic<long> sent{0};
  std::atomic<long> failed{0};
  std::mutex mutex;
  std::vector<std::string> samples;  // the first failures, for the message

  void fail(const std::string& why) {
    ++failed;
    std::lock_guard lock(mutex);
    if (samples.size() < 10) samples.push_back(why);
  }
};

// One keep-alive client: GET /load/ID/N until `stop`, reconnecting after a failure.
void client_loop(uint16_t port, int id, const std::atomic<bool>& stop, Tally& tally) {
  std::unique_ptr<RawClient> conn;
  int last_gen = -1;
  for (long n = 0; !stop; ++n) {
    try {
      if (!conn) {
        conn = std::make_unique<RawClient>(port);
        last_gen = -1;
      }
    } catch (const std::exception& e) {
      tally.fail(std::string("connect: ") + e.what());
      continue;
    }
    std::string path = "/load/" + std::to_string(id) + "/" + std::to_string(n);
    ++tally.sent;
    if (!conn->send("GET " + path + " HTTP/1.1\r\nHost: load.localhost\r\n\r\n")) {
      tally.fail(path + ": send failed");
      conn.reset();
      continue;
    }
    auto r = conn->read_response(5s);
    if (!r) {
      tally.fail(path + ": no response (" + conn->last_error() + ")");
      conn.reset();
      continue;
    }
    if (r->status != 200) {
      tally.fail(path + ": status " + std::to_string(r->status) + " " + printable(r->body, 200));
      continue;
    }
    json body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || body.value("target", "") != path) {
      tally.fail(path + ": wrong body " + printable(r->body, 200));
      continue;
    }
    int gen = std::atoi(r->header("X-Gen").value_or("-1").c_str());
    if (gen < 0 || gen == invalid_rewrite || gen < last_gen) {
      tally.fail(path + ": X-Gen " + std::to_string(gen) + " after " + std::to_string(last_gen));
    }
    last_gen = std::max(last_gen, gen);
    if (r->header("Connection").value_or("") == "close") conn.reset();
  }
}

TEST_F(ReloadUnderLoad, TwentyRewritesAndNoFailedRequest) {
  std::string error;
  ASSERT_TRUE(backend_.start(&error)) << error;
  bridge_.write_config(generation(0));
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  admin_port_ = bridge_.admin_port();
  ASSERT_NE(admin_port_, 0) << bridge_.output();
  long ok_before = reloads("ok");
  long failed_before = reloads("failed");
  ASSERT_GE(ok_before, 0);

  auto t0 = Clock::now();
  const auto deadline = t0 + 120s;
  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back(client_loop, port_, i, std::cref(stop), std::ref(tally));

  long ok_reloads = 0;
  std::string problem;
  for (int gen = 1; gen <= rewrites && problem.empty(); ++gen) {
    // Spread the rewrites over the load: wait for this share of the requests first.
    long share = min_requests * (gen - 1) / rewrites;
    while (tally.sent < share && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
    if (gen == invalid_rewrite) {
      bridge_.write_config(generation(gen) + "\n[[routes]]\nname = \"broken\"\n"
                                             "rule = \"PathPrefix(`/b`)\"\nupstrem = \"x\"\n",
                           true);
      if (!wait_reloads("failed", failed_before + 1, 10s))
        problem = "the invalid config was not reported as a failed reload";
    } else {
      bridge_.write_config(generation(gen), true);
      ++ok_reloads;
      if (!wait_reloads("ok", ok_before + ok_reloads, 10s))
        problem = "rewrite " + std::to_string(gen) + " was not reloaded within 10 s";
    }
  }
  while (tally.sent < min_requests && Clock::now() < deadline && problem.empty())
    std::this_thread::sleep_for(10ms);
  stop = true;
  for (auto& t : threads) t.join();
  double took = seconds_since(t0);
  std::printf("[ load     ] %ld requests, %ld failed, %ld reloads, %.1f s\n", tally.sent.load(),
              tally.failed.load(), ok_reloads, took);

  EXPECT_TRUE(problem.empty()) << problem << "\n" << bridge_.output().substr(0, 4000);
  EXPECT_GE(tally.sent.load(), min_requests) << "load did not reach the total in time";
  std::string samples;
  for (const auto& s : tally.samples) samples += "\n  " + s;
  EXPECT_EQ(tally.failed.load(), 0) << "failed requests, first ones:" << samples;
  EXPECT_EQ(reloads("ok"), ok_before + rewrites - 1);
  EXPECT_TRUE(bridge_.process().running()) << bridge_.output();
}

}  // namespace
}  // namespace bridge::test
