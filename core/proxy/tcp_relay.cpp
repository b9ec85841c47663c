#include "proxy/detail/tcp_relay.hpp"

#include "trace/metrics.hpp"

namespace bridge::proxy {

using namespace asio::experimental::awaitable_operators;

std::string_view tcp_end_name(TcpEnd end) { return trace::tcp_end_names[static_cast<size_t>(end)]; }

void TcpRelay::stop(TcpEnd end) {
  if (ended_) return;
  ended_ = true;
  result_.end = end;
  // Closing both sockets ends the other direction's pending read or write at once.
  error_code ec;
  client_.close(ec);
  upstream_.close(ec);
}

// One direction: read, write all of it, again; a FIN read is passed on as a FIN.
asio::awaitable<void> TcpRelay::pump(bool from_client, uint64_t& bytes, BufferPool::Lease buffer) {
  tcp::socket& from = from_client ? client_ : upstream_;
  tcp::socket& to = from_client ? upstream_ : client_;
  const TcpEnd from_failed = from_client ? TcpEnd::ClientReset : TcpEnd::UpstreamReset;
  const TcpEnd to_failed = from_client ? TcpEnd::UpstreamReset : TcpEnd::ClientReset;
  for (;;) {
    auto [rec, n] =
        co_await from.async_read_some(asio::buffer(buffer.data(), buffer.size()), nothrow);
    if (n > 0) {
      last_activity_ = Clock::now();
      auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), nothrow);
      if (wec) {
        if (wec != asio::error::operation_aborted) stop(to_failed);
        co_return;
      }
      bytes += written;
      last_activity_ = Clock::now();
    }
    if (rec == asio::error::eof) {
      error_code ec;
      to.shutdown(tcp::socket::shutdown_send, ec);
      if (fins_++ == 0 && !ended_)
        result_.end = from_client ? TcpEnd::ClientClosed : TcpEnd::UpstreamClosed;
      co_return;
    }
    if (rec) {
      if (rec != asio::error::operation_aborted) stop(from_failed);
      co_return;
    }
  }
}

// Returns once nothing has moved for the idle timeout (checked against the last read or
// write, so one timer serves both directions); cancelled when the relay ends first.
asio::awaitable<void> TcpRelay::watch_idle() {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const auto deadline = last_activity_ + idle_;
    if (Clock::now() >= deadline) {
      stop(TcpEnd::IdleTimeout);
      co_return;
    }
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) co_return;
  }
}

asio::awaitable<TcpRelayResult> TcpRelay::run() {
  co_await ((pump(true, result_.bytes_up, buffers_.take()) &&
             pump(false, result_.bytes_down, buffers_.take())) ||
            watch_idle());
  error_code ec;
  client_.close(ec);
  upstream_.close(ec);
  co_return result_;
}

}  // namespace bridge::proxy
