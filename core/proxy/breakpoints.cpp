#include "proxy/breakpoints.hpp"

#include "config/config.hpp"
#include "trace/trace.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace bridge::proxy {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Ids of breakpoints and held requests are capabilities: whoever knows one can continue a
// held request elsewhere. 64 bits from the CSPRNG (not the request-id generator, whose
// output clients see) make them unguessable.
std::string random_id(std::string_view prefix) {
  std::array<uint8_t, 8> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed: no random breakpoint id");
  }
  return std::string(prefix) + trace::to_hex(bytes.data(), bytes.size());
}

}  // namespace

std::string phase_label(BreakPhase phase, const std::string& middleware, bool after) {
  switch (phase) {
  case BreakPhase::Request:
    return "request";
  case BreakPhase::Response:
    return "response";
  case BreakPhase::Middleware:
    return (after ? "after:" : "before:") + middleware;
  case BreakPhase::Connection:
    break;
  }
  return "connection";
}

nlohmann::json Breakpoint::to_json(size_t paused) const {
  return {
      {"id", id},
      {"rule", rule.text()},
      {"phase", phase_label(phase, middleware, after)},
      {"hold_ms", hold.count()},
      {"lease_ms", lease_until_ms == 0 ? 0 : std::max<int64_t>(0, lease_until_ms - steady_ms())},
      {"streams", streams},
      {"paused", paused}};
}

nlohmann::json Paused::to_json() const {
  double held =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
  nlohmann::json out = {{"paused_id", id}, {"breakpoint", breakpoint}, {"phase", phase_name},
                        {"held_ms", held}, {"hold_ms", hold.count()},  {"request", request}};
  if (phase == BreakPhase::Response) out["response"] = response;
  return out;
}

void wake(const std::shared_ptr<Paused>& paused) {
  asio::post(paused->timer.get_executor(), [paused] { paused->timer.cancel(); });
}

asio::awaitable<Decision> wait_for_decision(Breakpoints& registry, std::shared_ptr<Paused> paused) {
  paused->timer.expires_after(paused->hold);
  registry.hold(paused);
  co_await paused->timer.async_wait(nothrow);
  registry.unhold(paused->id);
  std::lock_guard lock(paused->mutex);
  if (paused->decision.action == Decision::Action::Pending) {
    paused->decision.action = Decision::Action::Continue;
    paused->decision.why = "timeout";
  }
  co_return paused->decision;
}

int64_t held_us(const Paused& paused) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               paused.since)
      .count();
}

std::optional<BreakMatch> Breakpoints::match(const route::RequestView& view, bool connection) {
  std::lock_guard lock(mutex_);
  for (const auto& bp : breakpoints_) {
    if ((bp->phase == BreakPhase::Connection) != connection) continue;
    if (bp->rule.matches(view))
      return BreakMatch{bp->id, bp->hold, bp->phase, bp->middleware, bp->after};
  }
  return std::nullopt;
}

Result<nlohmann::json> Breakpoints::create(const std::string& rule, const std::string& phase,
                                           const std::string& hold) {
  const bool at_middleware = phase.starts_with("before:") || phase.starts_with("after:");
  if (!phase.empty() && phase != "request" && phase != "response" && phase != "connection" &&
      !at_middleware) {
    return Error::usage("phase must be \"request\", \"response\", \"connection\", "
                        "\"before:MIDDLEWARE\" or \"after:MIDDLEWARE\", not \"" +
                        phase + "\"");
  }
  auto bp = std::make_shared<Breakpoint>();
  bp->phase = phase == "response"     ? BreakPhase::Response
              : phase == "connection" ? BreakPhase::Connection
              : at_middleware         ? BreakPhase::Middleware
                                      : BreakPhase::Request;
  if (at_middleware) {
    bp->after = phase.starts_with("after:");
    bp->middleware = phase.substr(phase.find(':') + 1);
    if (bp->middleware.empty())
      return Error::usage("phase " + phase + " names no middleware",
                          "e.g. before:limit, with a name from [middlewares]");
  }
  auto parsed = route::Rule::parse(
      rule, bp->phase == BreakPhase::Connection ? route::Language::Tcp : route::Language::Http);
  if (!parsed && bp->phase == BreakPhase::Request) {
    // HostSNI(`db.localhost`) is no HTTP rule: it holds TCP connections.
    if (auto tcp = route::Rule::parse(rule, route::Language::Tcp)) {
      parsed = std::move(tcp);
      bp->phase = BreakPhase::Connection;
    }
  }
  if (!parsed) {
    Error e = parsed.error();
    e.message = "rule:" + std::to_string(e.where.column) + ": " + e.message;
    return e;
  }
  bp->rule = std::move(*parsed);
  if (!hold.empty()) {
    auto d = config::parse_duration(hold);
    if (!d) return Error::usage("hold: " + d.error().message);
    bp->hold = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  std::lock_guard lock(mutex_);
  bp->id = random_id("bp-");
  bp->lease_until_ms = steady_ms() + lease.count();
  breakpoints_.push_back(bp);
  count_ = breakpoints_.size();
  return Result<nlohmann::json>(boost::system::in_place_value, bp->to_json(0));
}

size_t Breakpoints::release_locked(const std::string& breakpoint_id, const std::string& why) {
  size_t released = 0;
  for (auto& [id, paused] : paused_) {
    if (paused->breakpoint != breakpoint_id) continue;
    std::lock_guard plock(paused->mutex);
    if (paused->decision.action != Decision::Action::Pending) continue;
    paused->decision.action = Decision::Action::Continue;
    paused->decision.why = why;
    wake(paused);
    ++released;
  }
  return released;
}

std::optional<size_t> Breakpoints::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                         [&](const auto& bp) { return bp->id == id; });
  if (it == breakpoints_.end()) return std::nullopt;
  breakpoints_.erase(it);
  count_ = breakpoints_.size();
  listeners_.erase(id);
  return release_locked(id, "released");
}

bool Breakpoints::renew(const std::string& id) {
  std::lock_guard lock(mutex_);
  for (auto& bp : breakpoints_) {
    if (bp->id == id) {
      bp->lease_until_ms = steady_ms() + lease.count();
      return true;
    }
  }
  return false;
}

nlohmann::json Breakpoints::list() {
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& bp : breakpoints_) {
    size_t n = 0;
    for (const auto& [id, p] : paused_) n += p->breakpoint == bp->id;
    out.push_back(bp->to_json(n));
  }
  return out;
}

nlohmann::json Breakpoints::paused_list() {
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, p] : paused_) out.push_back(p->to_json());
  return out;
}

size_t Breakpoints::paused_count() {
  std::lock_guard lock(mutex_);
  return paused_.size();
}

void Breakpoints::hold(const std::shared_ptr<Paused>& paused) {
  std::lock_guard lock(mutex_);
  paused->id = random_id("p-");
  paused_[paused->id] = paused;
  auto [first, last] = listeners_.equal_range(paused->breakpoint);
  if (first == last) return;
  nlohmann::json event = paused->to_json();
  for (auto it = first; it != last; ++it) it->second.second(event);
}

void Breakpoints::unhold(const std::string& paused_id) {
  std::lock_guard lock(mutex_);
  paused_.erase(paused_id);
}

bool Breakpoints::decide(const std::string& paused_id, Decision decision, bool release) {
  std::lock_guard lock(mutex_);
  auto it = paused_.find(paused_id);
  if (it == paused_.end()) return false;
  auto& paused = it->second;
  std::lock_guard plock(paused->mutex);
  if (paused->decision.action != Decision::Action::Pending) return false;
  Decision& d = paused->decision;
  for (auto& h : decision.set_headers) d.set_headers.push_back(std::move(h));
  for (auto& h : decision.remove_headers) d.remove_headers.push_back(std::move(h));
  if (!decision.target.empty()) d.target = decision.target;
  if (decision.action == Decision::Action::Abort) d.status = decision.status;
  if (release) {
    d.action = decision.action == Decision::Action::Abort ? Decision::Action::Abort
                                                          : Decision::Action::Continue;
    d.why = d.action == Decision::Action::Abort ? "abort" : "continue";
    wake(paused);
  }
  return true;
}

bool Breakpoints::decide(const std::string& paused_id, const admin::PausedEdit& edit) {
  Decision decision;
  if (edit.action == "continue") decision.action = Decision::Action::Continue;
  if (edit.action == "abort") decision.action = Decision::Action::Abort;
  decision.status = edit.status;
  decision.set_headers = edit.set_headers;
  decision.remove_headers = edit.remove_headers;
  decision.target = edit.target;
  return decide(paused_id, std::move(decision), edit.release());
}

bool Breakpoints::attach(const std::string& id, uint64_t& token, Listener on_paused) {
  std::lock_guard lock(mutex_);
  for (auto& bp : breakpoints_) {
    if (bp->id != id) continue;
    ++bp->streams;
    token = next_id_++;
    listeners_.emplace(id, std::pair{token, std::move(on_paused)});
    // Requests already held by this breakpoint are shown to the new listener too.
    auto range = listeners_.equal_range(id);
    for (const auto& [pid, p] : paused_) {
      if (p->breakpoint != id) continue;
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second.first == token) it->second.second(p->to_json());
      }
    }
    return true;
  }
  return false;
}

void Breakpoints::detach(const std::string& id, uint64_t token) {
  std::lock_guard lock(mutex_);
  auto [first, last] = listeners_.equal_range(id);
  for (auto it = first; it != last; ++it) {
    if (it->second.first == token) {
      listeners_.erase(it);
      break;
    }
  }
  for (auto it = breakpoints_.begin(); it != breakpoints_.end(); ++it) {
    if ((*it)->id != id) continue;
    if (--(*it)->streams <= 0) {
      breakpoints_.erase(it);
      count_ = breakpoints_.size();
      release_locked(id, "released");
    }
    return;
  }
}

void Breakpoints::expire() {
  std::lock_guard lock(mutex_);
  int64_t now = steady_ms();
  for (auto it = breakpoints_.begin(); it != breakpoints_.end();) {
    if ((*it)->streams == 0 && (*it)->lease_until_ms < now) {
      std::string id = (*it)->id;
      it = breakpoints_.erase(it);
      release_locked(id, "released");
    } else {
      ++it;
    }
  }
  count_ = breakpoints_.size();
}

}  // namespace bridge::proxy
