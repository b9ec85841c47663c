#pragma once
/// Where the ACME account key lives and how it is loaded or made (internal).

#include "cert/acme.hpp"
#include "cert/detail/ossl.hpp"

namespace bridge::cert::acme::detail {

struct AccountFiles {
  std::string dir;        // ACCOUNT_DIR/<server host:port>/<email>
  std::string key_path;   // dir/account-key.pem (0600)
  std::string info_path;  // dir/account.json: {"url": kid}
};

/// The account directory for this directory URL and email.
Result<AccountFiles> account_files(const Options& options, const std::string& directory_url);
/// Loads the key, or makes one and writes it (0600) when there is none.
Result<cert::detail::PkeyPtr> load_or_create_account_key(const AccountFiles& files);

}  // namespace bridge::cert::acme::detail
