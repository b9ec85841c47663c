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

// What the listener speaks, in bridge's order of preference (RFC 7301 wire format).
constexpr unsigned char h2_then_http11[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char http11_only[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned char h2_only[] = {2, 'h', '2'};

struct Offer {
  const unsigned char* protocols;
  unsigned int size;
};
constexpr Offer offers[] = {{h2_then_http11, sizeof h2_then_http11},
                            {http11_only, sizeof http11_only},
                            {h2_only, sizeof h2_only}};

// The first of the listener's protocols that the client offers; with none in common, no
// protocol is negotiated (the client falls back to HTTP/1.1, as RFC 7301 allows).
int select_protocol(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                    unsigned int inlen, void* arg) {
  const auto* offer = static_cast<const Offer*>(arg);
  unsigned char* selected = nullptr;
  // SSL_select_next_proto prefers the order of its first list: the server's.
  if (SSL_select_next_proto(&selected, outlen, offer->protocols, offer->size, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<void> harden(ssl::context& ctx, const std::string& min_version, bool http1, bool h2) {
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
  const Offer* offer = &offers[1];
  if (h2) offer = http1 ? &offers[0] : &offers[2];
  SSL_CTX_set_alpn_select_cb(native, select_protocol, const_cast<Offer*>(offer));
  return {};
}

}  // namespace bridge::tls::detail
