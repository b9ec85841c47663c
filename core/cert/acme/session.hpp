#pragma once
/// One ACME conversation: directory, nonces, signed POSTs, problem documents (internal).

#include "cert/acme/documents.hpp"
#include "cert/acme/https.hpp"
#include "cert/acme/jws.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace bridge::cert::acme::detail {

struct Response {
  Reply reply;
  nlohmann::json json;  // parsed body when it is JSON, else null
};

class Session {
 public:
  Session(boost::asio::ssl::context& tls, AccountKey& key, std::chrono::seconds request_timeout)
      : tls_(tls), key_(key), timeout_(request_timeout) {}

  boost::asio::awaitable<Result<void>> load_directory(std::string url);
  /// POST a JWS to `url`; nullopt payload = POST-as-GET. Retries badNonce with the fresh nonce.
  /// An ACME problem document becomes an Error "TYPE: DETAIL".
  boost::asio::awaitable<Result<Response>> post(std::string url,
                                                std::optional<nlohmann::json> payload);

  const Directory& directory() const { return directory_; }
  void set_kid(std::string kid) { kid_ = std::move(kid); }
  const std::string& kid() const { return kid_; }
  const AccountKey& key() const { return key_; }
  int bad_nonce_retries() const { return bad_nonce_retries_; }

 private:
  boost::asio::awaitable<Result<std::string>> next_nonce();
  void keep_nonce(const Reply& reply);

  boost::asio::ssl::context& tls_;
  AccountKey& key_;
  std::chrono::seconds timeout_;
  Directory directory_;
  std::string kid_;
  std::vector<std::string> nonces_;
  int bad_nonce_retries_ = 0;
};

}  // namespace bridge::cert::acme::detail
