// TLS-ALPN-01 responder (RFC 8737): ALPN "acme-tls/1", a validation certificate per SNI name.
#include "cert/acme/challenges.hpp"
#include "cert/cert.hpp"
#include "common/spawn.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace cert::detail;
using net::nothrow;

namespace {

constexpr unsigned char acme_tls_alpn[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};

int select_acme_alpn(SSL*, const unsigned char** out, unsigned char* outlen,
                     const unsigned char* in, unsigned int inlen, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, acme_tls_alpn, sizeof acme_tls_alpn, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // RFC 8737: only acme-tls/1 is served here
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

int select_certificate(SSL* ssl, int*, void* arg) {
  const auto* certs = static_cast<const TlsAlpnResponder::Certs*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_ALERT_FATAL;
  auto it = certs->find(name);
  if (it == certs->end()) return SSL_TLSEXT_ERR_ALERT_FATAL;
  if (SSL_use_certificate(ssl, it->second.cert.get()) != 1 ||
      SSL_use_PrivateKey(ssl, it->second.key.get()) != 1) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

asio::awaitable<void> answer_tls_alpn(tcp::socket socket, std::shared_ptr<ssl::context> tls,
                                      std::shared_ptr<TlsAlpnResponder::Certs>) {
  ssl::stream<boost::beast::tcp_stream> stream{std::move(socket), *tls};
  boost::beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, nothrow);
  if (!ec) co_await stream.async_shutdown(nothrow);
}

asio::awaitable<void> accept_tls_alpn(std::shared_ptr<tcp::acceptor> acceptor,
                                      std::shared_ptr<ssl::context> tls,
                                      std::shared_ptr<TlsAlpnResponder::Certs> certs) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor->get_executor(), answer_tls_alpn(std::move(socket), tls, certs),
                   bridge::log_failure("ACME tls-alpn-01 answer"));
  }
}

}  // namespace

Result<TlsAlpnResponder::Entry> make_alpn_certificate(const std::string& name,
                                                      const std::string& key_authorization) {
  auto key = generate_ec_key();
  if (!key) return key.error();
  X509Ptr cert{X509_new()};
  X509_set_version(cert.get(), X509_VERSION_3);
  if (auto r = set_random_serial(cert.get()); !r) return r.error();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 60 * 60);
  X509_set_pubkey(cert.get(), key->get());
  auto parsed = parse_name(name);
  std::string san = parsed && parsed->is_ip() ? "IP:" + parsed->text : "DNS:" + name;
  if (auto r = add_ext(cert.get(), nullptr, NID_subject_alt_name, san); !r) return r.error();
  // acmeIdentifier (1.3.6.1.5.5.7.1.31), critical: the DER OCTET STRING of
  // SHA-256(key authorization).
  auto digest = sha256(key_authorization);
  std::vector<unsigned char> der = {0x04, static_cast<unsigned char>(digest.size())};
  der.insert(der.end(), digest.begin(), digest.end());
  std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>> oid{OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1)};
  std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>> value{
      ASN1_OCTET_STRING_new()};
  ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size()));
  ExtPtr ext{X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get())};
  if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
    return ossl_failure("cannot add the acmeIdentifier extension");
  }
  if (X509_sign(cert.get(), key->get(), EVP_sha256()) == 0) {
    return ossl_failure("cannot sign the TLS-ALPN-01 certificate");
  }
  return TlsAlpnResponder::Entry{std::move(cert), std::move(*key)};
}

TlsAlpnResponder::TlsAlpnResponder(tcp::acceptor acceptor)
    : acceptor_(std::make_shared<tcp::acceptor>(std::move(acceptor))),
      tls_(std::make_shared<ssl::context>(ssl::context::tls_server)) {}

TlsAlpnResponder::~TlsAlpnResponder() {
  boost::system::error_code ec;
  acceptor_->close(ec);
}

Result<std::unique_ptr<TlsAlpnResponder>>
TlsAlpnResponder::start(const asio::any_io_executor& executor, const std::string& address,
                        uint16_t port) {
  auto acceptor = listen_on(executor, address, port, "TLS-ALPN-01");
  if (!acceptor) return acceptor.error();
  std::unique_ptr<TlsAlpnResponder> r{new TlsAlpnResponder(std::move(*acceptor))};
  SSL_CTX* ctx = r->tls_->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_alpn_select_cb(ctx, select_acme_alpn, nullptr);
  // The servername callback runs before the certificate is chosen, in TLS 1.2 and 1.3 alike.
  SSL_CTX_set_tlsext_servername_callback(ctx, select_certificate);
  SSL_CTX_set_tlsext_servername_arg(ctx, r->certs_.get());
  asio::co_spawn(executor, accept_tls_alpn(r->acceptor_, r->tls_, r->certs_),
                 bridge::log_failure("ACME tls-alpn-01 listener"));
  return r;
}

Result<void> TlsAlpnResponder::add(const std::string& name, const std::string& key_authorization) {
  auto entry = make_alpn_certificate(name, key_authorization);
  if (!entry) return entry.error();
  (*certs_)[name] = std::move(*entry);
  return {};
}

}  // namespace bridge::cert::acme::detail
