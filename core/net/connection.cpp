// Getting a connection to an HTTP peer: resolve, connect, TLS handshake.
#include "net/detail/connection.hpp"
#include "net/asio.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace bridge::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using generic_endpoint = asio::generic::stream_protocol::endpoint;

namespace {

asio::awaitable<HttpResult<void>> handshake(Connection& c, const HttpPeer& peer,
                                            Deadline deadline) {
  c.tls.emplace(std::move(*c.plain), *peer.tls);
  c.plain.reset();
  if (SSL_set_tlsext_host_name(c.tls->native_handle(), peer.host.c_str()) != 1) {
    boost::system::error_code ec(static_cast<int>(ERR_get_error()),
                                 asio::error::get_ssl_category());
    co_return failed(HttpStep::Handshake, ec);
  }
  c.tls->set_verify_callback(asio::ssl::host_name_verification(peer.host));
  c.lowest().expires_at(deadline);
  auto [ec] = co_await c.tls->async_handshake(asio::ssl::stream_base::client, nothrow_awaitable);
  if (ec) co_return failed(HttpStep::Handshake, ec);
  co_return HttpResult<void>{};
}

}  // namespace

void Connection::close() {
  boost::system::error_code ignored;
  lowest().socket().close(ignored);
}

asio::awaitable<HttpResult<void>> connect(Connection& c, const HttpPeer& peer, Deadline deadline) {
  auto executor = co_await asio::this_coro::executor;
  c.plain.emplace(executor);
  if (!peer.unix_path.empty()) {
    c.plain->expires_at(deadline);
    generic_endpoint endpoint{asio::local::stream_protocol::endpoint(peer.unix_path)};
    auto [ec] = co_await c.plain->async_connect(endpoint, nothrow_awaitable);
    if (ec) co_return failed(HttpStep::Connect, ec);
    co_return HttpResult<void>{};
  }
  asio::ip::tcp::resolver resolver(executor);
  auto [rec, results] = co_await resolver.async_resolve(peer.host, peer.port, nothrow);
  if (rec) co_return failed(HttpStep::Resolve, rec);
  boost::system::error_code last = asio::error::host_not_found;
  for (const auto& entry : results) {
    c.plain->expires_at(deadline);
    auto [ec] =
        co_await c.plain->async_connect(generic_endpoint{entry.endpoint()}, nothrow_awaitable);
    if (!ec) {
      last = {};
      break;
    }
    last = ec;
    c.plain->close();
    // The deadline holds for the next address too, and a close() meant to stop us.
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted) break;
  }
  if (last) co_return failed(HttpStep::Connect, last);
  if (peer.tls != nullptr) co_return co_await handshake(c, peer, deadline);
  co_return HttpResult<void>{};
}

}  // namespace bridge::net::detail
