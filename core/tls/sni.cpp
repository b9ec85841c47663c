// SNI: hand the connection to the context whose certificate covers the requested name.
#include "tls/detail/sni.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>

namespace bridge::tls::detail {

namespace {

int choose_by_name(SSL* ssl, int*, void* arg) {
  const auto* table = static_cast<const SniTable*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr || table->contexts.size() < 2) return SSL_TLSEXT_ERR_OK;
  for (const auto& ctx : table->contexts) {
    X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
    // X509_check_host applies the RFC 6125 rules, wildcards included.
    if (cert != nullptr && X509_check_host(cert, name, std::strlen(name), 0, nullptr) == 1) {
      if (ctx.get() != table->contexts.front().get()) SSL_set_SSL_CTX(ssl, ctx->native_handle());
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_OK;  // unknown name: keep the default certificate
}

}  // namespace

void SniTable::install() {
  SSL_CTX* front = contexts.front()->native_handle();
  SSL_CTX_set_tlsext_servername_callback(front, choose_by_name);
  SSL_CTX_set_tlsext_servername_arg(front, this);
}

}  // namespace bridge::tls::detail
