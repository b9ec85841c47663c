// Certificate inspection (core/cert): the certificates of a PEM file as `bridge cert inspect
// FILE` reads them, and the chain a TLS server sends to `bridge cert inspect HOST:PORT` (DER,
// parsed by OpenSSL), each described and verified as inspect_chain does: against a local CA
// made once per process and against the system store. PEM private keys (listener key files,
// the ACME account key) are read too.
//
// The stores are built once: inspect_chain builds them per call, and loading the system
// bundle (~140 roots) would cap the harness at a few dozen inputs a second.
//
// Input: PEM text when it holds "-----BEGIN", else a sequence of DER certificates.
#include "fuzz.hpp"

#include "cert/cert.hpp"
#include "cert/detail/describe.hpp"
#include "cert/detail/ossl.hpp"
#include "temp_dir.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <string>

namespace {

using namespace bridge::cert;

struct Stores {
  bridge::test::TempDir dir;
  detail::StorePtr local_ca{X509_STORE_new()};
  detail::StorePtr system{X509_STORE_new()};
  Stores() {
    auto ca = ensure_ca(CaOptions{dir / "ca", {}});
    if (!ca) bridge::fuzz::violated(ca.error().message.c_str(), __FILE__, __LINE__);
    auto pem = read_text_file(ca->cert_path);
    auto certs = pem ? detail::certs_from_pem(*pem, ca->cert_path)
                     : bridge::Result<std::vector<detail::X509Ptr>>(pem.error());
    if (!certs) bridge::fuzz::violated("cannot read the local CA", __FILE__, __LINE__);
    X509_STORE_add_cert(local_ca.get(), certs->front().get());
    X509_STORE_set_default_paths(system.get());
  }
};

void inspect(const std::vector<detail::X509Ptr>& chain) {
  static const Stores stores;
  constexpr std::time_t now = 1'750'000'000;  // fixed: an input means the same every run
  for (const auto& cert : chain) {
    CertInfo info = detail::describe(cert.get(), now);
    BRIDGE_FUZZ_CHECK(info.fingerprint_sha256.size() == 32 * 3 - 1);  // "AB:CD:..."
    BRIDGE_FUZZ_CHECK(!info.key_type.empty());
  }
  for (X509_STORE* store : {stores.local_ca.get(), stores.system.get()}) {
    Verification v = detail::verify_chain(chain, store);
    BRIDGE_FUZZ_CHECK(v.checked && !v.message.empty());
  }
  ERR_clear_error();
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
  std::string_view text = bridge::fuzz::as_text(data, size);
  if (text.find("-----BEGIN") != std::string_view::npos) {
    if (auto certs = detail::certs_from_pem(text, "fuzz.pem")) inspect(*certs);
    if (auto key = detail::key_from_pem(text, "fuzz.pem")) {
      BRIDGE_FUZZ_CHECK(!detail::key_to_pem(key->get()).empty());
    }
    ERR_clear_error();
    return 0;
  }
  auto chain = der_chain(text);
  if (!chain.empty()) inspect(chain);
  return 0;
}
