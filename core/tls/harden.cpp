// Protocol floor, cipher list and ALPN for HTTPS listeners.
#include "tls/detail/sni.hpp"

#include <openssl/ssl.h>

namespace bridge::tls::detail {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla "intermediate" (TLS 1.2 suites; TLS 1.3 suites are OpenSSL's defaults).
constexpr const char* cipher_list =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// bridge speaks HTTP/1.1 only: agree to it when offered, otherwise negotiate no protocol
// (a client offering only h2 then falls back, as RFC 7301 allows).
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<void> harden(ssl::context& ctx, const std::string& min_version) {
  int floor = TLS1_2_VERSION;
  if (min_version == "1.3") {
    floor = TLS1_3_VERSION;
  } else if (!min_version.empty() && min_version != "1.2") {
    return Error::config("tls.min_version must be \"1.2\" or \"1.3\" (got \"" + min_version +
                         "\")");
  }
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, floor);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, cipher_list) != 1) {
    return Error::runtime("this OpenSSL has none of the listener's cipher suites");
  }
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  return {};
}

}  // namespace bridge::tls::detail
