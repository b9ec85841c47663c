#pragma once
// Connections routed by [[tcp_routes]]: every connection on a TCP listener (protocol = "tcp"),
// and on a TLS listener the ones whose ClientHello matches a TLS route (the others are
// terminated and served as HTTP, as Traefik's TCP routers take precedence on an entry
// point). Relayed byte for byte: a passthrough route's TLS handshake untouched, a terminating
// route's plaintext after bridge's own handshake with the listener's certificates.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/peek.hpp"

#include <string>

namespace bridge::proxy {

class Worker;

/// Serves a connection accepted on TCP listener `listener`, `ends` as accept() saw them.
/// Never throws.
asio::awaitable<void> serve_tcp_connection(tcp::socket socket, ConnectionEnds ends, Worker& worker,
                                           std::string listener);

/// On a TLS listener with TLS routes: peeks at the ClientHello and, when a TLS route matches
/// it, serves the connection there (passed through, or terminated with `tls`, the listener's
/// context) and returns true. Otherwise returns false with nothing read from `socket` (the
/// HTTP handshake starts from the first byte). `ends`: as accepted, or what a PROXY header
/// said if the listener read one.
asio::awaitable<bool> serve_if_tcp_routed(tcp::socket& socket, Worker& worker,
                                          const std::string& listener, ssl::context& tls,
                                          ConnectionEnds ends);

}  // namespace bridge::proxy
