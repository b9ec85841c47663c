#include "proxy/detail/peek.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace bridge::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;
namespace wire = bridge::tcp;

// Waits until `socket` is readable; false when `limit` passed first.
asio::awaitable<bool> readable_within(tcp::socket& socket, std::chrono::milliseconds limit) {
  asio::steady_timer timer(socket.get_executor(), limit);
  auto which = co_await (socket.async_wait(tcp::socket::wait_read, nothrow_awaitable) ||
                         timer.async_wait(nothrow_awaitable));
  co_return which.index() == 0 && !std::get<0>(std::get<0>(which));
}

}  // namespace

asio::awaitable<Peeked> peek_until(tcp::socket& socket, std::chrono::milliseconds first_bytes,
                                   std::chrono::milliseconds whole, size_t max_bytes,
                                   const std::function<bool(std::span<const uint8_t>)>& decide) {
  if (!co_await readable_within(socket, first_bytes)) co_return Peeked::Silent;
  const auto deadline = Clock::now() + whole;
  std::vector<uint8_t> bytes(max_bytes);
  asio::steady_timer pause(socket.get_executor());
  for (size_t seen = 0;;) {
    error_code ec;
    // Readable, so this returns at once: the bytes are there (peek leaves them there).
    const size_t n = socket.receive(asio::buffer(bytes), tcp::socket::message_peek, ec);
    if (ec || n == 0) co_return Peeked::Closed;
    if (decide(std::span<const uint8_t>(bytes.data(), n))) co_return Peeked::Decided;
    if (n == bytes.size() || Clock::now() >= deadline) co_return Peeked::TooSlow;
    // What came so far keeps the socket readable, so readiness cannot say when more has
    // (a split ClientHello is rare: it fits one segment on loopback): look again shortly.
    if (n == seen) {
      pause.expires_after(std::chrono::milliseconds(2));
      co_await pause.async_wait(nothrow);
    }
    seen = n;
  }
}

asio::awaitable<wire::ClientHello> peek_client_hello(tcp::socket& socket,
                                                     std::chrono::milliseconds first_bytes,
                                                     std::chrono::milliseconds whole) {
  wire::ClientHello hello;
  const Peeked peeked =
      co_await peek_until(socket, first_bytes, whole, wire::max_client_hello_bytes + 64,
                          [&](std::span<const uint8_t> bytes) {
                            hello = wire::read_client_hello(bytes);
                            return hello.state != wire::HelloState::NeedMore;
                          });
  if (peeked == Peeked::Silent) {
    hello.state = wire::HelloState::NotTls;
  } else if (peeked != Peeked::Decided) {
    hello.state = wire::HelloState::Invalid;
    hello.error = peeked == Peeked::Closed ? "the client closed before a ClientHello"
                                           : "the ClientHello did not arrive whole in time";
  }
  co_return hello;
}

asio::awaitable<wire::ProxyHeader> take_proxy_header(tcp::socket& socket,
                                                     std::chrono::milliseconds whole) {
  wire::ProxyHeader header;
  const Peeked peeked = co_await peek_until(
      socket, whole, whole, wire::max_proxy_header_bytes, [&](std::span<const uint8_t> bytes) {
        header = wire::read_proxy_header(bytes);
        return header.state != wire::ProxyHeaderState::NeedMore;
      });
  if (peeked == Peeked::Silent) {
    header.state = wire::ProxyHeaderState::None;  // the client has not spoken: no header
  } else if (peeked != Peeked::Decided) {
    header.state = wire::ProxyHeaderState::Invalid;
    header.error = "the PROXY header did not arrive whole in time";
  } else if (header.state == wire::ProxyHeaderState::Complete) {
    std::vector<uint8_t> consumed(header.length);
    error_code ec;
    asio::read(socket, asio::buffer(consumed), ec);  // already there: peek saw it
    if (ec) {
      header.state = wire::ProxyHeaderState::Invalid;
      header.error = ec.message();
    }
  }
  co_return header;
}

ConnectionEnds ConnectionEnds::accepted(const tcp::endpoint& peer, const std::string& listener_ip,
                                        uint16_t listener_port) {
  ConnectionEnds ends;
  ends.client_ip = peer.address().to_string();
  ends.client_port = peer.port();
  ends.local_ip = listener_ip;
  ends.local_port = listener_port;
  return ends;
}

void ConnectionEnds::local_of(const tcp::socket& socket) {
  if (!local_ip.empty()) return;
  error_code ec;
  if (auto local = socket.local_endpoint(ec); !ec) {
    local_ip = local.address().to_string();
    local_port = local.port();
  }
}

asio::awaitable<bool> read_connection_ends(tcp::socket& socket, const ListenerPolicy& policy,
                                           std::chrono::milliseconds timeout,
                                           ConnectionEnds& ends) {
  if (!policy.takes_proxy_header_from(ends.client_ip)) co_return true;
  wire::ProxyHeader header = co_await take_proxy_header(socket, timeout);
  if (header.state == wire::ProxyHeaderState::Invalid) {
    spdlog::info("listener {}: connection from {} closed: {}", policy.name, ends.client_ip,
                 header.error);
    co_return false;
  }
  if (header.state == wire::ProxyHeaderState::Complete && !header.addresses.local) {
    ends.client_ip = header.addresses.source_ip;
    ends.client_port = header.addresses.source_port;
    ends.local_ip = header.addresses.destination_ip;
    ends.local_port = header.addresses.destination_port;
    ends.from_proxy_header = true;
  }
  co_return true;
}

}  // namespace bridge::proxy
