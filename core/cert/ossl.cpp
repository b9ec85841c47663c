// OpenSSL plumbing shared by the cert files: keys, PEM, hashes, encodings, time.
#include "cert/detail/ossl.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace bridge::cert::detail {

std::string openssl_error() {
  std::string out;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    // Keep only the reason: "error:0480006C:PEM routines::no start line" -> "no start line".
    std::string text = buf;
    auto pos = text.rfind(':');
    std::string reason = pos == std::string::npos ? text : text.substr(pos + 1);
    if (out.find(reason) == std::string::npos) out += (out.empty() ? "" : "; ") + reason;
  }
  return out;
}

Error ossl_failure(const std::string& what, std::string hint) {
  std::string reason = openssl_error();
  return Error::runtime(reason.empty() ? what : what + ": " + reason, std::move(hint));
}

Result<PkeyPtr> generate_ec_key() {
  PkeyPtr key{EVP_EC_gen("P-256")};
  if (!key) return ossl_failure("cannot generate an ECDSA P-256 key");
  return key;
}

Result<PkeyPtr> generate_rsa_key(int bits) {
  PkeyPtr key{EVP_RSA_gen(static_cast<unsigned>(bits))};
  if (!key) return ossl_failure("cannot generate an RSA key");
  return key;
}

namespace {
std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}
}  // namespace

std::string key_to_pem(EVP_PKEY* key) {
  BioPtr bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

std::string cert_to_pem(X509* cert) {
  BioPtr bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

Result<PkeyPtr> key_from_pem(std::string_view pem, const std::string& source) {
  BioPtr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  // No passphrase: OpenSSL's default callback would prompt on the terminal and wait, and
  // bridge reads keys unattended (startup, reload, renewal). An encrypted key is an error.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  PkeyPtr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr)};
  if (!key) {
    openssl_error();
    return Error::runtime(source + ": no PEM private key found",
                          "the file must hold a PEM \"PRIVATE KEY\" block (unencrypted)");
  }
  return key;
}

Result<std::vector<X509Ptr>> certs_from_pem(std::string_view pem, const std::string& source) {
  BioPtr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  unsigned long last = ERR_peek_last_error();
  bool clean_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  std::string reason = openssl_error();
  if (certs.empty()) {
    return Error::runtime(source + ": no PEM certificate found",
                          "the file must hold a PEM \"CERTIFICATE\" block");
  }
  if (!clean_end && !reason.empty()) {
    return Error::runtime(source + ": bad PEM certificate after block " +
                              std::to_string(certs.size()) + ": " + reason,
                          "check that the file is not truncated");
  }
  return certs;
}

Result<void> set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return ossl_failure("no randomness for a serial");
  bytes[0] &= 0x7f;  // positive
  bytes[0] |= 0x40;  // and never short
  std::unique_ptr<BIGNUM, Deleter<BN_free>> bn{BN_bin2bn(bytes, sizeof bytes, nullptr)};
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return ossl_failure("cannot set the serial number");
  }
  return {};
}

Result<void> add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  ExtPtr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str())};
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return ossl_failure(std::string("cannot add extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
  return {};
}

std::vector<unsigned char> sha256(std::string_view data) {
  std::vector<unsigned char> out(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  out.resize(len);
  return out;
}

std::string hex_colon(const std::vector<unsigned char>& bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char b : bytes) {
    if (!out.empty()) out += ':';
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string base64url(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string base64url(const std::vector<unsigned char>& data) {
  return base64url(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::time_t to_time_t(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

std::string format_time(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string name_to_string(const X509_NAME* name) {
  BioPtr bio{BIO_new(BIO_s_mem())};
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

std::string user_at_host() {
  std::string user = "user";
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr) user = pw->pw_name;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return user + "@" + (host[0] != '\0' ? host : "localhost");
}

}  // namespace bridge::cert::detail
