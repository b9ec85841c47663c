#pragma once
/// Paths of the automatic certificates a listener keeps (internal).

#include "tls/tls.hpp"

namespace bridge::tls::detail {

/// AUTO_DIR/<listener>[suffix].pem and -key.pem.
Result<config::CertPair> auto_pair(const config::Listener& listener, const TlsOptions& options,
                                   const std::string& suffix);

}  // namespace bridge::tls::detail
