#pragma once
/// The effective configuration: a typed struct built from layered TOML profiles.
/// Only this area uses toml++; the rest of bridge sees these types.

#include "common/error.hpp"
#include "config/middleware.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config {

using Duration = std::chrono::milliseconds;

struct HeaderOps {
  std::vector<std::pair<std::string, std::string>> set;  // in config order
  std::vector<std::string> remove;
};

struct BridgeSection {
  std::string admin = "127.0.0.1:9901";  // host:port, "unix:/path" or "off"
  std::string admin_token;
  bool admin_probes_only = false;
  std::string log_level = "info";     // trace|debug|info|warn|error|off
  std::string log_format = "auto";    // auto (text on a terminal, else JSON on stdout)|json|text
  std::string access_log = "stdout";  // stdout|stderr|off|path
  std::string access_log_format = "json";  // json|text
  int workers = 0;                         // 0 = one per core
};

struct LimitsSection {
  uint64_t max_header_bytes = 64 * 1024;
  uint64_t max_body_bytes = 0;  // 0 = unlimited
  Duration header_timeout = std::chrono::seconds(10);
  Duration idle_timeout = std::chrono::seconds(60);
  Duration connect_timeout = std::chrono::seconds(5);
  Duration drain_timeout = std::chrono::seconds(10);
  uint64_t max_header_count = 100;                  // fields in a request head; more is a 431
  uint64_t max_uri_bytes = 8 * 1024;                // request target length; longer is a 414
  std::string headers_with_underscores = "reject";  // reject (400) | drop | allow
  uint64_t admin_connections = 64;                  // open admin API connections at once
};

struct TraceSection {
  std::string request_id_header = "X-Request-ID";
  bool trust_incoming_request_id = true;
  std::vector<std::string> propagation = {"w3c"};  // w3c, b3
  std::vector<std::string> redact_headers = {"authorization", "cookie", "set-cookie"};
  uint64_t store_size = 10000;
  std::string otlp_endpoint;    // empty = off
  bool redact_defaults = true;  // the built-in list (Authorization, Cookie, *token*, ...)
};

/// Where `bridge up` gets certificates for listeners with tls.auto = "acme".
struct AcmeSection {
  std::string email;                  // account contact; required when a listener uses acme
  std::string directory = "staging";  // "staging", "production" or an https:// directory URL
  std::string ca_bundle;              // PEM roots for the ACME server's HTTPS; empty = system
  int renew_days = 30;                // renew when fewer days than this are left
  Duration check_interval = std::chrono::hours(12);  // how often renew_days is checked
  std::string account_dir;                           // empty = $XDG_DATA_HOME/bridge/acme/accounts
  std::string cert_dir;                              // empty = $XDG_DATA_HOME/bridge/acme/listeners
};

struct CertPair {
  std::string cert;
  std::string key;
};

struct ListenerTls {
  std::vector<CertPair> certs;  // `cert`/`key` plus `certs = [{cert, key}, ...]`, chosen by SNI
  std::string automatic;        // "" | "local-ca" | "acme"  (TOML key: auto)
  std::string min_version = "1.2";
  std::string client_ca;    // PEM bundle that client certificates must chain to
  std::string client_auth;  // "" (none) | "require" | "optional"
};

/// Percent-encoded characters allowed in paths (Traefik's entry point encodedCharacters).
struct EncodedCharacters {
  bool slash = false;
  bool backslash = false;
  bool null = false;
  bool semicolon = false;
  bool percent = false;
  bool question_mark = false;
  bool hash = false;
};

/// Whose X-Forwarded-* and Forwarded headers are believed (Traefik's forwardedHeaders).
struct ForwardedHeaders {
  std::vector<std::string> trusted_ips = {"127.0.0.0/8", "::1/128"};  // CIDRs or addresses
  bool insecure = false;                                              // trust every peer
};

/// Whose PROXY protocol headers a listener reads (Traefik's entryPoints proxyProtocol): a
/// connection from a trusted peer that starts with one is taken to come from the address in
/// it. Anyone else's bytes are served as they are.
struct ProxyProtocolIn {
  std::vector<std::string> trusted_ips;  // CIDRs or addresses
  bool insecure = false;                 // trust every peer
};

/// HTTP/2 limits of a listener (SETTINGS sent to clients, and what bridge enforces).
struct Http2Limits {
  uint64_t max_concurrent_streams = 100;
  uint64_t initial_window = 1024 * 1024;  // bytes a stream may send before bridge reads them
  uint64_t max_frame_size = 16384;
  uint64_t max_header_list_size = 64 * 1024;  // a larger request head gets 431 on its stream
};

struct Listener {
  std::string name;
  std::string bind;                // "127.0.0.1:8080", "[::1]:8080", "unix:/path"
  std::string protocol = "http";   // "http", or "tcp": bytes relayed by [[tcp_routes]]
  std::vector<std::string> hosts;  // names served, used by tls.auto
  std::optional<ListenerTls> tls;
  bool sanitize_path = true;  // normalize paths before routing (Traefik's sanitizePath)
  EncodedCharacters encoded_characters;
  ForwardedHeaders forwarded_headers;
  uint64_t max_connections = 0;  // 0 = no cap; beyond it new connections wait in the backlog
  std::optional<ProxyProtocolIn> proxy_protocol;
  // "http1" and "h2": ALPN on TLS, the connection preface (prior knowledge) on plain HTTP.
  std::vector<std::string> http_protocols = {"http1", "h2"};
  Http2Limits http2;
  // Names in [middlewares], run before every route's own (Traefik's entry-point middlewares).
  std::vector<std::string> middlewares;
  bool allows_h2() const {
    return std::find(http_protocols.begin(), http_protocols.end(), "h2") != http_protocols.end();
  }
  bool is_tcp() const { return protocol == "tcp"; }
  bool allows_http1() const {
    return std::find(http_protocols.begin(), http_protocols.end(), "http1") != http_protocols.end();
  }
};

struct HealthCheck {
  std::string path = "/";
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(1);
  int healthy = 2;      // consecutive successes to mark up
  int unhealthy = 3;    // consecutive failures to mark down
  bool grpc = false;    // call grpc.health.v1.Health/Check (HTTP/2) instead of GET path
  std::string service;  // the service Check asks about; "" = the server as a whole
};

struct UpstreamTls {
  bool verify = true;
  std::string ca;   // PEM bundle path; empty = system store
  std::string sni;  // empty = target host (or host_rewrite)
};

struct Upstream {
  std::string name;
  std::vector<std::string> targets;     // http://, https://, compose://, k8s://, builtin://echo
  std::string balance = "round_robin";  // round_robin | least_conn | first
  /// One per target: round robin in these proportions (Traefik's weighted services); empty =
  /// equal. Only with balance = "round_robin".
  std::vector<int64_t> weights;
  std::optional<HealthCheck> health;
  UpstreamTls tls;
  // "auto" (ALPN h2 or http/1.1 on https:// targets, HTTP/1.1 on http://), "http1", "h2c"
  // (HTTP/2 with prior knowledge on http://), "h2" (HTTP/2 by ALPN on https://, required).
  std::string protocol = "auto";
  int proxy_protocol = 0;  // 1 or 2: a PROXY header before the bytes (TCP routes' upstreams)
  int max_idle = 200;      // idle keep-alive connections kept per target
  Duration down_for = std::chrono::seconds(10);  // passive health backoff
};

struct Route {
  std::string name;
  std::vector<std::string> listeners;  // empty = all listeners
  std::string rule;
  int64_t priority = 0;  // 0 = length of the rule
  std::string upstream;  // an upstream name, or an inline target URL
  std::string strip_prefix;
  std::string host_rewrite;
  HeaderOps request_headers;
  HeaderOps response_headers;
  Duration timeout = std::chrono::seconds(30);
  std::optional<uint64_t> max_body_bytes;  // overrides limits.max_body_bytes
  // Names in [middlewares], run in order after the listener's; strip_prefix, host_rewrite and
  // request_headers/response_headers apply after them, as the last step before the upstream.
  std::vector<std::string> middlewares;
};

/// A TCP middleware (Traefik's TCP middlewares, with their type and option names): exactly one
/// of its kinds is set.
struct TcpMiddleware {
  std::string name;
  std::optional<std::vector<std::string>> ip_allow_list;  // ipAllowList.sourceRange
  std::optional<int64_t> in_flight_conn;                  // inFlightConn.amount, per client IP
};

/// A TCP route (Traefik's TCP router): connections on its listeners that match its rule are
/// relayed byte for byte to its upstream.
struct TcpRoute {
  std::string name;
  std::vector<std::string> listeners;  // empty = every listener with protocol = "tcp"
  std::string rule;                    // HostSNI, HostSNIRegexp, ClientIP, ALPN, && || !
  int64_t priority = 0;                // 0 = length of the rule
  std::string upstream;  // an upstream name, or an inline tcp://, unix://, compose:// or k8s://
  bool tls_passthrough = false;  // TOML: tls = { passthrough = true }
  bool tls_terminate = false;    // TOML: tls = {}: terminated with the listener's certificates
  /// Routed on the ClientHello (SNI, ALPN): passed through or terminated.
  bool reads_tls() const { return tls_passthrough || tls_terminate; }
  std::vector<std::string> middlewares;  // names in [tcp_middlewares], run in this order
  // No byte either way for this long closes both sides. Long by default: database pools keep
  // idle connections for minutes.
  Duration idle_timeout = std::chrono::hours(1);
};

/// One effective leaf value with where it came from; for `config show --origin` and `diff`.
struct Leaf {
  std::string path;   // "routes.orders-api.rule", "bridge.workers", "trace.propagation"
  std::string value;  // rendered as TOML (strings quoted)
  Origin origin;
};

/// A Leaf::value as JSON text: "staging" for "\"staging\"", ["a","b"] for an array, 8080 for
/// 8080 (toml++'s JSON formatter); "" when `toml_value` is not a TOML value.
std::string leaf_json(std::string_view toml_value);

struct Config {
  int version = 1;
  std::string profile;
  std::vector<std::string> files;  // every file loaded, in layering order
  std::string hash;                // SHA-256 hex of the loaded files' contents and overrides
  BridgeSection bridge;
  LimitsSection limits;
  TraceSection trace;
  AcmeSection acme;
  std::vector<Listener> listeners;
  std::vector<Upstream> upstreams;
  std::vector<Route> routes;
  std::vector<TcpRoute> tcp_routes;
  std::vector<TcpMiddleware> tcp_middlewares;  // [tcp_middlewares.NAME.TYPE], in file order
  std::vector<Middleware> middlewares;         // [middlewares.NAME.TYPE] and [http.middlewares...]
  /// Every effective leaf: the values the files and overrides set, in document order, then
  /// the defaults nobody set (origin source "<default>"), in schema order.
  std::vector<Leaf> leaves;
  /// What [[sources]] read but bridge cannot honour (a plugin middleware, a UDP router), each
  /// at its file:line:col or container and label; `up` and `config check` print them, and
  /// LoadOptions::strict makes the first one the load's error.
  std::vector<Error> warnings;
  /// Routes and TCP routes read from [[sources]]: name -> where Traefik's configuration says
  /// so ("the Traefik router \"api\" of dynamic.yml:3:5").
  std::map<std::string, std::string, std::less<>> imported;
  /// The compose projects of docker-labels sources: their containers' events reload the config
  /// (labels change on recreate).
  std::vector<std::string> label_projects;

  /// Where the value at `path` came from (see Leaf::path); an empty Origin when unknown.
  /// For an entry path ("routes.orders-api") it is where the entry's name was written.
  const Origin& origin(std::string_view path) const;
  /// Where the entry `name` of the named array `array` ("routes") was written, its name
  /// quoted as a path needs it ("api@file").
  const Origin& entry_origin(std::string_view array, std::string_view name) const;
  const Upstream* find_upstream(std::string_view name) const;
  const Listener* find_listener(std::string_view name) const;
  const Middleware* find_middleware(std::string_view name) const;
};

/// One running container of a compose project, as a docker-labels source reads it.
struct ContainerLabels {
  std::string name;     // "shop-api-1"
  std::string service;  // com.docker.compose.service
  std::map<std::string, std::string> labels;
};

/// How to find and layer the configuration.
struct LoadOptions {
  std::string profile = "dev";         // "" = $BRIDGE_PROFILE (with use_environment), else dev
  std::string config_dir;              // --config-dir; empty = search
  std::vector<std::string> overrides;  // --set path=value, in order
  /// BRIDGE_CONFIG_DIR, BRIDGE_PROFILE, BRIDGE_SET_* overrides, ${VAR} interpolation. When
  /// false every ${VAR} counts as unset, so ${VAR:-default} gives its default.
  bool use_environment = true;
  /// Used instead of the process environment when set (tests).
  std::optional<std::map<std::string, std::string>> environment_for_test;
  /// `config check --strict`: what [[sources]] cannot honour fails the load instead of
  /// becoming a warning.
  bool strict = false;
  /// docker-labels sources: the compose project's containers as the Docker Engine runs them
  /// now (their labels win over the compose file's). Unset, or an error (no engine), reads the
  /// compose file alone. Set by the CLI (discovery's engine client); config does no socket I/O.
  std::function<Result<std::vector<ContainerLabels>>(const std::string& project)> container_labels;
};

/// Finds the config dir (--config-dir, $BRIDGE_CONFIG_DIR, ./.bridge, ./profiles, embedded),
/// layers base -> extends chain -> profile -> profile.local -> --set, validates, and returns
/// the typed config or the first error with file:line:col. Thread-safe; does no I/O but reads.
Result<Config> load(const LoadOptions& options);

/// The dir that `load` would use, or "" for the embedded default.
std::string find_config_dir(const LoadOptions& options);

/// The text of line `where.line` of the file (or embedded profile) `where` points into, for
/// callers that report errors inside a config value (rule syntax); "" when unavailable.
/// Reads the file again: call it on the error path only.
std::string source_line(const Origin& where);

/// Parses "250ms", "30s", "2m", "1h", "1.5s". Used by CLI flags as well.
Result<Duration> parse_duration(std::string_view text);
/// Parses "64KiB", "10MB", "1GiB", "512".
Result<uint64_t> parse_size(std::string_view text);
/// The shortest exact spelling: "30s", "250ms", "2m", "1h".
std::string format_duration(Duration duration);
/// "64KiB", "1GiB", or plain bytes ("1500").
std::string format_size(uint64_t bytes);

}  // namespace bridge::config
