#pragma once
/// The loaded local CA with its key, for signing (internal).

#include "cert/cert.hpp"
#include "cert/detail/ossl.hpp"

namespace bridge::cert::detail {

struct LoadedCa {
  CaInfo info;
  X509Ptr cert;
  PkeyPtr key;
  NameConstraintsPtr constraints;  // may be null for a CA made by something else
};

/// Loads cert and key from `dir` and checks that they belong together.
Result<LoadedCa> load_ca_with_key(const std::string& dir);
/// Fills the display fields of `info` from `cert`.
void describe_ca(X509* cert, CaInfo& info);
/// "localhost", ".test", "127.0.0.0/8" from a CA's nameConstraints permitted subtrees.
std::vector<std::string> permitted_of(const NAME_CONSTRAINTS* nc);
/// Converts a --permit value into OpenSSL's config form ("permitted;DNS:x", "permitted;IP:a/m").
Result<std::string> permitted_config(const std::string& entry);
/// Normalises a --permit value the way permitted_of() prints it ("10.0.0.0/8", ".corp.example").
Result<std::string> normalise_permit(const std::string& entry);
/// Refuses a normalised --permit value that would make the constraint meaningless: a public
/// suffix ("com", "co.uk", from libpsl's list) or a /0 range; `force` allows them.
Result<void> check_permit_scope(const std::string& normal, bool force);

}  // namespace bridge::cert::detail
