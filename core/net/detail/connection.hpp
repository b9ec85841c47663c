#pragma once
/// One client connection of the HTTP client: a plain stream, or TLS over it (internal).

#include "net/http_client.hpp"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>

namespace bridge::net::detail {

// One stream type for TCP and Unix sockets: the generic protocol takes either endpoint.
using PlainStream = boost::beast::basic_stream<boost::asio::generic::stream_protocol>;
using TlsStream = boost::beast::ssl_stream<PlainStream>;
using Deadline = std::chrono::steady_clock::time_point;

struct Connection {
  std::optional<PlainStream> plain;  // empty once `tls` wraps it
  std::optional<TlsStream> tls;

  PlainStream& lowest() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }
  void close();
};

/// A plain function: GCC 12 mishandles some braced temporaries in coroutine frames.
inline HttpFailure failed(HttpStep step, boost::system::error_code ec) {
  return HttpFailure{step, ec};
}

/// Resolves (TCP), connects (each address in turn) and, for TLS, handshakes with SNI and host
/// name verification, all before `deadline` (resolving is bounded by the caller's io_context).
boost::asio::awaitable<HttpResult<void>> connect(Connection& connection, const HttpPeer& peer,
                                                 Deadline deadline);

}  // namespace bridge::net::detail
