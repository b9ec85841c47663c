#pragma once
// The certificate files that a config's HTTPS listeners serve, and what is in them now: a
// reload (SIGHUP, POST /v1/reload, a watched file changing) rebuilds the TLS contexts when they
// changed even though the config did not, and logs which listener now serves which serial.
// Files of tls.auto are bridge's own and are left out.

#include "config/config.hpp"

#include <map>
#include <string>
#include <vector>

namespace bridge::proxy {

struct ServedCertificates {
  std::vector<std::string> files;              // cert, key and client CA files, to watch
  size_t digest = 0;                           // of their contents (unreadable files count)
  std::map<std::string, std::string> serials;  // listener -> serial of its first certificate

  static ServedCertificates of(const config::Config& config);
  /// The files of `config` to watch: its own files and the certificate files.
  static std::vector<std::string> watched(const config::Config& config,
                                          const ServedCertificates& served);
};

/// Logs, for each listener whose first certificate has a new serial, where it comes from and
/// both serials.
void log_certificate_changes(const config::Config& config, const ServedCertificates& before,
                             const ServedCertificates& after);

}  // namespace bridge::proxy
