#pragma once
// Waiting for a connection's ClientHello without reading it: MSG_PEEK leaves the bytes in the
// socket, so the handshake reaches the upstream (or bridge's own TLS) untouched.

#include "proxy/detail/asio.hpp"
#include "tcp/client_hello.hpp"

namespace bridge::proxy {

/// What the first bytes of `socket` say. NotTls when nothing arrives within `first_bytes`
/// (a protocol where the server speaks first); Invalid when a ClientHello began but did not
/// finish within `whole`, or the peer closed.
asio::awaitable<bridge::tcp::ClientHello> peek_client_hello(tcp::socket& socket,
                                                            std::chrono::milliseconds first_bytes,
                                                            std::chrono::milliseconds whole);

}  // namespace bridge::proxy
