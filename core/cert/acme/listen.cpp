// Listening sockets for the challenge responders, with errors that name the port and the fix.
#include "cert/acme/challenges.hpp"

#include <boost/asio/ip/address.hpp>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
using asio::ip::tcp;

Result<tcp::acceptor> listen_on(const asio::any_io_executor& executor, const std::string& address,
                                uint16_t port, const std::string& purpose) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) return Error::usage("bad listen address \"" + address + "\" for " + purpose);
  tcp::endpoint endpoint{ip, port};
  tcp::acceptor acceptor{executor};
  std::string where = (ip.is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(port);
  std::string flag = purpose == "HTTP-01" ? "--http-port" : "--tls-port";
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return acceptor;
  std::string hint = "free the port or pass " + flag + " (the ACME server must reach it)";
  if (ec == asio::error::access_denied) {
    hint = "ports below 1024 need root or CAP_NET_BIND_SERVICE; or pass " + flag;
  }
  return Error::runtime("cannot listen on " + where + " for " + purpose + ": " + ec.message(),
                        hint);
}

}  // namespace bridge::cert::acme::detail
