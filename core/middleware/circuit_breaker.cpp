// circuitBreaker: the route's answers of the last 10 s (status codes, network errors, a latency
// histogram) are checked against the expression every checkPeriod; when it holds, requests get
// responseCode for fallbackDuration, then are let through again on a linear ramp over
// recoveryDuration (tripping again if the expression holds meanwhile; the statistics start
// over at each trip). The state is shared by
// every worker, as the middleware object is.
#include "middleware/detail/kinds.hpp"

#include <cmath>
#include <cstdio>
#include <mutex>

namespace bridge::middleware::detail {
namespace {

using Clock = std::chrono::steady_clock;
using E = config::BreakerExpression;

// Latency buckets: upper bounds of 2^(i/4) ms, from 1 ms to about 65 s.
constexpr size_t latency_buckets = 64;
double latency_bound_ms(size_t i) { return std::pow(2.0, static_cast<double>(i) / 4.0); }
size_t latency_bucket(int64_t us) {
  const double ms = static_cast<double>(us) / 1000.0;
  if (ms <= 1) return 0;
  return std::min(latency_buckets - 1, static_cast<size_t>(std::ceil(std::log2(ms) * 4.0)));
}

struct Second {
  int64_t at = -1;  // which second (of the steady clock) it counts
  uint32_t total = 0;
  uint32_t network_errors = 0;
  std::array<uint32_t, 600> codes{};
  std::array<uint32_t, latency_buckets> latency{};
};

// The last 10 s, a second per slot.
class Window {
 public:
  void add(const ExchangeResult& r, int64_t second) {
    Second& s = slot(second);
    ++s.total;
    if (r.network_error) ++s.network_errors;
    if (r.status < s.codes.size()) ++s.codes[r.status];
    ++s.latency[latency_bucket(r.us)];
  }

  double value(const E& e, int64_t now) const {
    switch (e.metric) {
    case E::Metric::NetworkErrorRatio: {
      uint64_t total = 0, errors = 0;
      for_recent(now, [&](const Second& s) {
        total += s.total;
        errors += s.network_errors;
      });
      return total == 0 ? 0 : static_cast<double>(errors) / static_cast<double>(total);
    }
    case E::Metric::ResponseCodeRatio: {
      uint64_t part = 0, whole = 0;
      for_recent(now, [&](const Second& s) {
        for (size_t code = 0; code < s.codes.size(); ++code) {
          const double c = static_cast<double>(code);
          if (c >= e.args[0] && c < e.args[1]) part += s.codes[code];
          if (c >= e.args[2] && c < e.args[3]) whole += s.codes[code];
        }
      });
      return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
    }
    case E::Metric::LatencyAtQuantileMs: {
      std::array<uint64_t, latency_buckets> counts{};
      uint64_t total = 0;
      for_recent(now, [&](const Second& s) {
        for (size_t i = 0; i < latency_buckets; ++i) counts[i] += s.latency[i];
        total += s.total;
      });
      if (total == 0) return 0;
      const double wanted = e.args[0] / 100.0 * static_cast<double>(total);
      uint64_t seen = 0;
      for (size_t i = 0; i < latency_buckets; ++i) {
        seen += counts[i];
        if (static_cast<double>(seen) >= wanted) return latency_bound_ms(i);
      }
      return latency_bound_ms(latency_buckets - 1);
    }
    case E::Metric::Attempts:  // buffering's; a circuit breaker's expression never has them
    case E::Metric::ResponseCode:
    case E::Metric::IsNetworkError:
      break;
    }
    return 0;
  }

 private:
  Second& slot(int64_t second) {
    Second& s = seconds_[static_cast<size_t>(second) % seconds_.size()];
    if (s.at != second) s = Second{second};
    return s;
  }
  template <class Fn>
  void for_recent(int64_t now, Fn fn) const {
    for (const Second& s : seconds_)
      if (s.at >= 0 && s.at > now - static_cast<int64_t>(seconds_.size())) fn(s);
  }
  std::array<Second, 10> seconds_;
};

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

class CircuitBreaker final : public Middleware, public ResultObserver {
 public:
  CircuitBreaker(const std::string& name, const config::CircuitBreakerMiddleware& o)
      : Middleware(name, "circuitBreaker"), o_(o) {}

  void handle(const Request&, Effects& fx, Step& step) const override {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    if (mode_ == Mode::Tripped && now >= until_) {
      mode_ = Mode::Recovering;
      recovery_began_ = now;
      let_through_ = 0;
    }
    if (mode_ == Mode::Recovering && now >= recovery_began_ + o_.recovery_duration)
      mode_ = Mode::Standby;
    if (mode_ != Mode::Tripped && now - last_check_ >= o_.check_period) {
      last_check_ = now;
      values_.clear();
      if (holds(o_.parsed, second_of(now))) {
        mode_ = Mode::Tripped;
        until_ = now + o_.fallback_duration;
        why_ = describe(o_.parsed) + " held (" + values_ + ")";
        // Those answers have had their say: recovery is judged on the ones that follow.
        window_ = Window();
      }
    }
    if (mode_ == Mode::Recovering) {
      // A linear ramp: the share let through grows from 0 to all over recoveryDuration.
      const double share = std::chrono::duration<double>(now - recovery_began_) /
                           std::chrono::duration<double>(o_.recovery_duration);
      let_through_ += share;
      if (let_through_ >= 1) {
        let_through_ -= 1;
        fx.observers.push_back(this);
        if (fx.explain) step.detail = "recovering: " + number_text(share * 100) + "% let through";
        return;
      }
      refuse(fx, step,
             "recovering, this request held back (" + number_text(share * 100) + "% let through)");
      return;
    }
    if (mode_ == Mode::Tripped) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until_ - now);
      refuse(fx, step,
             "open: " + why_ + "; recovery begins in " + std::to_string(left.count()) + " ms");
      return;
    }
    fx.observers.push_back(this);
    if (fx.explain) step.detail = "closed: " + describe(o_.parsed) + " does not hold";
  }

  void observe(const ExchangeResult& result) const override {
    std::lock_guard lock(mutex_);
    window_.add(result, second_of(Clock::now()));
  }

 private:
  enum class Mode : uint8_t { Standby, Tripped, Recovering };

  static int64_t second_of(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }

  void refuse(Effects& fx, Step& step, std::string why) const {
    step.detail = why + " → " + std::to_string(o_.response_code);
    fx.answer = Answer{static_cast<unsigned>(o_.response_code),
                       {},
                       "the circuit breaker \"" + name() + "\" is " + std::move(why),
                       std::nullopt};
  }

  // Evaluates `e` on the window, noting each metric's value in values_.
  bool holds(const E& e, int64_t now) const {
    return config::holds(e, [&](const E& leaf) {
      const double v = window_.value(leaf, now);
      std::string text = describe(leaf);
      text = text.substr(0, text.rfind(' ', text.rfind(' ') - 1));  // "Metric(args)"
      values_ += (values_.empty() ? "" : ", ") + text + " = " + number_text(v);
      return v;
    });
  }

  config::CircuitBreakerMiddleware o_;
  mutable std::mutex mutex_;
  mutable Window window_;
  mutable Mode mode_ = Mode::Standby;
  mutable Clock::time_point last_check_{}, until_{}, recovery_began_{};
  mutable double let_through_ = 0;
  mutable std::string why_, values_;
};

}  // namespace

std::unique_ptr<Middleware> make_circuit_breaker(const std::string& name,
                                                 const config::CircuitBreakerMiddleware& options) {
  return std::make_unique<CircuitBreaker>(name, options);
}

}  // namespace bridge::middleware::detail
