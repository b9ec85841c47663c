// rateLimit and inFlightReq: counts per source (client address, a header, or the Host) that
// every worker shares, so a limit holds for the whole bridge. A request over the limit gets 429
// at once; rateLimit says when to come back in Retry-After. (Traefik may instead hold such a
// request for up to half a token's interval; bridge answers rather than parks it.)
#include "middleware/detail/kinds.hpp"
#include "middleware/detail/source.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace bridge::middleware::detail {
namespace {

using Clock = std::chrono::steady_clock;

// The per-source state, in stripes so that workers rarely wait on one another's lock.
template <class State>
class Striped {
 public:
  template <class Fn>
  auto with(const std::string& key, Fn fn) {
    Stripe& s = stripes_[std::hash<std::string>{}(key) % stripes_.size()];
    std::lock_guard lock(s.mutex);
    return fn(s.states, s.states[key]);
  }

 private:
  struct Stripe {
    std::mutex mutex;
    std::unordered_map<std::string, State> states;
  };
  std::array<Stripe, 16> stripes_;
};

// A token bucket (golang.org/x/time/rate, which Traefik uses): `burst` tokens, refilled at
// average/period; a request takes one.
class RateLimit final : public Middleware {
 public:
  RateLimit(const std::string& name, const config::RateLimitMiddleware& o)
      : Middleware(name, "rateLimit"), o_(o), source_(o.source),
        per_second_(static_cast<double>(o.average) * 1000.0 /
                    static_cast<double>(o.period.count())),
        limit_text_(describe()) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    std::string how;
    const std::string key = source_.key(req, how);
    const auto now = Clock::now();
    const double wait = buckets_.with(key, [&](auto& all, Bucket& b) {
      if (b.last == Clock::time_point{}) b = {static_cast<double>(o_.burst), now};
      const double elapsed = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(static_cast<double>(o_.burst), b.tokens + elapsed * per_second_);
      b.last = now;
      if (all.size() > 50'000) forget_full(all, now);
      if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0.0;
      }
      return (1.0 - b.tokens) / per_second_;
    });
    const std::string& limit = limit_text_;
    if (wait <= 0) {
      if (fx.explain)
        step.detail = limit + "; " + how + " " + (key.empty() ? "(none)" : key) + " within it";
      return;
    }
    const std::string who = how + " " + (key.empty() ? "(none)" : key);
    const auto retry_after = static_cast<int64_t>(std::ceil(wait));
    step.detail =
        limit + "; " + who + " over it → 429, retry after " + std::to_string(retry_after) + " s";
    fx.answer = Answer{429,
                       {{"Retry-After", std::to_string(retry_after)}},
                       "rate limit of \"" + name() + "\" reached (" + limit + ")"};
  }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
  };

  std::string describe() const {
    const auto ms = o_.period.count();
    std::string period =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
    std::string per = std::to_string(o_.average) + "/" + (period == "1s" ? "s" : period);
    std::string by = !o_.source.request_header_name.empty() ? o_.source.request_header_name
                     : o_.source.request_host               ? "Host"
                                                            : "client IP";
    return per + " burst " + std::to_string(o_.burst) + " per " + by;
  }

  // Buckets that have refilled are the same as no bucket: drop them when the map grows.
  void forget_full(std::unordered_map<std::string, Bucket>& all, Clock::time_point now) const {
    std::erase_if(all, [&](const auto& entry) {
      const double elapsed = std::chrono::duration<double>(now - entry.second.last).count();
      return entry.second.tokens + elapsed * per_second_ >= static_cast<double>(o_.burst);
    });
  }

  config::RateLimitMiddleware o_;
  Source source_;
  double per_second_;
  std::string limit_text_;  // "100/s burst 10 per client IP"
  mutable Striped<Bucket> buckets_;
};

// Counts requests under way per source; the Effects keep a hold that gives the count back
// when the exchange ends.
class InFlightReq final : public Middleware {
 public:
  InFlightReq(const std::string& name, const config::InFlightReqMiddleware& o)
      : Middleware(name, "inFlightReq"), o_(o), source_(o.source),
        counts_(std::make_shared<Striped<int64_t>>()) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    std::string how;
    std::string key = source_.key(req, how);
    bool admitted = false;
    const int64_t under_way = counts_->with(key, [&](auto&, int64_t& n) {
      if (n < o_.amount) {
        ++n;
        admitted = true;
      }
      return n;
    });
    if (admitted && !fx.explain) {
      hold(fx, std::move(key));
      return;
    }
    const std::string who = how + " " + (key.empty() ? "(none)" : key);
    const std::string amount = std::to_string(o_.amount);
    if (!admitted) {
      step.detail = who + " has " + amount + " requests under way already → 429";
      fx.answer = Answer{429,
                         {},
                         who + " has " + amount + " requests under way, the most \"" + name() +
                             "\" allows"};
      return;
    }
    step.detail = who + ": " + std::to_string(under_way) + " of " + amount + " under way";
    hold(fx, std::move(key));
  }

  // Given back when the exchange ends (the proxy keeps the holds until then); the counts
  // outlive a reload that drops this middleware.
  void hold(Effects& fx, std::string key) const {
    fx.holds.emplace_back(nullptr, [counts = counts_, key = std::move(key)](void*) {
      counts->with(key, [&key](auto& all, int64_t& n) {
        if (--n <= 0) all.erase(key);
        return 0;
      });
    });
  }

 private:
  config::InFlightReqMiddleware o_;
  Source source_;
  std::shared_ptr<Striped<int64_t>> counts_;
};

}  // namespace

std::unique_ptr<Middleware> make_rate_limit(const std::string& name,
                                            const config::RateLimitMiddleware& options) {
  return std::make_unique<RateLimit>(name, options);
}

std::unique_ptr<Middleware> make_in_flight_req(const std::string& name,
                                               const config::InFlightReqMiddleware& options) {
  return std::make_unique<InFlightReq>(name, options);
}

}  // namespace bridge::middleware::detail
