#pragma once
/// Pebble (the Debian `pebble` package) on loopback for ACME tests, with pebble-challtestsrv as
/// its DNS server so every test name resolves to 127.0.0.1.

#include "process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace bridge::test {

class Pebble {
 public:
  /// Makes a CA and a cert for Pebble's listener with openssl, writes a config with absolute
  /// paths and free ports, starts pebble-challtestsrv and pebble (PEBBLE_VA_NOSLEEP=1, default
  /// badNonce rate). Throws std::runtime_error when either does not come up.
  Pebble();
  ~Pebble();

  std::string directory() const;                             // https://127.0.0.1:PORT/dir
  std::string ca_bundle() const { return dir_ / "ca.pem"; }  // signs Pebble's listener cert
  uint16_t http_port() const { return http_port_; }          // where Pebble's VA sends HTTP-01
  uint16_t tls_port() const { return tls_port_; }            // and TLS-ALPN-01
  /// Pebble's issuing root (new at every start), saved to a file; "" when it cannot be fetched.
  std::string root_path();
  std::string output() const;

 private:
  TempDir dir_;
  uint16_t acme_port_ = 0;
  uint16_t management_port_ = 0;
  uint16_t http_port_ = 0;
  uint16_t tls_port_ = 0;
  uint16_t dns_port_ = 0;
  std::unique_ptr<Process> dns_;
  std::unique_ptr<Process> pebble_;
};

/// Holds 127.0.0.1:port listening without ever accepting, so a peer's request hangs.
class BlackHole {
 public:
  explicit BlackHole(uint16_t port);
  ~BlackHole();
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;
  /// Waits until a peer's connection sits in the accept queue (the peer now waits for an answer
  /// that never comes); false after `timeout`.
  bool wait_for_connection(Millis timeout) const;

 private:
  int fd_ = -1;
};

}  // namespace bridge::test
