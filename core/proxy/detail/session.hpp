#pragma once
// One client connection: read requests, route them, forward or answer, until close.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/peek.hpp"

#include <string>

namespace bridge::proxy {

class Worker;

/// Serves a client connection on the worker that accepted it, `ends` as accept() saw them.
/// Never throws. With `tls` (an HTTPS listener) the TLS handshake comes first.
asio::awaitable<void> serve_connection(tcp::socket socket, ConnectionEnds ends, Worker& worker,
                                       std::string listener,
                                       std::shared_ptr<ssl::context> tls = nullptr);

}  // namespace bridge::proxy
