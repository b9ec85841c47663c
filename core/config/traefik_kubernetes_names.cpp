// type = "kubernetes": the names Traefik gives what it builds from Kubernetes objects, the
// hashes in them and in Secrets, and the provenance values the providers are built of.
#include "config/detail/traefik_kubernetes.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace bridge::config::detail::kube {

namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

}  // namespace

std::string rule_key(std::string_view name, std::string_view rule) {
  // fmt.Sprintf("%s-%.10x", name, sha256(rule)): the precision counts input bytes.
  const std::string sum = digest(EVP_sha256(), rule);
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out(name);
  out += '-';
  for (size_t i = 0; i < 10 && i < sum.size(); ++i) {
    out += hex[static_cast<unsigned char>(sum[i]) >> 4];
    out += hex[static_cast<unsigned char>(sum[i]) & 15];
  }
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  // A Secret's data: standard base64 with padding; kubectl may wrap long values.
  std::string clean;
  for (char c : text)
    if (c != '\n' && c != '\r' && c != ' ') clean += c;
  out.clear();
  if (clean.size() % 4 != 0) return false;
  out.resize(clean.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the bytes the padding stands for; "=" only at the end.
  const size_t padding = clean.size() - std::min(clean.size(), clean.find_last_not_of('=') + 1);
  if (padding > 2 || clean.find('=') < clean.size() - padding) return false;
  out.resize(static_cast<size_t>(n) - padding);
  return true;
}

std::string sha1_htpasswd(std::string_view password) {
  return "{SHA}" + base64_encode(digest(EVP_sha1(), password));
}

}  // namespace bridge::config::detail::kube
