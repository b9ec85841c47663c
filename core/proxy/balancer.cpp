// Balancing and passive health: which target, and which endpoint of a dynamic target.
#include "proxy/detail/balancer.hpp"

#include <algorithm>
#include <numeric>

namespace bridge::proxy {

std::vector<uint32_t> weighted_schedule(const std::vector<int64_t>& weights) {
  int64_t divisor = 0, total = 0;
  for (int64_t w : weights) divisor = std::gcd(divisor, w);
  if (divisor == 0) return {};
  std::vector<int64_t> reduced, current(weights.size(), 0);
  for (int64_t w : weights) total += reduced.emplace_back(w / divisor);
  // Weights up to 1e6 each could make a turn of millions of entries: past 10,000 the turn is
  // scaled down (proportions kept to within 1 in 10,000).
  if (total > 10'000) {
    int64_t scaled_total = 0;
    for (int64_t& w : reduced)
      scaled_total += (w = w > 0 ? std::max<int64_t>(1, w * 10'000 / total) : 0);
    total = scaled_total;
  }
  std::vector<uint32_t> turn;
  turn.reserve(static_cast<size_t>(total));
  for (int64_t n = 0; n < total; ++n) {
    size_t best = 0;
    for (size_t i = 0; i < reduced.size(); ++i) {
      current[i] += reduced[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    turn.push_back(static_cast<uint32_t>(best));
  }
  return turn;
}

const Target* pick_target(const UpstreamSet& upstream, const Target* exclude) {
  const auto& targets = upstream.targets;
  const size_t n = targets.size();
  const int64_t now = now_ms();
  auto usable = [&](const Target& t) { return &t != exclude && t.has_addresses(); };
  auto up = [&](const Target& t) { return usable(t) && t.down_until_ms.load() <= now; };
  const std::string& balance = upstream.config.balance;
  const Target* best = nullptr;
  if (balance == "least_conn") {
    for (const auto& t : targets) {
      if (up(*t) && (best == nullptr || t->active.load() < best->active.load())) best = t.get();
    }
  } else {
    // Round robin takes a new turn for each target it skips, so the share of a target that is
    // down is spread over the others rather than all given to the one after it.
    const bool first = balance == "first";
    const auto& turn = upstream.schedule;
    const size_t tries = turn.empty() ? n : turn.size();
    for (size_t i = 0; i < tries && best == nullptr; ++i) {
      const size_t at = first ? i : upstream.next.fetch_add(1, std::memory_order_relaxed);
      const Target& t = turn.empty() ? *targets[at % n] : *targets[turn[at % turn.size()]];
      if (up(t)) best = &t;
    }
  }
  if (best != nullptr) return best;
  for (const auto& t : targets) {
    if (usable(*t) && (best == nullptr || t->down_until_ms.load() < best->down_until_ms.load())) {
      best = t.get();
    }
  }
  return best;
}

std::string endpoint_key(const discovery::Endpoint& endpoint) {
  return endpoint.host + ":" + std::to_string(endpoint.port);
}

std::string Chosen::describe() const {
  std::string out;
  describe(out);
  return out;
}

void Chosen::describe(std::string& out) const {
  if (parent == nullptr || !parent->dynamic()) {
    out.assign(target ? std::string_view(target->url) : std::string_view());
    return;
  }
  out.assign(parent->url).append(" -> ").append(endpoint_key(endpoint));
}

bool Chosen::down() const {
  if (!parent->dynamic()) return parent->down_until_ms.load() > now_ms();
  std::lock_guard lock(parent->endpoint_mutex);
  auto it = parent->endpoint_down_until.find(endpoint_key(endpoint));
  return it != parent->endpoint_down_until.end() && it->second > now_ms();
}

Chosen choose_endpoint(const Target* target, std::vector<std::unique_ptr<Target>>& keep) {
  Chosen chosen{target, target, {}};
  if (!target->dynamic()) return chosen;
  chosen.target = nullptr;
  if (!target->source) return chosen;
  auto resolution = target->source->current();
  const auto& endpoints = resolution->endpoints;
  if (endpoints.empty()) return chosen;
  const size_t n = endpoints.size();
  const size_t start = target->endpoint_next.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = now_ms();
  const discovery::Endpoint* best = &endpoints[start % n];
  {
    std::lock_guard lock(target->endpoint_mutex);
    for (size_t i = 0; i < n; ++i) {
      const auto& e = endpoints[(start + i) % n];
      auto it = target->endpoint_down_until.find(endpoint_key(e));
      if (it == target->endpoint_down_until.end() || it->second <= now) {
        best = &e;
        break;
      }
    }
  }
  auto concrete = std::make_unique<Target>();
  concrete->scheme = Scheme::Http;
  concrete->host = best->host;
  concrete->port = best->port;
  std::string host =
      best->host.find(':') != std::string::npos ? "[" + best->host + "]" : best->host;
  concrete->url = "http://" + host + ":" + std::to_string(best->port);
  concrete->key = concrete->url;
  concrete->h2c = target->h2c;  // the upstream's protocol = "h2c" reaches the endpoints
  if (concrete->h2c) concrete->key = "h2c|" + concrete->key;
  chosen.endpoint = *best;
  chosen.target = concrete.get();
  keep.push_back(std::move(concrete));
  return chosen;
}

void mark_down(const Chosen& chosen, const UpstreamSet& upstream) {
  const int64_t until = now_ms() + upstream.config.down_for.count();
  if (!chosen.parent->dynamic()) {
    chosen.parent->down_until_ms = until;
    return;
  }
  {
    std::lock_guard lock(chosen.parent->endpoint_mutex);
    chosen.parent->endpoint_down_until[endpoint_key(chosen.endpoint)] = until;
  }
  if (chosen.parent->source) chosen.parent->source->report_failure(chosen.endpoint);
}

bool fail_over(Chosen& chosen, const UpstreamSet& upstream,
               std::vector<std::unique_ptr<Target>>& keep) {
  mark_down(chosen, upstream);
  const Target* other = pick_target(upstream, chosen.parent);
  if (other != nullptr && other->down_until_ms.load() <= now_ms()) {
    chosen = choose_endpoint(other, keep);
    return true;
  }
  if (chosen.parent->dynamic()) {  // another endpoint of the same service?
    Chosen again = choose_endpoint(chosen.parent, keep);
    if (again.target != nullptr && !again.down()) {
      chosen = again;
      return true;
    }
  }
  return false;
}

asio::awaitable<const Target*> wait_for_target(const UpstreamSet& upstream,
                                               std::chrono::milliseconds limit) {
  const Target* target = pick_target(upstream);
  auto pending = [&] {
    return std::any_of(upstream.targets.begin(), upstream.targets.end(), [](const auto& t) {
      return t->dynamic() && t->source && t->source->current()->state == discovery::State::Pending;
    });
  };
  if (target != nullptr || !pending()) co_return target;
  const auto deadline = Clock::now() + limit;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (target == nullptr && Clock::now() < deadline && pending()) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(nothrow);
    target = pick_target(upstream);
  }
  co_return target;
}

std::string tunnel_state(const discovery::Resolution& resolution) {
  std::string text = "restarts " + std::to_string(resolution.restarts);
  if (!resolution.last_stderr.empty()) text += ", kubectl said: " + resolution.last_stderr;
  return text;
}

}  // namespace bridge::proxy
