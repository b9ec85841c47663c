#pragma once
// The middleware kinds, each built from its config; set.cpp picks one by the config's type.

#include "middleware/middleware.hpp"

namespace re2 {
class RE2;
}

namespace bridge::middleware::detail {

std::unique_ptr<Middleware> make_headers(const std::string& name,
                                         const config::HeadersMiddleware& options);
std::unique_ptr<Middleware> make_redirect_scheme(const std::string& name,
                                                 const config::RedirectSchemeMiddleware& options);
std::unique_ptr<Middleware> make_redirect_regex(const std::string& name,
                                                const config::RedirectRegexMiddleware& options);
/// stripPrefix, stripPrefixRegex, addPrefix, replacePath, replacePathRegex.
std::unique_ptr<Middleware> make_path_rewrite(const config::Middleware& config);
std::unique_ptr<Middleware> make_basic_auth(const std::string& name,
                                            const config::BasicAuthMiddleware& options);
std::unique_ptr<Middleware> make_digest_auth(const std::string& name,
                                             const config::DigestAuthMiddleware& options);
std::unique_ptr<Middleware> make_rate_limit(const std::string& name,
                                            const config::RateLimitMiddleware& options);
std::unique_ptr<Middleware> make_in_flight_req(const std::string& name,
                                               const config::InFlightReqMiddleware& options);
std::unique_ptr<Middleware> make_ip_allow_list(const std::string& name,
                                               const config::IpAllowListMiddleware& options);
std::unique_ptr<Middleware> make_compress(const std::string& name,
                                          const config::CompressMiddleware& options);
std::unique_ptr<Middleware> make_forward_auth(const std::string& name,
                                              const config::ForwardAuthMiddleware& options);
std::unique_ptr<Middleware> make_circuit_breaker(const std::string& name,
                                                 const config::CircuitBreakerMiddleware& options);
std::unique_ptr<Middleware> make_errors(const std::string& name,
                                        const config::ErrorsMiddleware& options);
/// contentType; `detect` false (autoDetect = false) makes it do nothing.
std::unique_ptr<Middleware> make_content_type(const std::string& name, bool detect);
std::unique_ptr<Middleware>
make_pass_tls_client_cert(const std::string& name,
                          const config::PassTlsClientCertMiddleware& options);
std::unique_ptr<Middleware> make_grpc_web(const std::string& name,
                                          const config::GrpcWebMiddleware& options);
std::unique_ptr<Middleware> make_buffering(const std::string& name,
                                           const config::BufferingMiddleware& options);
std::unique_ptr<Middleware> make_retry(const std::string& name,
                                       const config::RetryMiddleware& options);

/// The status a redirect answers with, as Traefik chooses it: 302/301 for GET, and 307/308
/// (which keep the method and body) for anything else.
unsigned redirect_status(std::string_view method, bool permanent);

/// A Go regexp replacement template ($1, ${1}, ${name}, $$) as an RE2 rewrite string (\1).
std::string re2_rewrite(std::string_view go_template, const re2::RE2& regex);

}  // namespace bridge::middleware::detail
