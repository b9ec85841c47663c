#pragma once
/// The completion handler for every co_spawn in core (never asio::detached): what a coroutine
/// throws is a bug, so it is logged once with where it ran, and serving goes on.

#include <exception>
#include <memory>
#include <string>

namespace bridge {

struct LogFailure {
  // "worker 2, listener web", "admin API", "health checks"; shared, so that a handler per
  // connection costs no string copy.
  std::shared_ptr<const std::string> context;

  void operator()(const std::exception_ptr& failure) const;
  /// Coroutines that return a value complete with it as well; the value is not needed.
  template <class T>
  void operator()(const std::exception_ptr& failure, T&&) const {
    (*this)(failure);
  }
};

/// `asio::co_spawn(executor, work(), log_failure("health checks"))`.
inline LogFailure log_failure(std::string context) {
  return LogFailure{std::make_shared<const std::string>(std::move(context))};
}
/// The same context for many coroutines (one per connection): made once, shared.
inline LogFailure log_failure(std::shared_ptr<const std::string> context) {
  return LogFailure{std::move(context)};
}

/// Logs the exception in `failure` (when there is one) as "<context>: <what>" at error level.
void log_exception(std::string_view context, const std::exception_ptr& failure);

}  // namespace bridge
