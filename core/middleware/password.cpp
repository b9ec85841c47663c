// htpasswd hashes. libxcrypt checks what crypt(3) knows; apr1 is Apache's own MD5-crypt
// (FreeBSD's algorithm with "$apr1$" as its magic), which no library here offers, so it is
// written out below from that algorithm over OpenSSL's MD5.
#include "middleware/detail/password.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <memory>

namespace bridge::middleware::detail {
namespace {

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

using Digest = std::array<unsigned char, 16>;

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_md5(), nullptr);
  }
  Md5& operator<<(std::string_view bytes) {
    EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size());
    return *this;
  }
  Md5& operator<<(const Digest& d) {
    return *this << std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  }
  Digest finish() {
    Digest out{};
    EVP_DigestFinal_ex(ctx_.get(), out.data(), nullptr);
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

constexpr std::string_view itoa64 =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void to64(std::string& out, unsigned long value, int count) {
  while (count-- > 0) {
    out += itoa64[value & 0x3f];
    value >>= 6;
  }
}

bool sha1_matches(std::string_view password, std::string_view expected_b64) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return same(std::string_view(reinterpret_cast<const char*>(encoded), static_cast<size_t>(n)),
              expected_b64);
}

}  // namespace

std::string apr1_crypt(std::string_view password, std::string_view setting) {
  constexpr std::string_view magic = "$apr1$";
  std::string_view salt = setting.substr(magic.size());
  salt = salt.substr(0, std::min(salt.find('$'), size_t{8}));
  Digest alternate = (Md5() << password << salt << password).finish();
  Md5 context;
  context << password << magic << salt;
  for (size_t left = password.size(); left > 0; left -= std::min(left, size_t{16}))
    context << std::string_view(reinterpret_cast<const char*>(alternate.data()),
                                std::min(left, size_t{16}));
  for (size_t bits = password.size(); bits != 0; bits >>= 1)
    context << ((bits & 1) != 0 ? std::string_view("\0", 1) : password.substr(0, 1));
  Digest final = context.finish();
  for (int round = 0; round < 1000; ++round) {
    Md5 step;
    if ((round & 1) != 0)
      step << password;
    else
      step << final;
    if (round % 3 != 0) step << salt;
    if (round % 7 != 0) step << password;
    if ((round & 1) != 0)
      step << final;
    else
      step << password;
    final = step.finish();
  }
  std::string out = std::string(magic) + std::string(salt) + "$";
  auto bytes = [&final](int a, int b, int c) {
    return (static_cast<unsigned long>(final[a]) << 16) |
           (static_cast<unsigned long>(final[b]) << 8) | final[c];
  };
  to64(out, bytes(0, 6, 12), 4);
  to64(out, bytes(1, 7, 13), 4);
  to64(out, bytes(2, 8, 14), 4);
  to64(out, bytes(3, 9, 15), 4);
  to64(out, bytes(4, 10, 5), 4);
  to64(out, final[11], 2);
  return out;
}

bool password_matches(std::string_view password, const std::string& hash) {
  if (hash.starts_with("{SHA}")) return sha1_matches(password, std::string_view(hash).substr(5));
  if (hash.starts_with("$apr1$")) return same(apr1_crypt(password, hash), hash);
  // crypt wants a NUL-terminated phrase; a password with a NUL in it matches nothing.
  if (password.find('\0') != std::string_view::npos) return false;
  const std::string phrase(password);
  auto data = std::make_unique<crypt_data>();
  // crypt_rn, not crypt_r: AddressSanitizer's runtime defines crypt_r itself, so a sanitized
  // link takes that one, drops libcrypt, and the interceptor has nothing to call. crypt_rn
  // (libxcrypt's) returns null where crypt_r returns a "*" failure token.
  const char* computed =
      crypt_rn(phrase.c_str(), hash.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  if (computed == nullptr || computed[0] == '*') return false;
  return same(computed, hash);
}

}  // namespace bridge::middleware::detail
