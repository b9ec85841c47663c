#pragma once
// The option decoders of the HTTP middleware types, one per Traefik type, shared by
// decode_middleware.cpp (which picks one by the type's name) and the files that hold them.

#include "config/detail/decode.hpp"

#include <string>
#include <string_view>

namespace bridge::config::detail {

/// RE2 with Go's syntax (Traefik's regexes are Go's): records the pattern's problem at `at`.
bool check_regex(Reader& r, std::string_view key, const std::string& pattern, const Node& at);

// decode_middleware_http.cpp: what a middleware changes or answers.
void decode_headers(Reader& r, HeadersMiddleware& out);
void decode_redirect_scheme(Reader& r, RedirectSchemeMiddleware& out);
void decode_redirect_regex(Reader& r, RedirectRegexMiddleware& out);
/// stripPrefix's `prefixes` or stripPrefixRegex's `regex` at `key`.
void decode_prefixes(Reader& r, std::string_view key, std::vector<std::string>& out, bool regex);

// decode_middleware_access.cpp: who may pass, and how often.
void decode_ip_allow_list(Reader& r, IpAllowListMiddleware& out);
void decode_basic_auth(Reader& r, BasicAuthMiddleware& out);
void decode_digest_auth(Reader& r, DigestAuthMiddleware& out);
void decode_pass_tls_client_cert(Reader& r, PassTlsClientCertMiddleware& out);
void decode_forward_auth(Reader& r, ForwardAuthMiddleware& out);
void decode_rate_limit(Reader& r, RateLimitMiddleware& out);
/// inFlightReq's options.
void decode_in_flight_req(Reader& r, InFlightReqMiddleware& out);

// decode_middleware_delivery.cpp: how the response is delivered.
void decode_compress(Reader& r, CompressMiddleware& out);
void decode_retry(Reader& r, RetryMiddleware& out);
void decode_buffering(Reader& r, BufferingMiddleware& out);
void decode_grpc_web(Reader& r, GrpcWebMiddleware& out);
void decode_circuit_breaker(Reader& r, CircuitBreakerMiddleware& out);
void decode_errors(Reader& r, ErrorsMiddleware& out);

}  // namespace bridge::config::detail
