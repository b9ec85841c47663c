// Loading a listener's cert/key pair, with errors that name the file and the fix.
#include "cert/cert.hpp"
#include "tls/detail/sni.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

namespace bridge::tls::detail {

namespace ssl = boost::asio::ssl;

namespace {

Error file_error(const std::string& path, const std::string& message, const std::string& hint) {
  return Error::config(path + ": " + message, Origin{path, 0, 0}, hint);
}

}  // namespace

Result<std::shared_ptr<ssl::context>> load_pair(const config::CertPair& pair,
                                                const config::Listener& listener) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  if (auto r =
          harden(*ctx, listener.tls->min_version, listener.allows_http1(), listener.allows_h2());
      !r)
    return r.error();
  auto cert_pem = cert::read_text_file(pair.cert);
  if (!cert_pem)
    return file_error(pair.cert, "cannot read the certificate", cert_pem.error().message);
  auto key_pem = cert::read_text_file(pair.key);
  if (!key_pem) return file_error(pair.key, "cannot read the key", key_pem.error().message);
  boost::system::error_code ec;
  if (cert_pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return file_error(pair.cert, "no PEM certificate found",
                      "tls.cert must be a PEM file with a CERTIFICATE block (leaf first)");
  }
  ctx->use_certificate_chain(boost::asio::buffer(*cert_pem), ec);
  if (ec) {
    return file_error(pair.cert, "bad PEM certificate (" + ec.message() + ")",
                      "check that the file is complete");
  }
  // Parsed here rather than by use_private_key, which reports a mismatch as a parse failure.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())), &BIO_free};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free};
  if (!key) {
    ERR_clear_error();
    return file_error(pair.key, "no usable PEM private key",
                      "tls.key must be the unencrypted PEM key of tls.cert");
  }
  if (X509_check_private_key(SSL_CTX_get0_certificate(ctx->native_handle()), key.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx->native_handle(), key.get()) != 1) {
    ERR_clear_error();
    return file_error(pair.key, "this key does not belong to the certificate in " + pair.cert,
                      "pair each cert with the key it was issued for");
  }
  return ctx;
}

}  // namespace bridge::tls::detail
