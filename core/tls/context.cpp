// make_server_context: a listener's certificates, hardened and chosen by SNI.
#include "tls/detail/auto.hpp"
#include "tls/detail/sni.hpp"
#include "tls/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace bridge::tls {

namespace ssl = boost::asio::ssl;

namespace {

Result<std::vector<config::CertPair>> pairs_for(const config::Listener& listener,
                                                const TlsOptions& options) {
  const config::ListenerTls& tls = *listener.tls;
  std::vector<config::CertPair> pairs;
  if (tls.automatic == "local-ca") {
    auto pair = ensure_local_ca_cert(listener, options);
    if (!pair) return pair.error();
    pairs.push_back(*pair);
  } else if (tls.automatic == "acme") {
    return Error::config("listener \"" + listener.name +
                         "\": tls.auto = \"acme\" "
                         "certificates are obtained by `bridge up` and passed in tls.certs");
  } else if (!tls.automatic.empty()) {
    return Error::config("listener \"" + listener.name +
                         "\": tls.auto must be \"local-ca\" or "
                         "\"acme\" (got \"" +
                         tls.automatic + "\")");
  }
  pairs.insert(pairs.end(), tls.certs.begin(), tls.certs.end());
  if (pairs.empty()) {
    return Error::config("listener \"" + listener.name + "\" has tls but no certificate", {},
                         "set tls = { cert = \"a.pem\", key = \"a-key.pem\" } or "
                         "tls.auto = \"local-ca\"");
  }
  return pairs;
}

// mTLS: every SNI context asks for (or requires) a client certificate that chains to
// client_ca; OpenSSL keeps the verify mode of the context the handshake started on.
Result<void> require_client_certificates(const config::ListenerTls& tls,
                                         std::vector<std::shared_ptr<ssl::context>>& contexts) {
  if (tls.client_auth.empty()) return {};
  const std::string& ca = tls.client_ca;
  for (auto& ctx : contexts) {
    SSL_CTX* native = ctx->native_handle();
    if (SSL_CTX_load_verify_locations(native, ca.c_str(), nullptr) != 1) {
      ERR_clear_error();
      return Error::config(ca + ": cannot read client_ca (a PEM file of CA certificates)",
                           Origin{ca, 0, 0},
                           "point tls.client_ca at the CA that signs client certificates, e.g. "
                           "the local CA's ca.pem (bridge cert ca shows where it is)");
    }
    // The CA names go into the CertificateRequest, so clients pick the right certificate.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    ERR_clear_error();
    int mode = SSL_VERIFY_PEER;
    if (tls.client_auth == "require") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(native, mode, nullptr);
    // Resumed sessions keep the verified identity; OpenSSL refuses them without an id context.
    static constexpr unsigned char id_context[] = "bridge-mtls";
    SSL_CTX_set_session_id_context(native, id_context, sizeof id_context - 1);
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_context(const config::Listener& listener,
                                                          const TlsOptions& options) {
  if (!listener.tls) {
    return Error::config("listener \"" + listener.name + "\" has no tls section");
  }
  auto pairs = pairs_for(listener, options);
  if (!pairs) return pairs.error();
  auto table = std::make_shared<detail::SniTable>();
  for (const auto& pair : *pairs) {
    auto ctx = detail::load_pair(pair, listener);
    if (!ctx) return ctx.error();
    table->contexts.push_back(std::move(*ctx));
  }
  if (auto r = require_client_certificates(*listener.tls, table->contexts); !r) return r.error();
  table->install();
  // The returned pointer owns the whole table: the other contexts live as long as the front one.
  ssl::context* front = table->contexts.front().get();
  return std::shared_ptr<ssl::context>(table, front);
}

Result<void> check_listener_files(const config::Config& config) {
  for (const auto& listener : config.listeners) {
    if (!listener.tls || !listener.tls->automatic.empty()) continue;
    auto context = make_server_context(listener, {});
    if (context) continue;
    Error e = context.error();
    e.message = "listener \"" + listener.name + "\": " + e.message;
    // The message names the PEM file; point at the config line that names it.
    std::string owner = "listeners." + listener.name;
    e.where = {};
    for (const char* key : {".tls.cert", ".tls.certs", ".tls.client_ca", ""}) {
      if (e.where.has_position()) break;
      e.where = config.origin(owner + key);
    }
    e.source_line.clear();
    return e;
  }
  return {};
}

}  // namespace bridge::tls
