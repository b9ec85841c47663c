// The ACME account key: one per server and email, kept 0600 and reused across runs.
#include "cert/acme/account.hpp"
#include "cert/acme/https.hpp"
#include "cert/cert.hpp"

#include <filesystem>

namespace bridge::cert::acme::detail {

using namespace cert::detail;

Result<AccountFiles> account_files(const Options& options, const std::string& directory_url) {
  std::string base = options.account_dir;
  if (base.empty()) {
    auto data = data_dir();
    if (!data) return data.error();
    base = *data + "/acme/accounts";
  }
  auto url = parse_https_url(directory_url);
  if (!url) return url.error();
  std::string server = url->host + "_" + url->port;
  std::string who = options.email.empty() ? "default" : options.email;
  for (char& c : who) {
    if (c == '/') c = '_';
  }
  AccountFiles files;
  files.dir = base + "/" + server + "/" + who;
  files.key_path = files.dir + "/account-key.pem";
  files.info_path = files.dir + "/account.json";
  return files;
}

Result<PkeyPtr> load_or_create_account_key(const AccountFiles& files) {
  if (std::filesystem::exists(files.key_path)) {
    auto pem = read_text_file(files.key_path);
    if (!pem) return pem.error();
    auto key = key_from_pem(*pem, files.key_path);
    if (!key) return key.error();
    if (!EVP_PKEY_is_a(key->get(), "EC") || EVP_PKEY_get_bits(key->get()) != 256) {
      return Error::runtime(files.key_path + " is not an ECDSA P-256 key",
                            "move it away to create a new account");
    }
    return key;
  }
  if (auto r = make_private_dir(files.dir); !r) return r.error();
  auto key = generate_ec_key();
  if (!key) return key.error();
  if (auto r = write_file_atomic(files.key_path, key_to_pem(key->get()), 0600); !r) {
    return r.error();
  }
  return key;
}

}  // namespace bridge::cert::acme::detail
