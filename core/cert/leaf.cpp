// Leaf certificates: signed by the local CA (issue) or by themselves (self_signed).
#include "cert/detail/ca.hpp"
#include "cert/detail/ossl.hpp"
#include "common/text.hpp"

#include <filesystem>

namespace bridge::cert {

using namespace detail;

namespace {

Result<PkeyPtr> new_key(KeyType type) {
  return type == KeyType::Rsa ? generate_rsa_key(2048) : generate_ec_key();
}

std::string eku_value(bool client) { return client ? "serverAuth,clientAuth" : "serverAuth"; }

// mkcert leaves the CN empty: with IP-only SANs OpenSSL would check a CN against the CA's DNS
// constraints and fail; self-signed leaves have no constraints, so they carry the first name.
Result<X509Ptr> make_leaf(EVP_PKEY* key, const std::vector<Name>& names, const LeafOptions& opts,
                          X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert{X509_new()};
  X509_set_version(cert.get(), X509_VERSION_3);
  if (auto r = set_random_serial(cert.get()); !r) return r.error();
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string who = user_at_host();
  auto add = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("O", "bridge development certificate");
  add("OU", who);
  if (issuer == nullptr) add("CN", names.front().text.substr(0, 64));
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), opts.days, 0, nullptr);
  X509_set_pubkey(cert.get(), key);
  std::string usage = opts.key == KeyType::Rsa ? "critical,digitalSignature,keyEncipherment"
                                               : "critical,digitalSignature";
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:FALSE"}, {NID_key_usage, usage},
      {NID_ext_key_usage, eku_value(opts.client)},  {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, san_value(names)},
  };
  if (issuer != nullptr) exts.emplace_back(NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : exts) {
    if (auto r = add_ext(cert.get(), issuer, nid, value); !r) return r.error();
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) {
    return ossl_failure("cannot sign the certificate");
  }
  return cert;
}

// OpenSSL's own name-constraint check on a throwaway cert per name, so the rule that refuses
// a name here is exactly the one a TLS client applies.
Result<void> check_constraints(const LoadedCa& ca, const std::vector<Name>& names) {
  if (!ca.constraints) return {};
  for (const auto& n : names) {
    X509Ptr probe{X509_new()};
    if (auto r = add_ext(probe.get(), nullptr, NID_subject_alt_name, san_value({n})); !r) {
      return r.error();
    }
    X509_check_purpose(probe.get(), -1, 0);  // parses the SAN into the cert's cached fields
    if (NAME_CONSTRAINTS_check(probe.get(), ca.constraints.get()) != X509_V_OK) {
      return Error::usage("\"" + n.text + "\" is outside the local CA's name constraints (" +
                              "permitted: " + join(ca.info.permitted) + ")",
                          "recreate the CA with: rm -r " + ca.info.dir +
                              " && bridge cert ca --permit " + n.text +
                              "; or use: bridge cert self-signed " + n.text);
    }
  }
  return {};
}

Result<void> check_days(int days) {
  if (days < 1 || days > 3650) {
    return Error::usage("--days must be between 1 and 3650 (got " + std::to_string(days) + ")");
  }
  return {};
}

Result<Issued> write_leaf(X509* cert, EVP_PKEY* key, std::vector<Name> names,
                          const LeafOptions& opts) {
  std::string stem =
      opts.stem.empty() ? file_stem(names) + (opts.client ? "-client" : "") : opts.stem;
  std::string dir = opts.out_dir.empty() ? "." : opts.out_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error::runtime("output directory " + dir + " does not exist",
                          "create it first or pass another --out");
  }
  Issued out;
  out.cert_path = dir + "/" + stem + ".pem";
  out.key_path = dir + "/" + stem + "-key.pem";
  if (auto r = write_file_atomic(out.key_path, key_to_pem(key), 0600); !r) return r.error();
  if (auto r = write_file_atomic(out.cert_path, cert_to_pem(cert), 0644); !r) return r.error();
  out.names = std::move(names);
  out.not_after = to_time_t(X509_get0_notAfter(cert));
  return out;
}

}  // namespace

Result<Issued> issue(const LeafOptions& opts) {
  auto names = parse_names(opts.names);
  if (!names) return names.error();
  if (auto r = check_days(opts.days); !r) return r.error();
  std::string ca_dir = opts.ca_dir;
  if (ca_dir.empty()) {
    auto d = default_ca_dir();
    if (!d) return d.error();
    ca_dir = *d;
  }
  auto ensured = ensure_ca(CaOptions{ca_dir, {}});
  if (!ensured) return ensured.error();
  auto ca = load_ca_with_key(ca_dir);
  if (!ca) return ca.error();
  if (auto r = check_constraints(*ca, *names); !r) return r.error();
  auto key = new_key(opts.key);
  if (!key) return key.error();
  auto cert = make_leaf(key->get(), *names, opts, ca->cert.get(), ca->key.get());
  if (!cert) return cert.error();
  auto out = write_leaf(cert->get(), key->get(), std::move(*names), opts);
  if (!out) return out.error();
  out->ca_created = ensured->created;
  out->ca_dir = ca_dir;
  return out;
}

Result<Issued> self_signed(const LeafOptions& opts) {
  auto names = parse_names(opts.names);
  if (!names) return names.error();
  if (auto r = check_days(opts.days); !r) return r.error();
  auto key = new_key(opts.key);
  if (!key) return key.error();
  auto cert = make_leaf(key->get(), *names, opts, nullptr, nullptr);
  if (!cert) return cert.error();
  return write_leaf(cert->get(), key->get(), std::move(*names), opts);
}

}  // namespace bridge::cert
