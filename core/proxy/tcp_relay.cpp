#include "proxy/detail/tcp_relay.hpp"

namespace bridge::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;

struct RelayState {
  RelayState(tcp::socket& c, tcp::socket& u) : client(c), upstream(u) {}
  tcp::socket& client;
  tcp::socket& upstream;
  Clock::time_point last_activity = Clock::now();
  TcpRelayResult result;
  bool failed = false;
  int fins = 0;

  // The first failure decides how the connection ended; closing both sockets ends the other
  // direction's pending read or write at once.
  void fail(TcpEnd end) {
    if (failed) return;
    failed = true;
    result.end = end;
    error_code ec;
    client.close(ec);
    upstream.close(ec);
  }
};

// One direction: read, write all of it, again; a FIN read is passed on as a FIN.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, bool from_client, uint64_t& bytes,
                           RelayState& state, BufferPool::Lease buffer) {
  const TcpEnd from_failed = from_client ? TcpEnd::ClientReset : TcpEnd::UpstreamReset;
  const TcpEnd to_failed = from_client ? TcpEnd::UpstreamReset : TcpEnd::ClientReset;
  for (;;) {
    auto [rec, n] =
        co_await from.async_read_some(asio::buffer(buffer.data(), buffer.size()), nothrow);
    if (n > 0) {
      state.last_activity = Clock::now();
      auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), nothrow);
      if (wec) {
        if (wec != asio::error::operation_aborted) state.fail(to_failed);
        co_return;
      }
      bytes += written;
      state.last_activity = Clock::now();
    }
    if (rec == asio::error::eof) {
      error_code ec;
      to.shutdown(tcp::socket::shutdown_send, ec);
      if (state.fins++ == 0) state.result.client_closed_first = from_client;
      co_return;
    }
    if (rec) {
      if (rec != asio::error::operation_aborted) state.fail(from_failed);
      co_return;
    }
  }
}

// Returns once nothing has moved for `idle` (checked against the last read or write, so one
// timer serves both directions); cancelled when the relay ends first.
asio::awaitable<void> watch_idle(RelayState& state, std::chrono::milliseconds idle) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const auto deadline = state.last_activity + idle;
    if (Clock::now() >= deadline) {
      if (!state.failed) state.result.end = TcpEnd::IdleTimeout;
      co_return;
    }
    timer.expires_at(deadline);
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) co_return;
  }
}

}  // namespace

std::string_view tcp_end_name(TcpEnd end) {
  switch (end) {
  case TcpEnd::BothClosed:
    return "closed";
  case TcpEnd::ClientReset:
    return "client_reset";
  case TcpEnd::UpstreamReset:
    return "upstream_reset";
  case TcpEnd::IdleTimeout:
    return "idle_timeout";
  }
  return "closed";
}

asio::awaitable<TcpRelayResult> relay_tcp(tcp::socket& client, tcp::socket& upstream,
                                          std::chrono::milliseconds idle, BufferPool& buffers) {
  RelayState state(client, upstream);
  co_await ((pump(client, upstream, true, state.result.bytes_up, state, buffers.take()) &&
             pump(upstream, client, false, state.result.bytes_down, state, buffers.take())) ||
            watch_idle(state, idle));
  error_code ec;
  client.close(ec);
  upstream.close(ec);
  co_return state.result;
}

}  // namespace bridge::proxy
