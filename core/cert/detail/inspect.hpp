#pragma once
/// Shared by inspect_file and inspect_remote (internal).

#include "cert/cert.hpp"
#include "cert/detail/ossl.hpp"

namespace bridge::cert::detail {

/// Describes `chain` (leaf first) and verifies it against the local CA and the system store.
Inspection inspect_chain(const std::string& source, const std::vector<X509Ptr>& chain,
                         const std::string& ca_dir);

}  // namespace bridge::cert::detail
