#pragma once
// The files behind a listener with tls.auto = "acme": where its certificate lives in cert_dir,
// whether the one there can be served, and the contexts made from it (internal to
// acme_listeners.cpp). Blocking file I/O; never on a worker.

#include "config/config.hpp"
#include <boost/asio/ssl/context.hpp>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace bridge::tls::detail {

namespace ssl = boost::asio::ssl;

struct AcmeFiles {
  std::string dir;        // cert_dir
  config::CertPair pair;  // CERT_DIR/<stem>.pem and <stem>-key.pem (0600)
  std::string meta;       // CERT_DIR/<stem>.json: which directory issued it, for which names
};

/// The files for `listener.hosts`, with the stem `bridge cert acme` would use ("app.test",
/// "app.test+1"). A config error for wildcards (they need DNS-01).
Result<AcmeFiles> acme_files_for(const config::Listener& listener, const config::AcmeSection& acme);

/// Everything a listener's ACME context depends on; equal keys can share the context.
std::string acme_entry_key(const config::Listener& listener, const config::AcmeSection& acme);

/// The listener's server context with `pair` first (what clients without SNI get) and its other
/// tls.certs after it.
Result<std::shared_ptr<ssl::context>> context_with(const config::Listener& listener,
                                                   const config::CertPair& pair);

/// A context with a self-signed certificate for the listener's hosts, served until the ACME one
/// arrives. Its files are removed before this returns.
Result<std::shared_ptr<ssl::context>> temporary_context(const config::Listener& listener);

struct StoredCertificate {
  std::shared_ptr<ssl::context> context;
  std::time_t not_after = 0;
};

/// The certificate in cert_dir when `directory_url` issued it for the listener's hosts and it
/// has not expired; otherwise nullopt and, when there was a certificate, the reason in `why`.
std::optional<StoredCertificate> stored_certificate(const config::Listener& listener,
                                                    const AcmeFiles& files,
                                                    const std::string& directory_url,
                                                    std::string& why);

/// Records who issued the certificate just obtained, for stored_certificate().
Result<void> write_acme_meta(const AcmeFiles& files, const std::string& directory_url,
                             const std::vector<std::string>& hosts);

/// "app.test, www.app.test"
std::string hosts_text(const std::vector<std::string>& hosts);
/// "2027-02-21"
std::string day_of(std::time_t t);
/// Whole days until `t`; negative once past.
long days_until(std::time_t t);

}  // namespace bridge::tls::detail
