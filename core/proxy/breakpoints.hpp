#pragma once
/// Routing breakpoints: requests matching a rule are held on their worker (the coroutine waits
/// on a timer, other traffic flows) until the admin API decides, or until `hold` passes; so
/// are new TCP connections, before they connect upstream, under a rule in the TCP language. A
/// breakpoint lives while its owner keeps a lease (an open events stream or renewals), so no
/// client hangs on a breakpoint whose CLI went away.

#include "admin/breakpoint_control.hpp"
#include "common/error.hpp"
#include "proxy/detail/asio.hpp"
#include "route/route.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace bridge::proxy {

/// Request and Response hold HTTP exchanges; Middleware holds one before or after a named
/// middleware of its chain; Connection holds new TCP-route connections.
enum class BreakPhase { Request, Response, Middleware, Connection };

/// "request", "response", "connection", or "before:NAME" / "after:NAME" for a middleware.
std::string phase_label(BreakPhase phase, const std::string& middleware, bool after);

struct Breakpoint {
  std::string id;
  route::Rule rule;  // in the TCP language for the Connection phase
  BreakPhase phase = BreakPhase::Request;
  std::string middleware;  // the Middleware phase: its name, and whether after it ran
  bool after = false;
  std::chrono::milliseconds hold{60000};
  int64_t lease_until_ms = 0;  // steady ms; ignored while streams > 0
  int streams = 0;             // open events streams (each one holds the lease)
  nlohmann::json to_json(size_t paused) const;
};

struct BreakMatch {
  std::string id;
  std::chrono::milliseconds hold;
  BreakPhase phase;
  std::string middleware;
  bool after = false;
};

/// What the admin API decided for a held request.
struct Decision {
  enum class Action { Pending, Continue, Abort } action = Action::Pending;
  int status = 503;
  std::vector<std::pair<std::string, std::string>> set_headers;
  std::vector<std::string> remove_headers;
  std::string target;  // a different target URL for this request only
  std::string why;     // "continue", "abort", "timeout", "released"
};

/// One held exchange. Shared by the waiting coroutine and the registry.
struct Paused {
  std::string id;
  std::string breakpoint;
  BreakPhase phase;
  std::string phase_name;  // phase_label()
  std::chrono::milliseconds hold;
  std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now();
  nlohmann::json request;    // summary + headers as they will be sent (redacted)
  nlohmann::json response;   // response phase: status + headers
  asio::steady_timer timer;  // on the worker's executor; cancelled to wake the coroutine
  std::mutex mutex;
  Decision decision;  // guarded by mutex
  Paused(asio::any_io_executor executor) : timer(executor) {}
  nlohmann::json to_json() const;
};

/// The registry; the admin API drives it through admin::BreakpointControl.
class Breakpoints : public admin::BreakpointControl {
 public:
  static constexpr std::chrono::milliseconds lease{15000};

  /// Cheap check for the request path: false almost always.
  bool any() const { return count_.load(std::memory_order_relaxed) > 0; }
  /// The first live breakpoint whose rule matches, or nullopt: an HTTP request's view meets the
  /// Request and Response breakpoints, a TCP connection's (`connection`) the Connection ones.
  std::optional<BreakMatch> match(const route::RequestView& view, bool connection = false);

  /// `phase` "connection", or a rule only the TCP language reads (HostSNI, ALPN), makes a
  /// breakpoint for TCP connections; "before:NAME" or "after:NAME" one that holds requests at
  /// the middleware NAME of their chain.
  Result<nlohmann::json> create(const std::string& rule, const std::string& phase,
                                const std::string& hold) override;
  /// Deletes `id` and releases its held requests; nullopt when unknown.
  std::optional<size_t> remove(const std::string& id) override;
  bool renew(const std::string& id) override;
  nlohmann::json list() override;
  nlohmann::json paused_list() override;

  /// Registers a held request and tells the breakpoint's event listeners.
  void hold(const std::shared_ptr<Paused>& paused);
  void unhold(const std::string& paused_id);
  /// Applies an admin decision; false when `paused_id` is no longer held.
  bool decide(const std::string& paused_id, Decision decision, bool release);
  /// The admin API's edit, as a Decision.
  bool decide(const std::string& paused_id, const admin::PausedEdit& edit) override;

  /// Events stream: `on_paused` runs (under the registry lock; hand off only) for each request
  /// held by `id`. Returns false when the breakpoint does not exist.
  bool attach(const std::string& id, uint64_t& token, Listener on_paused) override;
  /// Closing the last stream deletes the breakpoint (its owner went away).
  void detach(const std::string& id, uint64_t token) override;
  /// Drops breakpoints whose lease ran out. Called periodically.
  void expire() override;
  size_t paused_count() override;

 private:
  size_t release_locked(const std::string& breakpoint_id, const std::string& why);
  std::mutex mutex_;
  std::atomic<size_t> count_{0};
  std::vector<std::shared_ptr<Breakpoint>> breakpoints_;
  std::map<std::string, std::shared_ptr<Paused>> paused_;
  std::multimap<std::string, std::pair<uint64_t, Listener>> listeners_;
  uint64_t next_id_ = 1;
};

/// Wakes a held coroutine from any thread.
void wake(const std::shared_ptr<Paused>& paused);

/// Registers `paused` (its timer set to the hold) and waits until the admin API decides or the
/// hold passes (then: continue, why "timeout"); on the held coroutine's worker.
asio::awaitable<Decision> wait_for_decision(Breakpoints& registry, std::shared_ptr<Paused> paused);

/// How long `paused` has been held, for the record.
int64_t held_us(const Paused& paused);

}  // namespace bridge::proxy
