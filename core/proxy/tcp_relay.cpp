#include "proxy/detail/tcp_relay.hpp"

#include "trace/metrics.hpp"

namespace bridge::proxy {

using namespace asio::experimental::awaitable_operators;

std::string_view tcp_end_name(TcpEnd end) { return trace::tcp_end_names[static_cast<size_t>(end)]; }

namespace {

void close_stream(tcp::socket& socket) {
  error_code ec;
  socket.close(ec);
}
void close_stream(TlsStream& stream) { close_stream(beast::get_lowest_layer(stream).socket()); }

// The end of one direction: a FIN, or for TLS a close_notify first (the peer may go on
// sending: OpenSSL reads after its own close_notify).
asio::awaitable<void> send_fin(tcp::socket& socket) {
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  co_return;
}
asio::awaitable<void> send_fin(TlsStream& stream) {
  co_await stream.async_shutdown(nothrow);
  co_await send_fin(beast::get_lowest_layer(stream).socket());
}

}  // namespace

template <class ClientStream>
void BasicTcpRelay<ClientStream>::close_both() {
  close_stream(client_);
  close_stream(upstream_);
}

template <class ClientStream>
void BasicTcpRelay<ClientStream>::stop(TcpEnd end) {
  if (ended_) return;
  ended_ = true;
  result_.end = end;
  close_both();  // ends the other direction's pending read or write at once
}

// One direction: read, write all of it, again; a FIN read is passed on as a FIN.
template <class ClientStream>
template <class From, class To>
asio::awaitable<void> BasicTcpRelay<ClientStream>::pump(From& from, To& to, bool from_client,
                                                        uint64_t& bytes, BufferPool::Lease buffer) {
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
    // A TLS client that closes its socket without close_notify ends its side as a FIN does:
    // many clients do, and the bytes before it were whole records.
    if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
      co_await send_fin(to);
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
template <class ClientStream>
asio::awaitable<void> BasicTcpRelay<ClientStream>::watch_idle() {
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

template <class ClientStream>
asio::awaitable<TcpRelayResult> BasicTcpRelay<ClientStream>::run() {
  co_await ((pump(client_, upstream_, true, result_.bytes_up, buffers_.take()) &&
             pump(upstream_, client_, false, result_.bytes_down, buffers_.take())) ||
            watch_idle());
  close_both();
  co_return result_;
}

template class BasicTcpRelay<tcp::socket>;
template class BasicTcpRelay<TlsStream>;

}  // namespace bridge::proxy
