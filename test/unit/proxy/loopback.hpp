#pragma once
// Two ends of a TCP connection on 127.0.0.1, for the stream tests.
#include "proxy/detail/asio.hpp"

#include <utility>

namespace bridge::proxy {

/// {connecting end, accepted end}
inline std::pair<tcp::socket, tcp::socket> connect_loopback(asio::io_context& context) {
  tcp::acceptor acceptor(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(context);
  client.connect(acceptor.local_endpoint());
  return {std::move(client), acceptor.accept()};
}

}  // namespace bridge::proxy
