#pragma once
/// The PROXY protocol (haproxy's, versions 1 and 2): a header a load balancer puts before a
/// connection's first byte to say whom it came from. bridge reads it from trusted peers
/// (listeners[].proxy_protocol) and writes it to upstreams that ask for it
/// (upstreams[].proxy_protocol). Bytes only: no sockets (the proxy peeks and consumes).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace bridge::tcp {

/// Whom a connection came from and what it was addressed to. `local`: a v2 LOCAL header (a
/// health check from the balancer itself) or v1 UNKNOWN: keep the socket's own addresses.
struct ProxyAddresses {
  bool local = false;
  std::string source_ip, destination_ip;  // textual, as inet_ntop writes them
  uint16_t source_port = 0, destination_port = 0;
};

enum class ProxyHeaderState : uint8_t {
  None,      // the bytes do not start with a PROXY header (v1 "PROXY " or the v2 signature)
  NeedMore,  // the start of one: peek again once more bytes have arrived
  Invalid,   // a malformed header
  Complete,  // `length` bytes of header, then the connection's own bytes
};

struct ProxyHeader {
  ProxyHeaderState state = ProxyHeaderState::NeedMore;
  size_t length = 0;  // Complete: bytes the header took
  int version = 0;    // 1 or 2
  ProxyAddresses addresses;
  std::string error;  // Invalid: what was wrong
};

/// v1 is at most 107 bytes; v2 is 16 bytes and what its length field says, which bridge caps.
inline constexpr size_t max_proxy_header_bytes = 16 + 1024;

/// Parses a PROXY header (v1 or v2) at the start of `bytes`.
ProxyHeader read_proxy_header(std::span<const uint8_t> bytes);

/// The header that tells an upstream about `addresses` ("PROXY TCP4 ...\r\n" for version 1,
/// the binary form for 2). Both addresses must be of one family.
std::string write_proxy_header(int version, const ProxyAddresses& addresses);

}  // namespace bridge::tcp
