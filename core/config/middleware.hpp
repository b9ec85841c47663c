#pragma once
/// HTTP middlewares as the profiles declare them: Traefik's type names and option names
/// ([middlewares.NAME.TYPE], or Traefik's own [http.middlewares.NAME.TYPE]), so a block from
/// Traefik's documentation or a team's file provider works when pasted. Exactly one type is
/// set per middleware; core/middleware compiles them.

#include "config/breaker_expression.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bridge::config {

/// Traefik's `headers`: custom request/response fields, the security headers and CORS.
struct HeadersMiddleware {
  // In config order; an empty value removes the field (Traefik: "" deletes).
  std::vector<std::pair<std::string, std::string>> custom_request_headers;
  std::vector<std::pair<std::string, std::string>> custom_response_headers;
  // CORS
  std::vector<std::string> allow_origin_list;        // exact origins, or "*"
  std::vector<std::string> allow_origin_list_regex;  // RE2, matched against the whole Origin
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  std::optional<int64_t> max_age;  // seconds; Access-Control-Max-Age
  bool add_vary_header = false;
  // Security headers
  std::vector<std::string> allowed_hosts;        // others get 500 "Bad Host" (Traefik)
  std::vector<std::string> hosts_proxy_headers;  // where allowed_hosts reads the host first
  int64_t sts_seconds = 0;
  bool sts_include_subdomains = false;
  bool sts_preload = false;
  bool force_sts_header = false;  // also on plain HTTP
  bool frame_deny = false;
  std::string custom_frame_options_value;
  bool content_type_nosniff = false;
  bool browser_xss_filter = false;
  std::string custom_browser_xss_value;
  std::string content_security_policy;
  std::string content_security_policy_report_only;
  std::string public_key;
  std::string referrer_policy;
  std::string permissions_policy;
  bool is_development = false;  // allowed_hosts and STS are not enforced
  bool has_cors() const {
    return !allow_origin_list.empty() || !allow_origin_list_regex.empty() ||
           !allow_methods.empty() || !allow_headers.empty() || !expose_headers.empty() ||
           allow_credentials || max_age.has_value();
  }
};

struct RedirectSchemeMiddleware {
  std::string scheme;
  std::string port;  // "" = the scheme's default port
  bool permanent = false;
};

struct RedirectRegexMiddleware {
  std::string regex;  // against the whole URL (scheme://host/path?query)
  std::string replacement;
  bool permanent = false;
};

struct IpAllowListMiddleware {
  std::vector<std::string> source_range;
  // ipStrategy: with depth > 0 the client is the depth-th address from the right of
  // X-Forwarded-For; excludedIPs skips addresses from the right instead.
  int64_t depth = 0;
  std::vector<std::string> excluded_ips;
  int64_t reject_status_code = 403;
};

/// Who a request counts against (Traefik's sourceCriterion): the client address (the peer, or
/// with ipStrategy one from X-Forwarded-For), a request header's value, or the Host.
struct SourceCriterion {
  int64_t depth = 0;                      // ipStrategy.depth
  std::vector<std::string> excluded_ips;  // ipStrategy.excludedIPs
  std::string request_header_name;
  bool request_host = false;
};

/// Traefik's `rateLimit`: `average` requests per `period` per source, bursts up to `burst`.
struct RateLimitMiddleware {
  int64_t average = 0;
  std::chrono::milliseconds period = std::chrono::seconds(1);
  int64_t burst = 1;
  SourceCriterion source;
};

/// Traefik's `inFlightReq`: at most `amount` requests under way at once per source.
struct InFlightReqMiddleware {
  int64_t amount = 0;
  SourceCriterion source;
};

/// Traefik's `basicAuth`: htpasswd lines (bcrypt, apr1 MD5, SHA1, and crypt's $1$/$5$/$6$).
struct BasicAuthMiddleware {
  // name -> hash, from `users` then `usersFile` (whose lines win, as in Traefik).
  std::vector<std::pair<std::string, std::string>> users;
  std::string users_file;
  std::string realm = "bridge";
  std::string header_field;    // the authenticated user goes upstream in this field
  bool remove_header = false;  // Authorization is not forwarded
};

/// Traefik's `digestAuth`: htdigest lines ("user:realm:MD5(user:realm:password)"); only the
/// users of `realm` can sign in, since the realm is part of each hash.
struct DigestAuthMiddleware {
  // name -> the hash (hex), of `realm`, from `users` then `usersFile` (whose lines win).
  std::vector<std::pair<std::string, std::string>> users;
  std::string users_file;
  std::string realm = "traefik";  // Traefik's default, so its users' hashes work as pasted
  std::string header_field;       // the authenticated user goes upstream in this field
  bool remove_header = false;     // Authorization is not forwarded
};

/// Traefik's `compress`: responses encoded as the client's Accept-Encoding asks.
struct CompressMiddleware {
  std::vector<std::string> encodings = {"gzip", "br", "zstd"};  // also the preference order
  std::string default_encoding;  // when Accept-Encoding is absent or "*"
  int64_t min_response_body_bytes = 1024;
  // Compared without case or spaces, parameters ignored. Mutually exclusive; gRPC is never
  // compressed (its messages carry their own compression flag).
  std::vector<std::string> included_content_types;
  std::vector<std::string> excluded_content_types;
};

/// Traefik's `retry`: `attempts` tries in all when the upstream cannot be reached or fails
/// before answering, waiting initialInterval, then twice as long each time.
struct RetryMiddleware {
  int64_t attempts = 0;
  std::chrono::milliseconds initial_interval = std::chrono::milliseconds(100);
};

/// Traefik's `buffering`: the request body is read whole before it goes upstream (then with a
/// Content-Length), and the response body whole before it goes to the client; past
/// memRequestBodyBytes / memResponseBodyBytes a body waits in a temporary file. 0: no limit.
/// With `retry_expression`, an answer it holds for is thrown away and the request sent again.
struct BufferingMiddleware {
  int64_t max_request_body_bytes = 0;            // over: 413
  int64_t mem_request_body_bytes = 1024 * 1024;  // Traefik's default
  int64_t max_response_body_bytes = 0;           // over: 500
  int64_t mem_response_body_bytes = 1024 * 1024;
  std::string retry_expression;  // as written; `retry` is its tree when set
  std::optional<BreakerExpression> retry;
};

/// Traefik's `grpcWeb`: a browser's gRPC-Web call (application/grpc-web, +proto, -text) goes
/// to an HTTP/2 upstream as gRPC and its answer comes back as gRPC-Web, trailers in the body;
/// preflights from `allow_origins` ("*": any) are answered.
struct GrpcWebMiddleware {
  std::vector<std::string> allow_origins;
};

/// Traefik's `forwardAuth`: every request is first asked about at `address` (GET, with the
/// request's fields and X-Forwarded-Method/Proto/Host/Uri/For); a 2xx lets it through with
/// authResponseHeaders copied onto it, anything else goes back to the client as the auth
/// server gave it.
struct ForwardAuthMiddleware {
  std::string address;                // http://host:port/path (https:// is refused)
  bool trust_forward_header = false;  // keep the client's X-Forwarded-* rather than set them
  std::vector<std::string> auth_response_headers;
  std::string auth_response_headers_regex;        // RE2; matched against response field names
  std::vector<std::string> auth_request_headers;  // empty: all of the request's fields
  std::vector<std::string> add_auth_cookies_to_response;  // cookie names
  // Traefik's: the auth server's Location as it gave it; false (the default) makes a relative
  // one absolute against `address`.
  bool preserve_location_header = false;
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // bridge's: the whole ask
};

/// Traefik's `circuitBreaker`: while `expression` holds over the last 10 s of the route's
/// answers, requests get `response_code` for `fallback_duration`, then come back gradually over
/// `recovery_duration`.
struct CircuitBreakerMiddleware {
  std::string expression;  // as written; `parsed` is its tree
  BreakerExpression parsed;
  std::chrono::milliseconds check_period = std::chrono::milliseconds(100);
  std::chrono::milliseconds fallback_duration = std::chrono::seconds(10);
  std::chrono::milliseconds recovery_duration = std::chrono::seconds(10);
  int64_t response_code = 503;
};

/// Which parts of a distinguished name Traefik's passTLSClientCert passes (info.subject,
/// info.issuer).
struct DistinguishedNameParts {
  bool country = false;
  bool province = false;
  bool locality = false;
  bool organization = false;
  bool organizational_unit = false;
  bool common_name = false;
  bool serial_number = false;
  bool domain_component = false;
};

/// What passTLSClientCert's `info` passes of each certificate.
struct ClientCertInfo {
  bool not_after = false;
  bool not_before = false;
  bool sans = false;
  bool serial_number = false;
  DistinguishedNameParts subject;
  DistinguishedNameParts issuer;
};

/// Traefik's `passTLSClientCert`: the mTLS client certificate goes upstream as
/// X-Forwarded-Tls-Client-Cert (pem) and X-Forwarded-Tls-Client-Cert-Info (info), as Traefik
/// encodes them.
struct PassTlsClientCertMiddleware {
  bool pem = false;
  std::optional<ClientCertInfo> info;
};

/// A status range of Traefik's `errors` ("500-599", or "404" for one status).
struct StatusRange {
  unsigned from = 0;
  unsigned to = 0;
  bool contains(unsigned status) const { return status >= from && status <= to; }
};

/// Traefik's `errors`: a response whose status is in `status` is replaced by a page fetched
/// from `service` at `query` ({status}, {originalStatus} and {url} filled in), keeping the
/// status (or the one statusRewrites gives it).
struct ErrorsMiddleware {
  std::vector<std::string> status;  // as written
  std::vector<StatusRange> ranges;  // the same, parsed
  std::string service;              // an upstream's name, or an http:// URL
  std::string query = "/";
  std::vector<std::pair<StatusRange, unsigned>> status_rewrites;  // in config order
};

struct Middleware {
  std::string name;
  std::string type;  // Traefik's type name, as written: "headers", "stripPrefix", ...
  std::optional<HeadersMiddleware> headers;
  std::optional<RedirectSchemeMiddleware> redirect_scheme;
  std::optional<RedirectRegexMiddleware> redirect_regex;
  std::optional<std::vector<std::string>> strip_prefix;                   // stripPrefix.prefixes
  std::optional<std::vector<std::string>> strip_prefix_regex;             // stripPrefixRegex.regex
  std::optional<std::string> add_prefix;                                  // addPrefix.prefix
  std::optional<std::string> replace_path;                                // replacePath.path
  std::optional<std::pair<std::string, std::string>> replace_path_regex;  // regex, replacement
  std::optional<IpAllowListMiddleware> ip_allow_list;
  std::optional<BasicAuthMiddleware> basic_auth;
  std::optional<DigestAuthMiddleware> digest_auth;
  std::optional<RateLimitMiddleware> rate_limit;
  std::optional<InFlightReqMiddleware> in_flight_req;
  std::optional<CompressMiddleware> compress;
  std::optional<RetryMiddleware> retry;
  std::optional<BufferingMiddleware> buffering;
  std::optional<GrpcWebMiddleware> grpc_web;
  std::optional<ForwardAuthMiddleware> forward_auth;
  std::optional<CircuitBreakerMiddleware> circuit_breaker;
  std::optional<ErrorsMiddleware> errors;
  // contentType: a response without Content-Type gets the type its first bytes show.
  // (autoDetect, deprecated in Traefik v3, = false turns that off.)
  std::optional<bool> content_type;
  std::optional<PassTlsClientCertMiddleware> pass_tls_client_cert;
  std::optional<std::vector<std::string>> chain;  // chain.middlewares
};

}  // namespace bridge::config
