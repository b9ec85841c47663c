#pragma once
/// The challenge responders bridge serves during an order: HTTP-01 and TLS-ALPN-01 (internal).

#include "cert/detail/ossl.hpp"
#include "common/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <map>
#include <memory>
#include <string>

namespace bridge::cert::acme::detail {

/// Opens a listening socket; the Error says which port and what to do when it is taken.
Result<boost::asio::ip::tcp::acceptor> listen_on(const boost::asio::any_io_executor& executor,
                                                 const std::string& address, uint16_t port,
                                                 const std::string& purpose);

/// Answers GET /.well-known/acme-challenge/TOKEN with the key authorization (RFC 8555 8.3).
class Http01Responder {
 public:
  using Tokens = std::map<std::string, std::string>;
  static Result<std::unique_ptr<Http01Responder>>
  start(const boost::asio::any_io_executor& executor, const std::string& address, uint16_t port);
  void add(const std::string& token, const std::string& key_authorization) {
    (*tokens_)[token] = key_authorization;
  }
  ~Http01Responder();

 private:
  explicit Http01Responder(boost::asio::ip::tcp::acceptor acceptor);
  std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<Tokens> tokens_ = std::make_shared<Tokens>();
};

/// Completes TLS handshakes for ALPN "acme-tls/1" with a per-name validation certificate that
/// carries the acmeIdentifier extension (RFC 8737).
class TlsAlpnResponder {
 public:
  struct Entry {
    cert::detail::X509Ptr cert;
    cert::detail::PkeyPtr key;
  };
  using Certs = std::map<std::string, Entry>;
  static Result<std::unique_ptr<TlsAlpnResponder>>
  start(const boost::asio::any_io_executor& executor, const std::string& address, uint16_t port);
  /// Makes and installs the validation certificate for `name`.
  Result<void> add(const std::string& name, const std::string& key_authorization);
  ~TlsAlpnResponder();

 private:
  TlsAlpnResponder(boost::asio::ip::tcp::acceptor acceptor);
  std::shared_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<Certs> certs_ = std::make_shared<Certs>();
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

/// The RFC 8737 validation certificate for `name` (exposed for unit tests).
Result<TlsAlpnResponder::Entry> make_alpn_certificate(const std::string& name,
                                                      const std::string& key_authorization);

}  // namespace bridge::cert::acme::detail
