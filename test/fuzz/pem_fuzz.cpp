// Certificate inspection (core/cert): `bridge cert inspect FILE` on a PEM file, and the chain a
// TLS server sends to `bridge cert inspect HOST:PORT` (DER, parsed by OpenSSL), each described
// and verified against a local CA made once per process and the system store. PEM private
// keys (listener key files, the ACME account key) are read too.
//
// Input: PEM text when it holds "-----BEGIN", else a sequence of DER certificates.
#include "fuzz.hpp"

#include "cert/cert.hpp"
#include "cert/detail/inspect.hpp"
#include "cert/detail/ossl.hpp"
#include "temp_dir.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <string>

namespace {

using namespace bridge::cert;

struct Setup {
  bridge::test::TempDir dir;
  std::string ca_dir = dir / "ca";
  std::string pem_path = dir / "inspect.pem";
  Setup() {
    auto ca = ensure_ca(CaOptions{ca_dir, {}});
    if (!ca) bridge::fuzz::violated(ca.error().message.c_str(), __FILE__, __LINE__);
  }
};

void check_inspection(const Inspection& inspection, size_t chain_size) {
  BRIDGE_FUZZ_CHECK(inspection.chain.size() == chain_size);
  for (const CertInfo& info : inspection.chain) {
    // "AB:CD:..." for 32 bytes
    BRIDGE_FUZZ_CHECK(info.fingerprint_sha256.size() == 32 * 3 - 1);
    BRIDGE_FUZZ_CHECK(!info.key_type.empty());
  }
  BRIDGE_FUZZ_CHECK(inspection.system.checked);
  BRIDGE_FUZZ_CHECK(!inspection.system.message.empty());
}

std::vector<detail::X509Ptr> der_chain(std::string_view bytes) {
  std::vector<detail::X509Ptr> chain;
  auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end && chain.size() < 8) {
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(end - p));
    if (cert == nullptr) break;
    chain.emplace_back(cert);
  }
  ERR_clear_error();
  return chain;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Setup setup;
  std::string_view text = bridge::fuzz::as_text(data, size);
  if (text.find("-----BEGIN") != std::string_view::npos) {
    bridge::test::write_file(setup.pem_path, text);
    auto inspection = inspect_file(setup.pem_path, setup.ca_dir);
    if (inspection) {
      auto certs = detail::certs_from_pem(text, "fuzz");
      BRIDGE_FUZZ_CHECK(certs.has_value());
      check_inspection(*inspection, certs->size());
    }
    auto key = detail::key_from_pem(text, "fuzz");
    if (key) BRIDGE_FUZZ_CHECK(!detail::key_to_pem(key->get()).empty());
    ERR_clear_error();
    return 0;
  }
  auto chain = der_chain(text);
  if (chain.empty()) return 0;
  check_inspection(detail::inspect_chain("fuzz.test:443", chain, setup.ca_dir), chain.size());
  ERR_clear_error();
  return 0;
}
