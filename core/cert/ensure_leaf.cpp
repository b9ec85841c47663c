// Keeping a CA-issued leaf current: re-issued when missing, for other names, near expiry, or
// signed by a CA that is no longer the local one.
#include "cert/detail/ca.hpp"
#include "cert/detail/describe.hpp"

#include <algorithm>
#include <filesystem>

namespace bridge::cert {

using namespace detail;

namespace {

bool still_good(const std::string& cert_path, const std::string& key_path,
                const std::vector<Name>& names, const LoadedCa& ca,
                std::chrono::hours renew_before) {
  std::error_code ec;
  if (!std::filesystem::exists(key_path, ec)) return false;
  auto pem = read_text_file(cert_path);
  if (!pem) return false;
  auto certs = certs_from_pem(*pem, cert_path);
  if (!certs) return false;
  X509* leaf = certs->front().get();
  if (X509_check_issued(ca.cert.get(), leaf) != X509_V_OK) return false;
  std::time_t renew_at =
      std::time(nullptr) + std::chrono::duration_cast<std::chrono::seconds>(renew_before).count();
  if (to_time_t(X509_get0_notAfter(leaf)) <= renew_at) return false;
  std::vector<std::string> want;
  want.reserve(names.size());
  for (const auto& n : names) want.push_back((n.is_ip() ? "IP:" : "DNS:") + n.text);
  std::vector<std::string> have = sans_of(leaf);
  std::sort(want.begin(), want.end());
  std::sort(have.begin(), have.end());
  return want == have;
}

}  // namespace

Result<EnsuredLeaf> ensure_leaf(const std::vector<std::string>& names, const std::string& ca_dir,
                                const std::string& out_dir, const std::string& stem,
                                std::chrono::hours renew_before) {
  auto parsed = parse_names(names);
  if (!parsed) return parsed.error();
  if (auto ca = ensure_ca(CaOptions{ca_dir, {}}); !ca) return ca.error();
  auto ca = load_ca_with_key(ca_dir);
  if (!ca) return ca.error();
  if (auto r = make_private_dir(out_dir); !r) return r.error();
  std::string use_stem = stem.empty() ? file_stem(*parsed) : stem;
  EnsuredLeaf out{out_dir + "/" + use_stem + ".pem", out_dir + "/" + use_stem + "-key.pem", false};
  if (still_good(out.cert_path, out.key_path, *parsed, *ca, renew_before)) return out;
  LeafOptions opts;
  opts.names = names;
  opts.out_dir = out_dir;
  opts.ca_dir = ca_dir;
  opts.stem = use_stem;
  auto issued = issue(opts);
  if (!issued) return issued.error();
  out.issued = true;
  return out;
}

}  // namespace bridge::cert
