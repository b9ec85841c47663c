#pragma once
/// The account key and RFC 7515 JWS signing with ES256 (internal to acme/).

#include "cert/detail/ossl.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace bridge::cert::acme::detail {

class AccountKey {
 public:
  explicit AccountKey(cert::detail::PkeyPtr key);
  /// {"crv":"P-256","kty":"EC","x":...,"y":...}
  const nlohmann::json& jwk() const { return jwk_; }
  /// RFC 7638 thumbprint, base64url.
  const std::string& thumbprint() const { return thumbprint_; }
  EVP_PKEY* key() const { return key_.get(); }
  /// Flattened JWS. `kid` empty means embed the JWK (newAccount). `payload` nullopt means
  /// POST-as-GET (empty payload).
  Result<std::string> sign(const std::string& url, const std::string& nonce, const std::string& kid,
                           const std::optional<nlohmann::json>& payload) const;

 private:
  cert::detail::PkeyPtr key_;
  nlohmann::json jwk_;
  std::string thumbprint_;
};

/// ES256 over `data`: the raw 64-byte r||s that JWS wants (not DER).
Result<std::string> es256(EVP_PKEY* key, std::string_view data);

}  // namespace bridge::cert::acme::detail
