#pragma once
/// Turning an X509 into the CertInfo that inspect prints (internal).

#include "cert/cert.hpp"
#include "cert/detail/ossl.hpp"

namespace bridge::cert::detail {

/// Subject, SANs, validity, key type, fingerprint, ... of `cert`; days_left relative to `now`.
CertInfo describe(X509* cert, std::time_t now);
/// "DNS:a", "IP:127.0.0.1" in certificate order.
std::vector<std::string> sans_of(X509* cert);
/// Verifies chain[0] with chain[1..] as untrusted intermediates against `store`.
/// Whether `leaf` covers `name` (a DNS name or an IP literal), as a TLS client checks it.
Verification check_name(X509* leaf, const std::string& name);
Verification verify_chain(const std::vector<X509Ptr>& chain, X509_STORE* store);

}  // namespace bridge::cert::detail
