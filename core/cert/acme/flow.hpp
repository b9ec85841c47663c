#pragma once
/// The steps of one ACME order, as coroutines on the obtain() io_context (internal).

#include "cert/acme.hpp"
#include "cert/acme/challenges.hpp"
#include "cert/acme/session.hpp"

namespace bridge::cert::acme::detail {

struct Flow {
  Session& session;
  const Options& options;
  const Progress& progress;
  Http01Responder* http = nullptr;       // set for http-01
  TlsAlpnResponder* tls_alpn = nullptr;  // set for tls-alpn-01
  std::chrono::steady_clock::time_point deadline;
  std::vector<std::string> published;  // tokens handed to options.http01_publish
  void say(const std::string& step) const {
    if (progress) progress(step);
  }
  /// HTTP-01 answered through options.http01_publish rather than a responder of our own.
  bool http01_hooked() const {
    return options.challenge == Challenge::Http01 && options.http01_publish != nullptr;
  }
};

/// newAccount with the key (200 = reused, 201 = created); sets the session's kid.
boost::asio::awaitable<Result<bool>> register_account(Flow& flow);
/// Every authorization of the order, validated concurrently; the first failure wins.
boost::asio::awaitable<Result<void>> validate_all(Flow& flow, std::vector<std::string> authz_urls);
/// Polls `url` (POST-as-GET) until its "status" leaves pending/processing or the deadline hits.
boost::asio::awaitable<Result<nlohmann::json>> poll_status(Flow& flow, std::string url,
                                                           std::string what);
/// The whole order from newOrder to the downloaded PEM chain; the key is generated here.
struct Issued {
  std::string chain_pem;
  cert::detail::PkeyPtr key;
};
boost::asio::awaitable<Result<Issued>> run_order(Flow& flow);

/// A DER CSR for `names` signed by `key`.
Result<std::string> make_csr(EVP_PKEY* key, const std::vector<std::string>& names);

}  // namespace bridge::cert::acme::detail
