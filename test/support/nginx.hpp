#pragma once
/// nginx from Debian as a real backend on a free loopback port (single process, no daemon).
///
/// Locations:
///   /conn         200 text/plain: nginx's `$connection` serial (same value = same connection)
///   /tls-session  200 text/plain: over TLS "r" when the client resumed a session, else ".
///   /headers      200 text/plain lines `request_id=`, `traceparent=`, `host=`, `uri=`,
///                 `connection=`; the same values also as X-Seen-* response headers
///   /hello.txt    the fixed body `nginx_hello_body()`
///   anything else a static file under root() (write with write_file(nginx.root() + "/x"));
///                 .json, .html and .png files get their media types, the rest
///                 application/octet-stream

#include "process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace bridge::test {

/// The content of /hello.txt.
const std::string& nginx_hello_body();

class Nginx {
 public:
  /// Writes the config into its own temp dir; start() runs it.
  Nginx();
  ~Nginx();
  /// Starts nginx and waits for its port; false (with the error log in `error`) when it failed.
  bool start(std::string* error = nullptr);
  void stop();

  /// Serves the same locations over TLS too, on a second port. Before start().
  void serve_tls(std::string cert_file, std::string key_file) {
    tls_cert_ = std::move(cert_file);
    tls_key_ = std::move(key_file);
  }

  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT"
  std::string url() const;
  /// "https://127.0.0.1:TLS_PORT", once started with serve_tls().
  std::string tls_url() const;
  /// The document root, for files to serve.
  std::string root() const { return dir_ / "www"; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  TempDir dir_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::string tls_cert_, tls_key_;
  std::unique_ptr<Process> process_;
};

/// True when /usr/sbin/nginx exists.
bool nginx_available();

}  // namespace bridge::test
