// What a certificate says: names, issuer, validity, key, fingerprint; and chain verification.
#include "cert/detail/describe.hpp"
#include "cert/detail/ca.hpp"
#include "common/text.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <arpa/inet.h>

namespace bridge::cert::detail {

namespace {

std::string key_type(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return "unknown";
  int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    size_t len = 0;
    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    std::string g = group;
    if (g == "prime256v1") g = "P-256";
    if (g == "secp384r1") g = "P-384";
    if (g == "secp521r1") g = "P-521";
    return "ECDSA " + (g.empty() ? std::to_string(bits) : g);
  }
  if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits);
  if (EVP_PKEY_is_a(key, "ED25519")) return "Ed25519";
  return std::string(EVP_PKEY_get0_type_name(key)) + " " + std::to_string(bits);
}

std::string serial_hex(X509* cert) {
  std::unique_ptr<BIGNUM, Deleter<BN_free>> bn{
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)};
  if (!bn) return "";
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex;
  OPENSSL_free(hex);
  return out;
}

std::vector<std::string> ext_key_usage(X509* cert) {
  std::vector<std::string> out;
  using EkuPtr = std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>>;
  EkuPtr eku{static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr))};
  if (!eku) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    out.emplace_back(OBJ_nid2sn(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i))));
  }
  return out;
}

}  // namespace

std::vector<std::string> sans_of(X509* cert) {
  std::vector<std::string> out;
  GeneralNamesPtr names{
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))};
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(s->data),
                                         static_cast<size_t>(s->length)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = n->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      if (s->length == 4 || s->length == 16) {
        inet_ntop(s->length == 4 ? AF_INET : AF_INET6, s->data, buf, sizeof buf);
      }
      out.push_back(std::string("IP:") + buf);
    } else if (n->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = n->d.rfc822Name;
      out.push_back("email:" + std::string(reinterpret_cast<const char*>(s->data),
                                           static_cast<size_t>(s->length)));
    }
  }
  return out;
}

CertInfo describe(X509* cert, std::time_t now) {
  CertInfo info;
  info.subject = name_to_string(X509_get_subject_name(cert));
  info.issuer = name_to_string(X509_get_issuer_name(cert));
  info.serial = serial_hex(cert);
  info.sans = sans_of(cert);
  info.key_usage = ext_key_usage(cert);
  info.not_before = to_time_t(X509_get0_notBefore(cert));
  info.not_after = to_time_t(X509_get0_notAfter(cert));
  info.days_left = static_cast<long>((info.not_after - now) / 86400);
  info.key_type = key_type(cert);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  info.fingerprint_sha256 = hex_colon(std::vector<unsigned char>(md, md + len));
  info.is_ca = X509_check_ca(cert) > 0;
  // Not X509_check_issued: it also demands keyCertSign, which a self-signed leaf lacks.
  info.self_signed = X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0 &&
                     X509_verify(cert, X509_get0_pubkey(cert)) == 1;
  openssl_error();
  NameConstraintsPtr nc{static_cast<NAME_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_name_constraints, nullptr, nullptr))};
  info.permitted = permitted_of(nc.get());
  return info;
}

Verification verify_chain(const std::vector<X509Ptr>& chain, X509_STORE* store) {
  Verification out;
  out.checked = true;
  struct FreeStack {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
  };
  std::unique_ptr<STACK_OF(X509), FreeStack> untrusted{sk_X509_new_null()};
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());
  StoreCtxPtr ctx{X509_STORE_CTX_new()};
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, chain.front().get(), untrusted.get()) != 1) {
    out.message = "cannot set up verification: " + openssl_error();
    return out;
  }
  out.ok = X509_verify_cert(ctx.get()) == 1;
  out.message = out.ok ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  openssl_error();
  return out;
}

Verification check_name(X509* leaf, const std::string& name) {
  Verification out;
  out.checked = true;
  auto parsed = parse_name(name);
  if (parsed && parsed->is_ip()) {
    out.ok = X509_check_ip_asc(leaf, name.c_str(), 0) == 1;
  } else {
    out.ok = X509_check_host(leaf, name.data(), name.size(), 0, nullptr) == 1;
  }
  openssl_error();
  if (out.ok) {
    out.message = "ok";
    return out;
  }
  std::string names = join(sans_of(leaf));
  out.message = "the certificate does not cover " + name + " (it names " +
                (names.empty() ? "nothing in subjectAltName" : names) + ")";
  return out;
}

}  // namespace bridge::cert::detail
