#pragma once
/// bridge::cert: the local name-constrained CA, leaf certificates, inspection and the trust
/// store. ACME lives in cert/acme.hpp. Every function here is synchronous, thread-agnostic
/// control-plane code: call it from the CLI or at startup, never from a proxy worker.

#include "common/error.hpp"

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace bridge::cert {

// ---------------------------------------------------------------------------------------------
// Where things live

/// `$XDG_DATA_HOME/bridge`, else `$HOME/.local/share/bridge` (not created here).
Result<std::string> data_dir();
/// `data_dir()/ca`: the local CA's directory.
Result<std::string> default_ca_dir();

/// Writes `data` to `path` atomically: a temp file in the same directory created with `mode`,
/// fsync, rename over `path`. On failure the previous file is untouched and nothing is left.
Result<void> write_file_atomic(const std::string& path, std::string_view data, unsigned mode);
/// "2025-01-31T12:00:00Z", for JSON output.
std::string rfc3339(std::time_t t);
/// Creates `dir` (and parents) with mode 0700 where missing.
Result<void> make_private_dir(const std::string& dir);
/// The whole file; an Error naming the path when it cannot be read.
Result<std::string> read_text_file(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Names

enum class NameKind { Dns, Wildcard, Ipv4, Ipv6 };

struct Name {
  std::string text;  // normalised: lowercase DNS, canonical IP text
  NameKind kind = NameKind::Dns;
  bool is_ip() const { return kind == NameKind::Ipv4 || kind == NameKind::Ipv6; }
};

/// Parses "app.localhost", "*.app.localhost", "127.0.0.1", "::1" (brackets allowed).
Result<Name> parse_name(const std::string& text);
Result<std::vector<Name>> parse_names(const std::vector<std::string>& texts);
/// OpenSSL subjectAltName config value: "DNS:a,IP:127.0.0.1".
std::string san_value(const std::vector<Name>& names);
/// mkcert-style file stem: "app.localhost", "_wildcard.app.localhost", "app.localhost+2".
std::string file_stem(const std::vector<Name>& names);

// ---------------------------------------------------------------------------------------------
// The local CA

/// The constraints every bridge CA starts with; `--permit` adds to these.
const std::vector<std::string>& default_permitted();

struct CaOptions {
  std::string dir;                  // empty = default_ca_dir()
  std::vector<std::string> permit;  // extra names: "corp.example", ".corp.example", "10.0.0.0/8"
  bool force = false;               // allow a public suffix or a /0 range in `permit`
};

struct CaInfo {
  std::string dir;
  std::string cert_path;  // DIR/ca.pem
  std::string key_path;   // DIR/ca-key.pem (0600)
  std::string subject;
  std::string fingerprint_sha256;  // "AB:CD:..."
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::vector<std::string> permitted;  // as "localhost", ".test", "127.0.0.0/8", "::1/128"
  bool created = false;                // true when this call made it
};

/// Loads the CA from `options.dir`, creating it (dir 0700, key 0600) when absent. An existing
/// CA whose constraints lack a `permit` entry is an error (constraints are fixed at creation).
Result<CaInfo> ensure_ca(const CaOptions& options);
/// Loads an existing CA; an error with the `bridge cert ca` hint when there is none.
Result<CaInfo> load_ca(const std::string& dir);

// ---------------------------------------------------------------------------------------------
// Leaves

enum class KeyType { Ec, Rsa };

struct LeafOptions {
  std::vector<std::string> names;  // first one names the files
  std::string out_dir = ".";
  int days = 90;
  KeyType key = KeyType::Ec;
  bool client = false;  // adds clientAuth and a "-client" file suffix
  std::string ca_dir;   // empty = default_ca_dir(); issue() only
  std::string stem;     // file stem; empty = file_stem(names)
};

struct Issued {
  std::string cert_path;
  std::string key_path;
  std::vector<Name> names;
  std::time_t not_after = 0;
  bool ca_created = false;  // issue() made the CA on the way
  std::string ca_dir;
};

/// A leaf signed by the local CA (created if missing). Names outside the CA's constraints are
/// refused before anything is written.
Result<Issued> issue(const LeafOptions& options);
/// A standalone self-signed leaf (no CA involved).
Result<Issued> self_signed(const LeafOptions& options);

/// Issues a leaf from the CA in `ca_dir` into `out_dir` when `cert_path` is missing, was issued
/// for other names, or expires within `renew_before`. Returns the paths and whether it issued.
struct EnsuredLeaf {
  std::string cert_path;
  std::string key_path;
  bool issued = false;
};
Result<EnsuredLeaf> ensure_leaf(const std::vector<std::string>& names, const std::string& ca_dir,
                                const std::string& out_dir, const std::string& stem,
                                std::chrono::hours renew_before);

// ---------------------------------------------------------------------------------------------
// Inspect

struct Verification {
  bool checked = false;  // false: nothing to verify against (e.g. no local CA)
  bool ok = false;
  std::string message;  // "ok" or OpenSSL's reason
};

struct CertInfo {
  std::string subject;
  std::string issuer;
  std::string serial;                  // hex
  std::vector<std::string> sans;       // "DNS:a", "IP:127.0.0.1"
  std::vector<std::string> key_usage;  // extended key usage: "serverAuth", ...
  std::vector<std::string> permitted;  // name constraints of a CA
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  long days_left = 0;
  std::string key_type;  // "ECDSA P-256", "RSA 2048"
  std::string fingerprint_sha256;
  bool is_ca = false;
  bool self_signed = false;
};

struct Inspection {
  std::string source;           // file path or host:port
  std::vector<CertInfo> chain;  // leaf first
  Verification local_ca;        // against the local CA
  Verification system;          // against the system store
  Verification name;            // HOST:PORT only: the leaf covers the SNI name
  std::string tls_version;      // HOST:PORT only
  std::string alpn;             // HOST:PORT only
};

/// The serial number (hex) of the first certificate in a PEM file: what a reload logs when a
/// listener's certificate changes.
Result<std::string> first_serial(const std::string& path);
/// Reads every certificate in a PEM file and verifies the first against the local CA in
/// `ca_dir` (when it exists) and the system store, with the rest as intermediates.
Result<Inspection> inspect_file(const std::string& path, const std::string& ca_dir);
/// Connects to host:port with SNI `server_name` (default: host) and inspects the served chain.
Result<Inspection> inspect_remote(const std::string& host, const std::string& port,
                                  const std::string& server_name, const std::string& ca_dir,
                                  std::chrono::milliseconds timeout);

// ---------------------------------------------------------------------------------------------
// Trust store

struct TrustStep {
  std::string description;        // "add the CA to the system store (Debian/Ubuntu)"
  std::vector<std::string> argv;  // the exact command
  bool may_fail = false;          // e.g. removing a nickname an NSS db never had
};

/// The commands that install (or with `uninstall` remove) the CA certificate at `ca_cert` in
/// the system store of this OS and in every NSS database found under $HOME. An Error when no
/// supported store is found.
Result<std::vector<TrustStep>> plan_trust(const std::string& ca_cert, bool uninstall);
/// Runs one step; the error carries the command's output.
Result<void> run_trust_step(const TrustStep& step);
/// The NSS nickname bridge uses for the CA ("bridge local CA AB12CD34").
std::string nss_nickname(const std::string& fingerprint_sha256);

}  // namespace bridge::cert
