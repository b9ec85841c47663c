// Where a listener's ACME certificate lives and whether the one there can be served.
#include "tls/detail/acme_files.hpp"

#include "cert/acme.hpp"
#include "cert/cert.hpp"
#include "common/text.hpp"
#include "tls/tls.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include <filesystem>

namespace bridge::tls::detail {

namespace fs = std::filesystem;

std::string hosts_text(const std::vector<std::string>& hosts) { return join(hosts); }

std::string day_of(std::time_t t) { return cert::rfc3339(t).substr(0, 10); }

long days_until(std::time_t t) { return static_cast<long>((t - std::time(nullptr)) / 86400); }

Result<AcmeFiles> acme_files_for(const config::Listener& listener,
                                 const config::AcmeSection& acme) {
  auto names = cert::parse_names(listener.hosts);
  if (!names) return names.error();
  for (const auto& n : *names) {
    if (n.kind == cert::NameKind::Wildcard) {
      return Error::config("\"" + n.text +
                               "\" is a wildcard: ACME issues wildcards only over "
                               "DNS-01, which bridge does not serve",
                           {}, "list each name in hosts");
    }
  }
  AcmeFiles p;
  p.dir = acme.cert_dir;
  if (p.dir.empty()) {
    auto data = cert::data_dir();
    if (!data) return data.error();
    p.dir = *data + "/acme/listeners";
  }
  std::string stem = p.dir + "/" + cert::file_stem(*names);
  p.pair = {stem + ".pem", stem + "-key.pem"};
  p.meta = stem + ".json";
  return p;
}

std::string acme_entry_key(const config::Listener& listener, const config::AcmeSection& acme) {
  nlohmann::json j = {{"hosts", listener.hosts},
                      {"min_version", listener.tls->min_version},
                      {"email", acme.email},
                      {"directory", acme.directory},
                      {"ca_bundle", acme.ca_bundle},
                      {"renew_days", acme.renew_days},
                      {"check_interval", acme.check_interval.count()},
                      {"account_dir", acme.account_dir},
                      {"cert_dir", acme.cert_dir}};
  for (const auto& c : listener.tls->certs) j["certs"].push_back({c.cert, c.key});
  return j.dump();
}

Result<std::shared_ptr<ssl::context>> context_with(const config::Listener& listener,
                                                   const config::CertPair& pair) {
  config::Listener copy = listener;
  copy.tls->automatic.clear();
  copy.tls->certs.insert(copy.tls->certs.begin(), pair);
  return tls::make_server_context(copy, {});
}

Result<std::shared_ptr<ssl::context>> temporary_context(const config::Listener& listener) {
  std::string tmpl = (fs::temp_directory_path() / "bridge-acme-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Error::runtime("cannot create a temporary directory in " +
                          fs::temp_directory_path().string());
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  cert::LeafOptions options;
  options.names = listener.hosts;
  options.out_dir = tmpl;
  options.days = 30;
  options.stem = "temporary";
  auto leaf = cert::self_signed(options);
  if (!leaf) return leaf.error();
  return context_with(listener, {leaf->cert_path, leaf->key_path});
}

std::optional<StoredCertificate> stored_certificate(const config::Listener& listener,
                                                    const AcmeFiles& files, const std::string& url,
                                                    std::string& why) {
  std::error_code ec;
  if (!fs::exists(files.pair.cert, ec) || !fs::exists(files.pair.key, ec)) return std::nullopt;
  auto meta_text = cert::read_text_file(files.meta);
  auto meta = nlohmann::json::parse(meta_text ? *meta_text : std::string(), nullptr, false);
  if (!meta.is_object() || meta.value("directory", std::string()) != url ||
      meta.value("names", std::vector<std::string>{}) != listener.hosts) {
    why = files.pair.cert + " was not issued by " + url + " for " + hosts_text(listener.hosts);
    return std::nullopt;
  }
  auto expires = cert::acme::expires_at(files.pair.cert);
  if (!expires || *expires <= std::time(nullptr)) {
    why = files.pair.cert + (expires ? " has expired" : ": " + expires.error().message);
    return std::nullopt;
  }
  auto context = context_with(listener, files.pair);
  if (!context) {
    why = "cannot use " + files.pair.cert + ": " + context.error().message;
    return std::nullopt;
  }
  return StoredCertificate{*context, *expires};
}

Result<void> write_acme_meta(const AcmeFiles& files, const std::string& directory_url,
                             const std::vector<std::string>& hosts) {
  nlohmann::json meta = {{"directory", directory_url}, {"names", hosts}};
  return cert::write_file_atomic(files.meta, meta.dump(2) + "\n", 0600);
}

}  // namespace bridge::tls::detail
