#pragma once
/// Listening sockets for the areas that accept connections (proxy listeners, the admin API).

#include "common/error.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace bridge::net {

/// "127.0.0.1:8080", "[::1]:8080", "localhost:8080" -> endpoint (no DNS beyond localhost).
Result<boost::asio::ip::tcp::endpoint> parse_bind(const std::string& bind);

/// Opens a listening socket with TCP_NODELAY, which the connections it accepts inherit, and
/// SO_REUSEPORT when asked (one per worker shares the port);
/// `listen = false` only binds (a probe for a taken port, or to learn the port 0 picks).
Result<std::unique_ptr<boost::asio::ip::tcp::acceptor>>
open_acceptor(boost::asio::io_context& context, const boost::asio::ip::tcp::endpoint& endpoint,
              bool reuse_port, bool listen = true);

}  // namespace bridge::net
