// tls.auto: leaves the listener keeps for itself, from the local CA or over ACME.
#include "cert/cert.hpp"
#include "tls/detail/auto.hpp"

#include <filesystem>

namespace bridge::tls {

namespace detail {

namespace {

std::string safe_stem(const std::string& name) {
  std::string out = name.empty() ? "listener" : name;
  for (char& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.')
      c = '_';
  }
  return out;
}

Result<std::string> auto_dir(const TlsOptions& options) {
  if (!options.auto_dir.empty()) return options.auto_dir;
  auto data = cert::data_dir();
  if (!data) return data.error();
  return *data + "/listeners";
}

}  // namespace

Result<config::CertPair> auto_pair(const config::Listener& listener, const TlsOptions& options,
                                   const std::string& suffix) {
  auto dir = auto_dir(options);
  if (!dir) return dir.error();
  std::string stem = *dir + "/" + safe_stem(listener.name) + suffix;
  return config::CertPair{stem + ".pem", stem + "-key.pem"};
}

}  // namespace detail

namespace {

std::vector<std::string> hosts_of(const config::Listener& listener) {
  return listener.hosts.empty() ? std::vector<std::string>{"localhost"} : listener.hosts;
}

}  // namespace

Result<config::CertPair> ensure_local_ca_cert(const config::Listener& listener,
                                              const TlsOptions& options) {
  auto pair = detail::auto_pair(listener, options, "");
  if (!pair) return pair.error();
  std::string dir = std::filesystem::path(pair->cert).parent_path().string();
  std::string stem = std::filesystem::path(pair->cert).stem().string();
  auto leaf =
      cert::ensure_leaf(hosts_of(listener), options.ca_dir, dir, stem, options.renew_before);
  if (!leaf) {
    Error e = leaf.error();
    e.message = "listener \"" + listener.name + "\" (tls.auto = \"local-ca\"): " + e.message;
    return e;
  }
  return config::CertPair{leaf->cert_path, leaf->key_path};
}

}  // namespace bridge::tls
