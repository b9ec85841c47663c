#include "proxy/detail/tcp_relay.hpp"

#include "net/owned_socket.hpp"
#include "trace/metrics.hpp"

#include <sys/socket.h>

#include <tuple>
#include <type_traits>
#include <utility>

namespace bridge::proxy {

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

// Whether the peer's FIN is already behind the `n` bytes just read into `buffer`: one read that
// does not wait, into the rest of the buffer. Bytes found there add to `n`; the FIN (true) or
// a failure is left in `rec`, for after the bytes are written.
bool read_behind(tcp::socket& from, BufferPool::Lease& buffer, size_t& n, error_code& rec) {
  error_code ec;
  const size_t more = net::read_now(from, buffer.data() + n, buffer.size() - n, ec);
  n += more;
  if (ec == asio::error::would_block) return false;
  rec = ec ? ec : (more == 0 ? error_code(asio::error::eof) : error_code());
  return rec == asio::error::eof;
}

// Writes all of `data` with MSG_MORE: the kernel holds the last segment back for the FIN that
// shutdown() or close() adds next, and both leave in one packet.
asio::awaitable<std::pair<error_code, size_t>> write_before_fin(tcp::socket& to,
                                                                asio::const_buffer data) {
  size_t done = 0;
  while (done < data.size()) {
    auto [ec, n] = co_await to.async_send(data + done, MSG_MORE, nothrow);
    if (ec) co_return std::pair{ec, done};
    done += n;
  }
  co_return std::pair{error_code(), done};
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

// One direction: read, write all of it, again; a FIN read is passed on as a FIN. `pending`:
// bytes already in `buffer`, written before the first read.
template <class ClientStream>
template <class From, class To>
asio::awaitable<void> BasicTcpRelay<ClientStream>::pump(From& from, To& to, bool from_client,
                                                        uint64_t& bytes, BufferPool::Lease buffer,
                                                        size_t pending) {
  const TcpEnd from_failed = from_client ? TcpEnd::ClientReset : TcpEnd::UpstreamReset;
  const TcpEnd to_failed = from_client ? TcpEnd::UpstreamReset : TcpEnd::ClientReset;
  // The upstream's first answer may be its last (HTTP/1.0, Connection: close, a one-shot
  // service): when its FIN came right behind it, the client gets both in one packet (two
  // fewer on its leg), as haproxy sends them when epoll says EPOLLRDHUP. Looked for once, on
  // the first read, so a long-lived connection pays one read at most.
  constexpr bool plain = std::is_same_v<From, tcp::socket> && std::is_same_v<To, tcp::socket>;
  bool look_behind = plain && !from_client;
  for (;;) {
    error_code rec;
    size_t n = std::exchange(pending, 0);
    if (n == 0)
      std::tie(rec, n) =
          co_await from.async_read_some(asio::buffer(buffer.data(), buffer.size()), nothrow);
    if (n > 0) {
      last_activity_ = Clock::now();
      bool fin_behind = false;
      error_code wec;
      size_t written = 0;
      if constexpr (plain) {
        if (std::exchange(look_behind, false) && n < buffer.size())
          fin_behind = read_behind(from, buffer, n, rec);
        if (fin_behind)
          std::tie(wec, written) = co_await write_before_fin(to, asio::buffer(buffer.data(), n));
      }
      if (!fin_behind)
        std::tie(wec, written) =
            co_await asio::async_write(to, asio::buffer(buffer.data(), n), nothrow);
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
      // The second FIN needs no shutdown(): both ways have ended, so run() closes both sockets
      // next and close() sends it (nothing is left unread). A TLS side still says close_notify.
      const bool last = fins_ == 1;
      if (!last || !std::is_same_v<To, tcp::socket>) co_await send_fin(to);
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

// Checked against the last read or write, so one timer serves both directions.
template <class ClientStream>
void BasicTcpRelay<ClientStream>::arm_idle() {
  idle_pending_ = true;
  idle_timer_.expires_at(last_activity_ + idle_);
  idle_timer_.async_wait([this](const error_code& ec) {
    idle_pending_ = false;
    if (finished_) {
      wake_.cancel();  // run() waits for this handler before it returns
      return;
    }
    if (ec) return;
    if (Clock::now() >= last_activity_ + idle_)
      stop(TcpEnd::IdleTimeout);  // both pumps end, and run() with them
    else
      arm_idle();
  });
}

// Upstream-to-client runs as a coroutine of its own and client-to-upstream in this one; the
// idle check is a timer callback. One coroutine spawned per connection, where
// `(up && down) || idle` spawned three and two parallel groups: on a connect-and-close load
// that cost 11 us of a connection's 45 us of user time (+12% connections/s without it).
// Everything runs on the worker's one thread, so the flags need no locks; run() returns only
// after the other coroutine and the idle handler have finished with `this`.
template <class ClientStream>
asio::awaitable<TcpRelayResult>
BasicTcpRelay<ClientStream>::run(std::optional<BufferPool::Lease> first, size_t first_size) {
  bool down_running = true;
  asio::co_spawn(upstream_.get_executor(),
                 pump(upstream_, client_, false, result_.bytes_down, buffers_.take(), 0),
                 [this, &down_running](const std::exception_ptr&) {
                   down_running = false;
                   wake_.cancel();
                 });
  arm_idle();
  // Not `first ? std::move(*first) : take()` as the argument: GCC 12 destroys the temporaries
  // of a conditional inside a co_await expression whichever branch ran.
  if (!first) first.emplace(buffers_.take());
  co_await pump(client_, upstream_, true, result_.bytes_up, std::move(*first), first_size);
  while (down_running) co_await wake_.async_wait(nothrow);
  finished_ = true;
  idle_timer_.cancel();
  while (idle_pending_) co_await wake_.async_wait(nothrow);
  close_both();
  co_return result_;
}

template class BasicTcpRelay<tcp::socket>;
template class BasicTcpRelay<TlsStream>;

}  // namespace bridge::proxy
