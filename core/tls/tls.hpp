#pragma once
/// bridge::tls: OpenSSL server contexts for HTTPS listeners. Build the context once per
/// listener at startup (or reload) on any thread; the context is then shared read-only by every
/// worker that accepts on that listener.
///
///   auto ctx = tls::make_server_context(listener, {});   // Result<shared_ptr<ssl::context>>
///   if (!ctx) return ctx.error();                         // "cert.pem: no PEM certificate found"
///   ssl::stream<tcp_stream> tls_stream{std::move(socket), **ctx};

#include "common/error.hpp"
#include "config/config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace bridge::tls {

struct TlsOptions {
  std::string ca_dir;    // local CA for tls.auto = "local-ca"; empty = $XDG_DATA_HOME/bridge/ca
  std::string auto_dir;  // where automatic leaves live; empty = $XDG_DATA_HOME/bridge/listeners
  std::chrono::hours renew_before{24 * 30};  // re-issue local-CA leaves this close to expiry
};

/// A server context for `listener` (which must have `tls`): TLS 1.2+ (or `min_version`), the
/// Mozilla "intermediate" cipher list, ALPN http/1.1, and every certificate in `tls.certs` chosen
/// by SNI (a client without SNI, or with an unknown name, gets the first). With tls.auto =
/// "local-ca" the leaf from ensure_local_ca_cert() is added first. tls.auto = "acme" is not
/// handled here: `bridge up` obtains those certificates in the background and passes them in
/// `tls.certs` (core/tls/acme_listeners.cpp). Errors name the file ("a.pem: ...").
Result<std::shared_ptr<boost::asio::ssl::context>>
make_server_context(const config::Listener& listener, const TlsOptions& options);

/// What `bridge config check` reads beyond the TOML: each HTTPS listener's certificates, keys
/// and client CA, loaded exactly as `bridge up` loads them, so a check that passes means the
/// files will load. Listeners with tls.auto are skipped (bridge up makes their certificates).
/// Errors say `listener "NAME": FILE: ...` and point at the listener's tls line.
Result<void> check_listener_files(const config::Config& config);

/// tls.auto = "local-ca": a leaf for `listener.hosts` (localhost when empty) from the local CA
/// (created if missing), kept at AUTO_DIR/<listener name>.pem and re-issued when the names
/// change, the CA changes, or it is within `renew_before` of expiry. Blocking; startup only.
Result<config::CertPair> ensure_local_ca_cert(const config::Listener& listener,
                                              const TlsOptions& options);

}  // namespace bridge::tls
