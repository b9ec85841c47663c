#pragma once
// After a 101 Switching Protocols (a websocket), bytes flow both ways untouched until either
// side closes or stays silent for the idle timeout.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/buffer_pool.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

namespace bridge::proxy {

/// Copies `from` to `to` (first what `pending` already holds) until `from` ends or a write
/// fails; each read and write gets `idle`.
template <class From, class To>
asio::awaitable<void> pump(From& from, beast::flat_buffer& pending, To& to,
                           std::chrono::milliseconds idle, BufferPool::Lease buf) {
  if (pending.size() > 0) {
    auto [ec, n] = co_await asio::async_write(to, pending.data(), nothrow);
    if (ec) co_return;
    pending.consume(n);
  }
  for (;;) {
    beast::get_lowest_layer(from).expires_after(idle);
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf.data(), buf.size()), nothrow);
    if (n > 0) {
      beast::get_lowest_layer(to).expires_after(idle);
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow);
      if (wec) co_return;
    }
    if (rec) co_return;
  }
}

/// Both directions at once; returns when either one ends.
template <class Client, class Upstream>
asio::awaitable<void> splice(Client& client, beast::flat_buffer& client_pending, Upstream& upstream,
                             beast::flat_buffer& upstream_pending, std::chrono::milliseconds idle,
                             BufferPool& buffers) {
  using namespace asio::experimental::awaitable_operators;
  co_await (pump(client, client_pending, upstream, idle, buffers.take()) ||
            pump(upstream, upstream_pending, client, idle, buffers.take()));
}

}  // namespace bridge::proxy
