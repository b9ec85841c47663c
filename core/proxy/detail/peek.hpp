#pragma once
// Looking at a connection's first bytes without reading them: MSG_PEEK leaves them in the
// socket, so a TLS handshake reaches the upstream (or bridge's own TLS) untouched, and a PROXY
// header is consumed only once it is known whole.

#include "proxy/detail/asio.hpp"
#include "proxy/front_door.hpp"
#include "tcp/client_hello.hpp"
#include "tcp/proxy_protocol.hpp"

#include <functional>
#include <span>

namespace bridge::proxy {

enum class Peeked : uint8_t {
  Decided,  // `decide` said it had seen enough
  Silent,   // nothing arrived within `first_bytes`
  TooSlow,  // bytes came, but not enough for `decide` within `whole`
  Closed,   // the peer closed or the socket failed
};

/// Peeks at `socket` until `decide(bytes so far)` returns true (at most `max_bytes`).
asio::awaitable<Peeked> peek_until(tcp::socket& socket, std::chrono::milliseconds first_bytes,
                                   std::chrono::milliseconds whole, size_t max_bytes,
                                   const std::function<bool(std::span<const uint8_t>)>& decide);

/// What the first bytes of `socket` say about TLS. NotTls when nothing arrives within
/// `first_bytes` (a protocol where the server speaks first); Invalid when a ClientHello began
/// but did not finish within `whole`, or the peer closed.
asio::awaitable<bridge::tcp::ClientHello> peek_client_hello(tcp::socket& socket,
                                                            std::chrono::milliseconds first_bytes,
                                                            std::chrono::milliseconds whole);

/// Reads a PROXY header (v1 or v2) if the connection starts with one, consuming exactly its
/// bytes. State None when it does not (nothing consumed), Invalid (with `error`) when it is
/// malformed or incomplete within `whole`.
asio::awaitable<bridge::tcp::ProxyHeader> take_proxy_header(tcp::socket& socket,
                                                            std::chrono::milliseconds whole);

/// Where a connection came from and where it arrived: the addresses accept() returned, or
/// those a trusted PROXY header named.
struct ConnectionEnds {
  std::string client_ip;
  uint16_t client_port = 0;
  std::string local_ip;  // "" on a wildcard listener until local_of() asks the socket
  uint16_t local_port = 0;
  bool from_proxy_header = false;
  /// From the peer address accept() returned and the listener's own address, formatted once
  /// per listener (`listener_ip`, "" for a wildcard: filled later by local_of): no
  /// getpeername() or getsockname() per connection.
  static ConnectionEnds accepted(const tcp::endpoint& peer, const std::string& listener_ip,
                                 uint16_t listener_port);
  /// Fills the local address from the socket when the listener's wildcard left it open.
  void local_of(const tcp::socket& socket);
};

/// Replaces `ends` (as accepted) with what a trusted peer's PROXY header says, on a listener
/// with `policy`. False when the connection must be closed (a trusted peer sent a malformed
/// header; the reason is logged).
asio::awaitable<bool> read_connection_ends(tcp::socket& socket, const ListenerPolicy& policy,
                                           std::chrono::milliseconds timeout, ConnectionEnds& ends);

}  // namespace bridge::proxy
