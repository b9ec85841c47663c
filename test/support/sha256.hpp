#pragma once
/// SHA-256 (OpenSSL EVP) for comparing bodies that are too large to compare as strings.

#include <memory>
#include <string>
#include <string_view>

namespace bridge::test {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  /// Lowercase hex digest; call once.
  std::string hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(std::string_view bytes);
/// Digest of a file's content, streamed; "" when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace bridge::test
