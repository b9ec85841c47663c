#include "proxy/detail/deadline_stream.hpp"

namespace bridge::proxy {

DeadlineStream::DeadlineStream(tcp::socket socket, DeadlineWatch& watch)
    : socket_(std::move(socket)), watch_(&watch) {
  watch_->watch(*this);
}

DeadlineStream::DeadlineStream(DeadlineStream&& other) noexcept
    : DeadlineHook(), socket_(std::move(other.socket_)), watch_(other.watch_),
      deadline_(other.deadline_), timed_out_(other.timed_out_) {
  other.unlink();
  watch_->watch(*this);
}

void DeadlineWatch::schedule(Clock::time_point when) {
  if (!timer_) return;
  wake_ = when;
  timer_->expires_at(when);  // cancels the wait for a later time, if any
  timer_->async_wait([this](error_code ec) {
    if (ec != asio::error::operation_aborted) sweep();
  });
}

// Every deadline of a pending operation has been armed (when the operation started, or by
// expires_after while it was pending), so the earliest one left is the next time anything
// can be overdue.
void DeadlineWatch::sweep() {
  const auto now = Clock::now();
  auto next = Clock::time_point::max();
  for (DeadlineStream& stream : streams_) {
    if (stream.pending_ == 0 || stream.deadline_ == Clock::time_point::max()) continue;
    if (stream.deadline_ <= now) {
      stream.timed_out_ = true;
      stream.close();  // pending operations end with operation_aborted, reported as timeout
    } else {
      next = std::min(next, stream.deadline_);
    }
  }
  wake_ = Clock::time_point::max();
  if (next != Clock::time_point::max()) schedule(next);
}

}  // namespace bridge::proxy
