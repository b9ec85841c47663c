// Listening sockets (listen.hpp).
#include "net/listen.hpp"

#include <sys/socket.h>

#include <cstdlib>

namespace bridge::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

Result<tcp::endpoint> parse_bind(const std::string& bind) {
  std::string host;
  std::string port;
  if (!bind.empty() && bind.front() == '[') {
    auto close = bind.find(']');
    if (close == std::string::npos || close + 1 >= bind.size() || bind[close + 1] != ':') {
      return Error::config("invalid listen address \"" + bind + "\"");
    }
    host = bind.substr(1, close - 1);
    port = bind.substr(close + 2);
  } else {
    auto colon = bind.rfind(':');
    if (colon == std::string::npos)
      return Error::config("listen address \"" + bind + "\" has no port");
    host = bind.substr(0, colon);
    port = bind.substr(colon + 1);
  }
  if (host == "localhost") host = "127.0.0.1";
  if (host.empty() || host == "*") host = "0.0.0.0";
  error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Error::config("invalid listen address \"" + bind + "\": " + ec.message());
  char* end = nullptr;
  long value = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value < 0 || value > 65535) {
    return Error::config("invalid port in listen address \"" + bind + "\"");
  }
  return tcp::endpoint(address, static_cast<uint16_t>(value));
}

Result<std::unique_ptr<tcp::acceptor>> open_acceptor(asio::io_context& context,
                                                     const tcp::endpoint& endpoint, bool reuse_port,
                                                     bool listen) {
  auto acceptor = std::make_unique<tcp::acceptor>(context);
  error_code ec;
  auto fail = [&](const char* what) {
    return Error::runtime("cannot listen on " + endpoint.address().to_string() + ":" +
                              std::to_string(endpoint.port()) + ": " + what + ": " + ec.message(),
                          ec == asio::error::address_in_use
                              ? "another process uses this port; stop it (see `ss -ltnp`) or "
                                "choose another bind address"
                              : "");
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (reuse_port) {
    int one = 1;
    ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  acceptor->bind(endpoint, ec);
  if (ec) return fail("bind");
  if (!listen) return acceptor;
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  // Every accepted connection inherits it (Linux clones the listener's TCP options): no
  // setsockopt() per connection. Nagle would hold a relayed answer's tail for the peer's ACK.
  acceptor->set_option(tcp::no_delay(true), ec);
  if (ec) return fail("TCP_NODELAY");
  return acceptor;
}

}  // namespace bridge::net
