#pragma once
/// Paths of the automatic certificates a listener keeps (internal).

#include "tls/tls.hpp"

namespace bridge::tls::detail {

/// AUTO_DIR/<listener>[suffix].pem and -key.pem.
Result<config::CertPair> auto_pair(const config::Listener& listener, const TlsOptions& options,
                                   const std::string& suffix);
/// The ACME pair for `listener`; an error with the fix when it has not been obtained yet.
Result<config::CertPair> acme_pair_for(const config::Listener& listener, const TlsOptions& options);

}  // namespace bridge::tls::detail
