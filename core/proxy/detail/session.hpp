#pragma once
// One client connection: read requests, route them, forward or answer, until close.

#include "proxy/detail/asio.hpp"

#include <string>

namespace bridge::proxy {

class Worker;

/// Serves a client connection on the worker that accepted it. Never throws.
asio::awaitable<void> serve_connection(tcp::socket socket, Worker& worker, std::string listener);

}  // namespace bridge::proxy
