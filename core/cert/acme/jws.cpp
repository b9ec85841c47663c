// JWS for ACME: ES256 signatures, the JWK and its thumbprint.
#include "cert/acme/jws.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>

namespace bridge::cert::acme::detail {

using namespace cert::detail;

namespace {

nlohmann::json make_jwk(EVP_PKEY* key) {
  unsigned char point[65] = {};
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
  // Uncompressed point: 0x04 || X (32) || Y (32).
  std::string x(reinterpret_cast<const char*>(point + 1), 32);
  std::string y(reinterpret_cast<const char*>(point + 33), 32);
  // Members in lexicographic order, as the RFC 7638 thumbprint requires.
  return {{"crv", "P-256"}, {"kty", "EC"}, {"x", base64url(x)}, {"y", base64url(y)}};
}

}  // namespace

AccountKey::AccountKey(PkeyPtr key) : key_(std::move(key)) {
  jwk_ = make_jwk(key_.get());
  thumbprint_ = base64url(sha256(jwk_.dump()));
}

Result<std::string> es256(EVP_PKEY* key, std::string_view data) {
  MdCtxPtr ctx{EVP_MD_CTX_new()};
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1) {
    return ossl_failure("cannot sign the ACME request");
  }
  std::vector<unsigned char> der(len);
  if (EVP_DigestSign(ctx.get(), der.data(), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return ossl_failure("cannot sign the ACME request");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>> sig{
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len))};
  if (!sig) return ossl_failure("cannot decode the ECDSA signature");
  unsigned char raw[64];
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32) {
    return ossl_failure("cannot encode the ECDSA signature");
  }
  return std::string(reinterpret_cast<const char*>(raw), sizeof raw);
}

Result<std::string> AccountKey::sign(const std::string& url, const std::string& nonce,
                                     const std::string& kid,
                                     const std::optional<nlohmann::json>& payload) const {
  nlohmann::json header = {{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (kid.empty()) {
    header["jwk"] = jwk_;
  } else {
    header["kid"] = kid;
  }
  std::string protected64, payload64;
  // The URL and kid come from the server's Location headers, the payload from the command
  // line: bytes that are not UTF-8 make dump() throw.
  try {
    protected64 = base64url(header.dump());
    payload64 = payload ? base64url(payload->dump()) : "";
  } catch (const nlohmann::json::exception&) {
    return Error::runtime("cannot sign the ACME request: its URL, account URL or payload is "
                          "not UTF-8",
                          "the ACME server sent a Location that is not UTF-8, or a name or "
                          "--email is not");
  }
  auto sig = es256(key_.get(), protected64 + "." + payload64);
  if (!sig) return sig.error();
  nlohmann::json jws = {
      {"protected", protected64}, {"payload", payload64}, {"signature", base64url(*sig)}};
  return jws.dump();
}

}  // namespace bridge::cert::acme::detail
