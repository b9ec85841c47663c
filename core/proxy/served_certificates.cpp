// What a reload compares to tell that certificate files changed under an unchanged config.
#include "proxy/detail/served_certificates.hpp"

#include "cert/cert.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <functional>
#include <sstream>

namespace bridge::proxy {

namespace {

std::string contents_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "<unreadable>";
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

ServedCertificates ServedCertificates::of(const config::Config& config) {
  ServedCertificates served;
  std::string all;
  for (const auto& listener : config.listeners) {
    if (!listener.tls || !listener.tls->automatic.empty()) continue;
    for (const auto& pair : listener.tls->certs) {
      served.files.push_back(pair.cert);
      served.files.push_back(pair.key);
    }
    if (!listener.tls->client_ca.empty()) served.files.push_back(listener.tls->client_ca);
    if (!listener.tls->certs.empty()) {
      auto serial = cert::first_serial(listener.tls->certs.front().cert);
      served.serials[listener.name] = serial ? *serial : "";
    }
  }
  for (const auto& file : served.files) all += file + '\0' + contents_of(file) + '\0';
  served.digest = std::hash<std::string>{}(all);
  return served;
}

std::vector<std::string> ServedCertificates::watched(const config::Config& config,
                                                     const ServedCertificates& served) {
  std::vector<std::string> files = config.files;
  files.insert(files.end(), served.files.begin(), served.files.end());
  return files;
}

void log_certificate_changes(const config::Config& config, const ServedCertificates& before,
                             const ServedCertificates& after) {
  for (const auto& listener : config.listeners) {
    auto now = after.serials.find(listener.name);
    auto was = before.serials.find(listener.name);
    if (now == after.serials.end() || was == before.serials.end()) continue;
    if (now->second == was->second) continue;
    spdlog::info("tls: {}: serving a new certificate from {} (serial {} -> {})", listener.name,
                 listener.tls->certs.front().cert, was->second, now->second);
  }
}

}  // namespace bridge::proxy
