// The PROXY protocol header reader (core/tcp) that trusted listeners run on a connection's
// first bytes. Invariants: a Complete header never claims more bytes than it was given, and
// its addresses, written again by bridge (v1 and v2), read back the same.
#include "fuzz.hpp"

#include "tcp/proxy_protocol.hpp"

#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bridge::tcp;
  ProxyHeader h = read_proxy_header(std::span<const uint8_t>(data, size));
  BRIDGE_FUZZ_CHECK(h.state != ProxyHeaderState::Invalid || !h.error.empty());
  if (h.state != ProxyHeaderState::Complete) return 0;
  BRIDGE_FUZZ_CHECK(h.length > 0 && h.length <= size && h.length <= max_proxy_header_bytes);
  if (h.addresses.local) return 0;
  for (int version : {1, 2}) {
    std::string again = write_proxy_header(version, h.addresses);
    ProxyHeader back = read_proxy_header(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(again.data()), again.size()));
    BRIDGE_FUZZ_CHECK(back.state == ProxyHeaderState::Complete);
    BRIDGE_FUZZ_CHECK(back.length == again.size());
    BRIDGE_FUZZ_CHECK(back.addresses.source_ip == h.addresses.source_ip);
    BRIDGE_FUZZ_CHECK(back.addresses.destination_ip == h.addresses.destination_ip);
    BRIDGE_FUZZ_CHECK(back.addresses.source_port == h.addresses.source_port);
    BRIDGE_FUZZ_CHECK(back.addresses.destination_port == h.addresses.destination_port);
  }
  return 0;
}
