// make_server_context: a listener's certificates, hardened and chosen by SNI.
#include "tls/detail/auto.hpp"
#include "tls/detail/sni.hpp"
#include "tls/tls.hpp"

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
    return Error::config("listener \"" + listener.name + "\": tls.auto = \"acme\" "
                         "certificates are obtained by `bridge up` and passed in tls.certs");
  } else if (!tls.automatic.empty()) {
    return Error::config("listener \"" + listener.name + "\": tls.auto must be \"local-ca\" or "
                         "\"acme\" (got \"" + tls.automatic + "\")");
  }
  pairs.insert(pairs.end(), tls.certs.begin(), tls.certs.end());
  if (pairs.empty()) {
    return Error::config("listener \"" + listener.name + "\" has tls but no certificate",
                         {}, "set tls = { cert = \"a.pem\", key = \"a-key.pem\" } or "
                             "tls.auto = \"local-ca\"");
  }
  return pairs;
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
    auto ctx = detail::load_pair(pair, listener.tls->min_version);
    if (!ctx) return ctx.error();
    table->contexts.push_back(std::move(*ctx));
  }
  table->install();
  // The returned pointer owns the whole table: the other contexts live as long as the front one.
  ssl::context* front = table->contexts.front().get();
  return std::shared_ptr<ssl::context>(table, front);
}

}  // namespace bridge::tls
