// bridge cert inspect FILE: every certificate in a PEM file, verified against the local CA and
// the system store.
#include "cert/detail/inspect.hpp"
#include "cert/detail/ca.hpp"
#include "cert/detail/describe.hpp"

#include <filesystem>

namespace bridge::cert {

using namespace detail;

namespace detail {

Inspection inspect_chain(const std::string& source, const std::vector<X509Ptr>& chain,
                         const std::string& ca_dir_in) {
  Inspection out;
  out.source = source;
  std::time_t now = std::time(nullptr);
  for (const auto& c : chain) out.chain.push_back(describe(c.get(), now));

  std::string ca_dir = ca_dir_in;
  if (ca_dir.empty()) {
    if (auto d = default_ca_dir()) ca_dir = *d;
  }
  auto ca = ca_dir.empty() ? Result<CaInfo>(Error::runtime("no CA")) : load_ca(ca_dir);
  if (ca) {
    auto pem = read_text_file(ca->cert_path);
    auto certs =
        pem ? certs_from_pem(*pem, ca->cert_path) : Result<std::vector<X509Ptr>>(pem.error());
    if (certs) {
      StorePtr store{X509_STORE_new()};
      X509_STORE_add_cert(store.get(), certs->front().get());
      out.local_ca = verify_chain(chain, store.get());
    }
  } else {
    out.local_ca.message = "no local CA";
  }
  StorePtr system{X509_STORE_new()};
  X509_STORE_set_default_paths(system.get());
  out.system = verify_chain(chain, system.get());
  openssl_error();
  return out;
}

}  // namespace detail

Result<Inspection> inspect_file(const std::string& path, const std::string& ca_dir) {
  auto pem = read_text_file(path);
  if (!pem) return pem.error();
  auto certs = certs_from_pem(*pem, path);
  if (!certs) return certs.error();
  return inspect_chain(path, *certs, ca_dir);
}

Result<std::string> first_serial(const std::string& path) {
  auto pem = read_text_file(path);
  if (!pem) return pem.error();
  auto certs = certs_from_pem(*pem, path);
  if (!certs) return certs.error();
  return describe(certs->front().get(), std::time(nullptr)).serial;
}

}  // namespace bridge::cert
