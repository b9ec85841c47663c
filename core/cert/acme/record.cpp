// Remembering what `bridge cert acme` obtained, so `bridge cert renew` can do it again.
#include "cert/acme.hpp"
#include "cert/cert.hpp"
#include "cert/detail/ossl.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace bridge::cert::acme {

using namespace cert::detail;

namespace {

Result<std::string> records_dir() {
  auto data = data_dir();
  if (!data) return data.error();
  return *data + "/acme/certs";
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path.empty() ? "." : path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

Result<void> record(const Options& options, const Obtained& obtained) {
  auto dir = records_dir();
  if (!dir) return dir.error();
  if (auto r = make_private_dir(*dir); !r) return r.error();
  nlohmann::json j = {
      {"names", options.names},
      {"email", options.email},
      {"directory", options.directory},
      {"challenge", options.challenge == Challenge::Http01 ? "http-01" : "tls-alpn-01"},
      {"listen_address", options.listen_address},
      {"http_port", options.http_port},
      {"tls_port", options.tls_port},
      {"out_dir", absolute(options.out_dir)},
      {"stem", std::filesystem::path(obtained.cert_path).stem().string()},
      {"account_dir", options.account_dir.empty() ? "" : absolute(options.account_dir)},
      {"ca_bundle", options.ca_bundle.empty() ? "" : absolute(options.ca_bundle)},
      {"cert", absolute(obtained.cert_path)}};
  std::string name = std::filesystem::path(obtained.cert_path).stem().string();
  std::string id = base64url(sha256(absolute(obtained.cert_path))).substr(0, 8);
  return write_file_atomic(*dir + "/" + name + "-" + id + ".json", j.dump(2) + "\n", 0600);
}

Result<std::vector<Recorded>> recorded() {
  auto dir = records_dir();
  if (!dir) return dir.error();
  std::vector<Recorded> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(*dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(*dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto text = read_text_file(entry.path().string());
    if (!text) continue;
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object()) continue;
    Recorded r;
    r.record_path = entry.path().string();
    r.options.names = j.value("names", std::vector<std::string>{});
    r.options.email = j.value("email", std::string());
    r.options.directory = j.value("directory", std::string());
    r.options.challenge = j.value("challenge", std::string()) == "tls-alpn-01"
                              ? Challenge::TlsAlpn01
                              : Challenge::Http01;
    r.options.listen_address = j.value("listen_address", std::string("0.0.0.0"));
    r.options.http_port = j.value("http_port", uint16_t{80});
    r.options.tls_port = j.value("tls_port", uint16_t{443});
    r.options.out_dir = j.value("out_dir", std::string("."));
    r.options.stem = j.value("stem", std::string());
    r.options.account_dir = j.value("account_dir", std::string());
    r.options.ca_bundle = j.value("ca_bundle", std::string());
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const Recorded& a, const Recorded& b) { return a.record_path < b.record_path; });
  return out;
}

Result<std::time_t> expires_at(const std::string& cert_path) {
  auto pem = read_text_file(cert_path);
  if (!pem) return pem.error();
  auto certs = certs_from_pem(*pem, cert_path);
  if (!certs) return certs.error();
  return to_time_t(X509_get0_notAfter(certs->front().get()));
}

Result<long> days_left(const std::string& cert_path) {
  auto end = expires_at(cert_path);
  if (!end) return end.error();
  return static_cast<long>((*end - std::time(nullptr)) / 86400);
}

}  // namespace bridge::cert::acme
