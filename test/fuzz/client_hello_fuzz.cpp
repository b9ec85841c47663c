// The TLS ClientHello reader (core/tcp) that TLS passthrough routes on: any first bytes of a
// connection. Invariants: a verdict on the whole input is never undone by a prefix (a prefix
// of a Complete hello only ever needs more, or is refused the same way), a Complete hello's
// SNI is lowercase printable ASCII, and the TCP rule matchers take what it found.
#include "fuzz.hpp"

#include "route/route.hpp"
#include "tcp/client_hello.hpp"

#include <span>

namespace {

using namespace bridge;

const route::Rule& rule() {
  static const auto parsed =
      route::Rule::parse("HostSNI(`db.localhost`) || HostSNIRegexp(`^[a-z]+\\.localhost$`) || "
                         "ALPN(`h2`) || HostSNI(`*.example.com`)",
                         route::Language::Tcp);
  if (!parsed) fuzz::violated("the harness's rule does not parse", __FILE__, __LINE__);
  return *parsed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  tcp::ClientHello hello = tcp::read_client_hello(bytes);
  BRIDGE_FUZZ_CHECK(hello.state != tcp::HelloState::Invalid || !hello.error.empty());
  if (hello.state == tcp::HelloState::Complete) {
    for (char c : hello.sni) BRIDGE_FUZZ_CHECK(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'));
    for (const auto& p : hello.alpn) BRIDGE_FUZZ_CHECK(!p.empty());
    // What a peek would have seen earlier: never Complete with another answer.
    for (size_t n : {size / 2, size > 0 ? size - 1 : 0}) {
      tcp::ClientHello early = tcp::read_client_hello(bytes.first(n));
      BRIDGE_FUZZ_CHECK(early.state != tcp::HelloState::NotTls || n == 0 || size == 0);
      if (early.state == tcp::HelloState::Complete) BRIDGE_FUZZ_CHECK(early.sni == hello.sni);
    }
    route::RequestView view;
    view.sni = hello.sni;
    auto alpn = hello.alpn_views();
    view.alpn = alpn;
    (void)rule().matches(view);
    (void)route::explain(rule(), view);
  }
  return 0;
}
