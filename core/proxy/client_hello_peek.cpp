#include "proxy/detail/client_hello_peek.hpp"

#include <array>

namespace bridge::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;

// Waits until `socket` is readable; false when `limit` passed first.
asio::awaitable<bool> readable_within(tcp::socket& socket, std::chrono::milliseconds limit) {
  asio::steady_timer timer(socket.get_executor(), limit);
  auto which = co_await (socket.async_wait(tcp::socket::wait_read, nothrow_awaitable) ||
                         timer.async_wait(nothrow_awaitable));
  co_return which.index() == 0 && !std::get<0>(std::get<0>(which));
}

bridge::tcp::ClientHello invalid(std::string why) {
  bridge::tcp::ClientHello out;
  out.state = bridge::tcp::HelloState::Invalid;
  out.error = std::move(why);
  return out;
}

}  // namespace

asio::awaitable<bridge::tcp::ClientHello> peek_client_hello(tcp::socket& socket,
                                                            std::chrono::milliseconds first_bytes,
                                                            std::chrono::milliseconds whole) {
  if (!co_await readable_within(socket, first_bytes)) {
    bridge::tcp::ClientHello none;
    none.state = bridge::tcp::HelloState::NotTls;
    co_return none;
  }
  const auto deadline = Clock::now() + whole;
  std::array<uint8_t, bridge::tcp::max_client_hello_bytes + 64> bytes;
  asio::steady_timer pause(socket.get_executor());
  for (size_t seen = 0;;) {
    error_code ec;
    const size_t n = socket.receive(asio::buffer(bytes), tcp::socket::message_peek, ec);
    if (ec || n == 0)
      co_return invalid(ec ? ec.message() : "the client closed before a ClientHello");
    bridge::tcp::ClientHello hello =
        bridge::tcp::read_client_hello(std::span<const uint8_t>(bytes.data(), n));
    if (hello.state != bridge::tcp::HelloState::NeedMore) co_return hello;
    if (Clock::now() >= deadline) co_return invalid("the ClientHello did not arrive whole in time");
    // A split ClientHello (rare: it fits one segment on loopback) leaves the socket readable
    // with what has come so far, so readiness cannot say when more has: look again shortly.
    if (n == seen) {
      pause.expires_after(std::chrono::milliseconds(2));
      co_await pause.async_wait(nothrow);
    }
    seen = n;
  }
}

}  // namespace bridge::proxy
