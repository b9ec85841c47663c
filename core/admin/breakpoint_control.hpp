#pragma once
/// The breakpoint registry as the admin API drives it. The registry itself lives with the
/// requests it holds (proxy::Breakpoints implements this); the admin API only sees these calls,
/// so that admin/ never includes proxy/.

#include "common/error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bridge::admin {

/// POST /v1/paused/{id}, validated (detail/body.hpp): what to do with a held request.
struct PausedEdit {
  std::string action;  // "continue", "abort" or "edit" (changes the request and keeps it held)
  int status = 503;    // what an abort answers
  std::vector<std::pair<std::string, std::string>> set_headers;
  std::vector<std::string> remove_headers;
  std::string target;  // a different target URL for this request only; "" = the route's
  bool release() const { return action != "edit"; }
};

/// Every call is thread-safe; the admin API makes them on its control thread.
class BreakpointControl {
 public:
  virtual ~BreakpointControl() = default;

  /// The breakpoint as JSON, or the rule's syntax error.
  virtual Result<nlohmann::json> create(const std::string& rule, const std::string& phase,
                                        const std::string& hold) = 0;
  /// Deletes `id` and releases its held requests (their count); nullopt when unknown.
  virtual std::optional<size_t> remove(const std::string& id) = 0;
  /// Extends `id`'s lease; false when unknown.
  virtual bool renew(const std::string& id) = 0;
  virtual nlohmann::json list() = 0;
  virtual nlohmann::json paused_list() = 0;
  virtual size_t paused_count() = 0;
  /// Applies `edit` to held request `paused_id`; false when it is no longer held.
  virtual bool decide(const std::string& paused_id, const PausedEdit& edit) = 0;

  /// Events stream: `on_paused` runs (under the registry lock: hand off only) for each request
  /// breakpoint `id` holds. False when the breakpoint does not exist.
  using Listener = std::function<void(const nlohmann::json&)>;
  virtual bool attach(const std::string& id, uint64_t& token, Listener on_paused) = 0;
  /// Closing the last stream deletes the breakpoint (its owner went away).
  virtual void detach(const std::string& id, uint64_t token) = 0;
  /// Drops breakpoints whose lease ran out; the admin server calls it every second.
  virtual void expire() = 0;
};

}  // namespace bridge::admin
