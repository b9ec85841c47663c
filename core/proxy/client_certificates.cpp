// A verified client certificate chain taken apart with OpenSSL into the plain fields
// passTLSClientCert formats: base64 DER, name attributes by short name, serial, validity and
// subject alternative names (grouped as Go's x509 groups them: DNS, e-mail, IP, URI).
#include "proxy/detail/client_certificates.hpp"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <ctime>

namespace bridge::proxy {

namespace {

std::string utf8(const ASN1_STRING* data) {
  unsigned char* out = nullptr;
  const int n = ASN1_STRING_to_UTF8(&out, data);
  if (n < 0) return {};
  std::string text(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return text;
}

std::vector<std::pair<std::string, std::string>> name_of(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const char* short_name = nid == NID_undef ? nullptr : OBJ_nid2sn(nid);
    if (short_name == nullptr) continue;
    out.emplace_back(short_name, utf8(X509_NAME_ENTRY_get_data(entry)));
  }
  return out;
}

int64_t unix_seconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string decimal_serial(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return {};
  char* text = BN_bn2dec(bn);
  std::string out = text != nullptr ? text : "";
  OPENSSL_free(text);
  BN_free(bn);
  return out;
}

std::vector<std::string> sans_of(X509* cert) {
  std::vector<std::string> dns, email, ip, uri;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) dns.push_back(utf8(name->d.dNSName));
    if (name->type == GEN_EMAIL) email.push_back(utf8(name->d.rfc822Name));
    if (name->type == GEN_URI) uri.push_back(utf8(name->d.uniformResourceIdentifier));
    if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* bytes = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      const int family = bytes->length == 4 ? AF_INET : bytes->length == 16 ? AF_INET6 : 0;
      if (family != 0 && inet_ntop(family, bytes->data, text, sizeof text) != nullptr)
        ip.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  for (auto* group : {&email, &ip, &uri}) dns.insert(dns.end(), group->begin(), group->end());
  return dns;
}

middleware::ClientCertificate read_certificate(X509* cert) {
  middleware::ClientCertificate out;
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert, &der);
  if (size > 0) {
    out.pem.resize(4 * ((static_cast<size_t>(size) + 2) / 3));
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.pem.data()), der, size);
    out.pem.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  OPENSSL_free(der);
  out.subject = name_of(X509_get_subject_name(cert));
  out.issuer = name_of(X509_get_issuer_name(cert));
  out.serial = decimal_serial(cert);
  out.not_before = unix_seconds(X509_get0_notBefore(cert));
  out.not_after = unix_seconds(X509_get0_notAfter(cert));
  out.sans = sans_of(cert);
  return out;
}

}  // namespace

std::shared_ptr<const middleware::ClientCertificates> verified_client_certificates(SSL* ssl) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return nullptr;
  auto out = std::make_shared<middleware::ClientCertificates>();
  out->push_back(read_certificate(leaf));
  // On a server the chain the client sent leaves out its own certificate.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    if (X509_cmp(cert, leaf) != 0) out->push_back(read_certificate(cert));
  }
  return out;
}

}  // namespace bridge::proxy
