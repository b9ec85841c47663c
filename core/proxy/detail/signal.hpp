#pragma once
// A wake-up between coroutines of one worker thread: one side waits, the other notifies. A
// notification that comes before the wait is kept, so none is lost. Worker thread only.

#include "proxy/detail/asio.hpp"

namespace bridge::proxy {

class Signal {
 public:
  explicit Signal(const asio::any_io_executor& executor) : timer_(executor) {}

  /// Wakes the waiter (now, or at its next wait).
  void notify() {
    pending_ = true;
    timer_.cancel();
  }

  /// Forgets a notification no one waited for (a stream being reused).
  void clear() { pending_ = false; }

  /// Returns true when notified, false when `deadline` passed first.
  asio::awaitable<bool> wait(Clock::time_point deadline = Clock::time_point::max()) {
    if (!pending_) {
      timer_.expires_at(deadline);
      co_await timer_.async_wait(nothrow);
    }
    const bool woken = pending_;
    pending_ = false;
    co_return woken;
  }

 private:
  asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace bridge::proxy
