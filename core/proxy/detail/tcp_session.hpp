#pragma once
// Connections routed by [[tcp_routes]]: every connection on a TCP listener (protocol = "tcp"),
// and on a TLS listener the ones whose ClientHello matches a passthrough route (the others
// are terminated and served as HTTP, as Traefik's TCP routers take precedence on an entry
// point). Relayed byte for byte; the TLS handshake passes through untouched.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/peek.hpp"

#include <string>

namespace bridge::proxy {

class Worker;

/// Serves a connection accepted on TCP listener `listener`. Never throws.
asio::awaitable<void> serve_tcp_connection(tcp::socket socket, Worker& worker,
                                           std::string listener);

/// On a TLS listener with passthrough routes: peeks at the ClientHello and, when a passthrough
/// route matches it, relays the connection there and returns true. Otherwise returns false
/// with nothing read from `socket` (the TLS handshake starts from the first byte). `ends`:
/// what a PROXY header said, if the listener read one.
asio::awaitable<bool> pass_through_if_routed(tcp::socket& socket, Worker& worker,
                                             const std::string& listener, ConnectionEnds ends);

}  // namespace bridge::proxy
