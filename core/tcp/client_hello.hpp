#pragma once
/// Reading a TLS ClientHello without terminating TLS: the server name (SNI) and the ALPN
/// protocols a client offers, for TCP routes that pass TLS through to their upstream. A byte
/// transformer with no sockets: the proxy peeks at the connection's first bytes and hands them
/// here until the answer is known (and fuzz/client_hello_fuzz feeds it anything).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::tcp {

/// What the first bytes of a connection say.
enum class HelloState : uint8_t {
  NeedMore,  // a ClientHello so far: peek again once more bytes have arrived
  NotTls,    // not a TLS handshake (a plain protocol: Postgres, Redis, HTTP)
  Invalid,   // a TLS record that does not hold a well-formed ClientHello
  Complete,  // the whole ClientHello was read
};

struct ClientHello {
  HelloState state = HelloState::NeedMore;
  std::string sni;                // the host_name, lowercase; "" when the client sent none
  std::vector<std::string> alpn;  // in the client's order
  std::string error;              // Invalid: what was wrong, for the log
  /// `alpn` as views, for route::RequestView.
  std::vector<std::string_view> alpn_views() const {
    return std::vector<std::string_view>(alpn.begin(), alpn.end());
  }
};

/// The most bytes a ClientHello may take (records and their headers): a handshake larger than
/// this is Invalid rather than waited for. Post-quantum key shares make them ~1.8 KiB today.
inline constexpr size_t max_client_hello_bytes = 16 * 1024;

/// Parses the first bytes of a connection. Reassembles a ClientHello split over several TLS
/// records; never reads past `bytes`.
ClientHello read_client_hello(std::span<const uint8_t> bytes);

}  // namespace bridge::tcp
