// The local CA: ECDSA P-256, 10 years, pathlen 0, name-constrained to development names.
#include "cert/detail/ca.hpp"

#include <algorithm>
#include <filesystem>

namespace bridge::cert {

using namespace detail;

namespace {

constexpr long ca_days = 3650;

std::string cert_file(const std::string& dir) { return dir + "/ca.pem"; }
std::string key_file(const std::string& dir) { return dir + "/ca-key.pem"; }

Result<std::string> constraints_config(const std::vector<std::string>& permitted) {
  std::string value = "critical";
  for (const auto& entry : permitted) {
    auto c = permitted_config(entry);
    if (!c) return c.error();
    value += "," + *c;
  }
  return value;
}

Result<X509Ptr> make_ca_cert(EVP_PKEY* key, const std::vector<std::string>& permitted) {
  X509Ptr cert{X509_new()};
  X509_set_version(cert.get(), X509_VERSION_3);
  if (auto r = set_random_serial(cert.get()); !r) return r.error();
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string who = user_at_host();
  std::string cn = "bridge local CA " + who;
  auto add = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("O", "bridge development CA");
  add("OU", who);
  add("CN", cn.substr(0, 64));
  X509_set_issuer_name(cert.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), ca_days, 0, nullptr);
  X509_set_pubkey(cert.get(), key);
  auto nc = constraints_config(permitted);
  if (!nc) return nc.error();
  for (auto [nid, value] :
       {std::pair{NID_basic_constraints, std::string("critical,CA:TRUE,pathlen:0")},
        std::pair{NID_key_usage, std::string("critical,keyCertSign,cRLSign")},
        std::pair{NID_subject_key_identifier, std::string("hash")},
        std::pair{NID_name_constraints, *nc}}) {
    if (auto r = add_ext(cert.get(), nullptr, nid, value); !r) return r.error();
  }
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return ossl_failure("cannot sign the CA");
  return cert;
}

Result<CaInfo> create_ca(const std::string& dir, const std::vector<std::string>& permit,
                         bool force) {
  std::vector<std::string> permitted = default_permitted();
  for (const auto& p : permit) {
    auto normal = normalise_permit(p);
    if (!normal) return normal.error();
    if (auto scope = check_permit_scope(*normal, force); !scope) return scope.error();
    if (std::find(permitted.begin(), permitted.end(), *normal) == permitted.end()) {
      permitted.push_back(*normal);
    }
  }
  if (auto r = make_private_dir(dir); !r) return r.error();
  auto key = generate_ec_key();
  if (!key) return key.error();
  auto cert = make_ca_cert(key->get(), permitted);
  if (!cert) return cert.error();
  // Key first: a cert without its key is useless, a key without a cert is simply re-made.
  if (auto r = write_file_atomic(key_file(dir), key_to_pem(key->get()), 0600); !r) return r.error();
  if (auto r = write_file_atomic(cert_file(dir), cert_to_pem(cert->get()), 0644); !r) {
    return r.error();
  }
  CaInfo info;
  info.dir = dir;
  describe_ca(cert->get(), info);
  info.created = true;
  return info;
}

}  // namespace

const std::vector<std::string>& default_permitted() {
  static const std::vector<std::string> names = {"localhost",   ".localhost", ".test",
                                                 ".local",      ".internal",  ".home.arpa",
                                                 "127.0.0.0/8", "::1/128"};
  return names;
}

namespace detail {

void describe_ca(X509* cert, CaInfo& info) {
  info.cert_path = cert_file(info.dir);
  info.key_path = key_file(info.dir);
  info.subject = name_to_string(X509_get_subject_name(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  info.fingerprint_sha256 = hex_colon(std::vector<unsigned char>(md, md + len));
  info.not_before = to_time_t(X509_get0_notBefore(cert));
  info.not_after = to_time_t(X509_get0_notAfter(cert));
  NameConstraintsPtr nc{static_cast<NAME_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_name_constraints, nullptr, nullptr))};
  info.permitted = permitted_of(nc.get());
}

Result<LoadedCa> load_ca_with_key(const std::string& dir) {
  auto ca = load_ca(dir);
  if (!ca) return ca.error();
  auto cert_pem = read_text_file(ca->cert_path);
  if (!cert_pem) return cert_pem.error();
  auto certs = certs_from_pem(*cert_pem, ca->cert_path);
  if (!certs) return certs.error();
  auto key_pem = read_text_file(ca->key_path);
  if (!key_pem) {
    return Error::runtime(key_pem.error().message,
                          "the CA key is missing; remove " + dir + " and run: bridge cert ca");
  }
  auto key = key_from_pem(*key_pem, ca->key_path);
  if (!key) return key.error();
  LoadedCa out{*ca, std::move(certs->front()), std::move(*key), nullptr};
  if (X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    openssl_error();
    return Error::runtime(ca->key_path + " does not belong to " + ca->cert_path,
                          "remove " + dir + " and run: bridge cert ca");
  }
  out.constraints.reset(static_cast<NAME_CONSTRAINTS*>(
      X509_get_ext_d2i(out.cert.get(), NID_name_constraints, nullptr, nullptr)));
  return out;
}

}  // namespace detail

Result<CaInfo> load_ca(const std::string& dir_in) {
  std::string dir = dir_in;
  if (dir.empty()) {
    auto d = default_ca_dir();
    if (!d) return d.error();
    dir = *d;
  }
  if (!std::filesystem::exists(cert_file(dir))) {
    return Error::runtime("no local CA in " + dir, "create it with: bridge cert ca");
  }
  auto pem = read_text_file(cert_file(dir));
  if (!pem) return pem.error();
  auto certs = certs_from_pem(*pem, cert_file(dir));
  if (!certs) return certs.error();
  CaInfo info;
  info.dir = dir;
  describe_ca(certs->front().get(), info);
  return info;
}

Result<CaInfo> ensure_ca(const CaOptions& options) {
  std::string dir = options.dir;
  if (dir.empty()) {
    auto d = default_ca_dir();
    if (!d) return d.error();
    dir = *d;
  }
  if (!std::filesystem::exists(cert_file(dir))) {
    return create_ca(dir, options.permit, options.force);
  }
  auto info = load_ca(dir);
  if (!info) return info.error();
  for (const auto& p : options.permit) {
    auto normal = normalise_permit(p);
    if (!normal) return normal.error();
    if (std::find(info->permitted.begin(), info->permitted.end(), *normal) ==
        info->permitted.end()) {
      return Error::usage("the local CA in " + dir + " does not permit \"" + *normal +
                              "\"; name constraints are fixed when the CA is created",
                          "remove " + dir + " and run: bridge cert ca --permit " + *normal +
                              " (then run bridge cert trust again)");
    }
  }
  return info;
}

}  // namespace bridge::cert
