#pragma once
/// bridge::cert::acme: an RFC 8555 client that serves its own HTTP-01 / TLS-ALPN-01 challenges.
/// obtain() is blocking control-plane code: call it from the CLI or from a startup thread, never
/// from a proxy worker (it runs its own io_context on the calling thread).

#include "common/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace bridge::cert::acme {

constexpr const char* staging_directory = "https://acme-staging-v02.api.letsencrypt.org/directory";
constexpr const char* production_directory = "https://acme-v02.api.letsencrypt.org/directory";

enum class Challenge { Http01, TlsAlpn01 };

struct Options {
  std::vector<std::string> names;
  std::string email;
  std::string directory = staging_directory;  // "staging", "production" or a URL
  Challenge challenge = Challenge::Http01;
  std::string listen_address = "0.0.0.0";  // where the challenge server binds
  uint16_t http_port = 80;                 // HTTP-01
  uint16_t tls_port = 443;                 // TLS-ALPN-01
  std::string out_dir = ".";
  std::string stem;                  // file stem; empty = mkcert-style from names
  std::string account_dir;           // empty = data_dir()/acme/accounts
  std::string ca_bundle;             // PEM roots for the ACME server's HTTPS; empty = system store
  std::chrono::seconds timeout{90};  // the whole issuance, validation polling included
  bool record = true;                // remember the request for `bridge cert renew`
  /// HTTP-01 served by someone else (the listeners of `bridge up`): when set, obtain() opens no
  /// challenge port and hands each token and its key authorization here instead; every token
  /// published is handed to `http01_withdraw` (when set) before obtain() returns. Both are
  /// called on the thread that runs obtain().
  std::function<void(const std::string& token, const std::string& key_authorization)>
      http01_publish;
  std::function<void(const std::string& token)> http01_withdraw;
  /// When set and it becomes true, obtain() gives up within about 100 ms (shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

/// One line of progress ("account reused", "app.test: valid"), called on the calling thread.
using Progress = std::function<void(const std::string& step)>;

struct Obtained {
  std::string cert_path;  // full chain, leaf first
  std::string key_path;   // 0600
  std::vector<std::string> names;
  std::time_t not_after = 0;
  bool account_created = false;
  std::string account_url;
};

/// "staging" / "production" / URL -> directory URL; an error for anything else.
Result<std::string> directory_url(const std::string& name);

/// Runs a whole order: account (created once, key 0600, reused), newOrder, every authorization
/// validated in parallel, finalize with a fresh P-256 key, download the chain, write both files
/// atomically. Nothing is written to out_dir unless the certificate was issued. ACME problems
/// come back as Error{message = "IDENTIFIER: TYPE: DETAIL"}.
Result<Obtained> obtain(const Options& options, const Progress& progress = {});

/// A certificate `bridge cert acme` obtained and remembered for renewal.
struct Recorded {
  Options options;
  std::string record_path;
};
/// Remembers `options` for renewal under data_dir()/acme/certs (obtain() calls it when
/// options.record is set).
Result<void> record(const Options& options, const Obtained& obtained);
/// Every recorded certificate (data_dir()/acme/certs/*.json).
Result<std::vector<Recorded>> recorded();
/// Days until `cert_path` expires (negative when expired); an error when unreadable.
Result<long> days_left(const std::string& cert_path);
/// When the first certificate in `cert_path` expires (notAfter).
Result<std::time_t> expires_at(const std::string& cert_path);

}  // namespace bridge::cert::acme
