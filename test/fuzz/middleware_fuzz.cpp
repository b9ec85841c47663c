// The HTTP middlewares (core/middleware) on request heads from clients: CORS preflights and
// origins, X-Forwarded-For for ipAllowList's strategies, Host and target in redirects, path
// rewrites with regexes, Accept-Encoding's q-values for compress (and the same fields read as a
// response's: Content-Type, Content-Length, Cache-Control), forwardAuth's question and the
// auth server's answer (the same fields again, as a 2xx or a 302), digestAuth's Authorization
// parameters, errors' page targets, passTLSClientCert's fields for a certificate made of the
// request's texts; gRPC-Web calls and preflights for grpcWeb, buffering's retryExpression; the
// input as a body for contentType and as gRPC-Web's base64 text (decoded in pieces, encoded
// again, decoded back the same). Every type runs on
// every input, with the properties the proxy relies on checked: no field value with CR, LF or NUL
// comes out (header injection), every rewritten target is origin-form, an answer is a status the
// type may give.
//
// Input: byte 0 picks the client address, the scheme, the auth answer and whether the client
// presented a certificate; the rest is an HTTP/1.1 request head.
#include "fuzz.hpp"

#include "http/h1.hpp"
#include "middleware/grpc_web.hpp"
#include "middleware/middleware.hpp"

#include <string>

namespace {

using namespace bridge;

config::Config middlewares() {
  config::Config c;
  auto add = [&c](std::string name) -> config::Middleware& {
    config::Middleware& m = c.middlewares.emplace_back();
    m.name = std::move(name);
    return m;
  };
  auto& cors = add("cors").headers.emplace();
  cors.allow_origin_list = {"http://localhost:3000", "https://app.test"};
  cors.allow_origin_list_regex = {"https?://[a-z]+\\.localhost(:[0-9]+)?"};
  cors.allow_methods = {"GET", "PUT"};
  cors.allow_headers = {"Content-Type", "X-Token"};
  cors.expose_headers = {"X-Total"};
  cors.allow_credentials = true;
  cors.max_age = 600;
  cors.add_vary_header = true;
  cors.custom_request_headers = {{"X-From", "bridge"}, {"User-Agent", ""}};
  cors.custom_response_headers = {{"X-Served-By", "bridge"}};
  cors.sts_seconds = 60;
  cors.frame_deny = true;
  cors.allowed_hosts = {"app.localhost", "127.0.0.1:8080"};
  cors.hosts_proxy_headers = {"X-Forwarded-Host"};
  add("wild").headers.emplace().allow_origin_list = {"*"};
  auto& office = add("office").ip_allow_list.emplace();
  office.source_range = {"10.0.0.0/8", "::1/128"};
  auto& behind = add("behind").ip_allow_list.emplace();
  behind.source_range = {"192.168.0.0/16"};
  behind.depth = 2;
  auto& excluded = add("excluded").ip_allow_list.emplace();
  excluded.source_range = {"127.0.0.1"};
  excluded.excluded_ips = {"10.0.0.0/8"};
  excluded.reject_status_code = 429;
  add("https").redirect_scheme = config::RedirectSchemeMiddleware{"https", "8443", true};
  add("moved").redirect_regex = config::RedirectRegexMiddleware{
      "^(https?)://([^/:]+)(:[0-9]+)?/old/(.*)", "$1://${2}/new/$4", false};
  add("strip").strip_prefix = std::vector<std::string>{"/api", "/v1/"};
  add("strip-re").strip_prefix_regex = std::vector<std::string>{"/[a-z]+/v[0-9]+"};
  add("prefix").add_prefix = "/base";
  add("replace").replace_path = "/health";
  add("replace-re").replace_path_regex =
      std::pair<std::string, std::string>{"^/a/(.*)/b", "/$1/${1}x"};
  auto& zip = add("zip").compress.emplace();
  zip.min_response_body_bytes = 100;
  zip.excluded_content_types = {"text/event-stream"};
  auto& zip_default = add("zip-default").compress.emplace();
  zip_default.encodings = {"zstd", "gzip"};
  zip_default.default_encoding = "gzip";
  zip_default.included_content_types = {"application/json"};
  auto& digest = add("digest").digest_auth.emplace();
  digest.realm = "dev";
  digest.users = {{"alice", "0d6cca2f67e7557f57b48792fe04352c"}};
  digest.header_field = "X-User";
  add("again").retry = config::RetryMiddleware{3, std::chrono::milliseconds(50)};
  auto& sso = add("sso").forward_auth.emplace();
  sso.address = "http://127.0.0.1:9091/verify";
  sso.auth_response_headers = {"X-User"};
  sso.auth_response_headers_regex = "^X-Auth-";
  sso.add_auth_cookies_to_response = {"session"};
  auto& pages = add("pages").errors.emplace();
  pages.status = {"500-599", "404"};
  pages.ranges = {{500, 599}, {404, 404}};
  pages.service = "http://127.0.0.1:8081";
  pages.query = "/{status}.html?from={url}&{originalStatus}{";
  pages.status_rewrites = {{{502, 504}, 503}};
  add("sniff").content_type = true;
  add("web").grpc_web = config::GrpcWebMiddleware{{"http://localhost:5173", "https://app.test"}};
  auto& hold = add("hold").buffering.emplace();
  config::BreakerExpressionError error;
  hold.retry_expression = "IsNetworkError() && Attempts() < 3 || ResponseCode() == 503";
  hold.retry = config::parse_retry_expression(hold.retry_expression, error);
  auto& mtls = add("mtls").pass_tls_client_cert.emplace();
  mtls.pem = true;
  auto& info = mtls.info.emplace();
  info.sans = info.not_before = info.serial_number = true;
  info.subject.common_name = info.subject.organization = info.issuer.domain_component = true;
  return c;
}

bool clean(std::string_view value) {
  return value.find_first_of("\r\n", 0) == std::string_view::npos &&
         value.find('\0') == std::string_view::npos;
}

void check(const middleware::Effects& fx, std::string_view type, const http::Fields& fields,
           std::string_view target) {
  if (fx.compression) {
    BRIDGE_FUZZ_CHECK(type == "compress" && fx.compression->options != nullptr);
    // The request's fields stand in for a response's: whatever they say, an answer or a reason.
    (void)middleware::compression_refusal(*fx.compression, 200, fields, false);
  }
  if (fx.retry) BRIDGE_FUZZ_CHECK(type == "retry" && fx.retry->attempts == 3);
  for (const auto& pages : fx.error_pages) {
    BRIDGE_FUZZ_CHECK(type == "errors");
    // The page's target carries the client's target escaped: still one origin-form target.
    const std::string page = middleware::error_page_target(*pages.options, 502, target);
    BRIDGE_FUZZ_CHECK(page.starts_with("/503.html?from=") && clean(page) &&
                      page.find_first_of(" #") == std::string::npos);
  }
  if (fx.sniff_step) BRIDGE_FUZZ_CHECK(type == "contentType");
  if (fx.grpc_web) BRIDGE_FUZZ_CHECK(type == "grpcWeb");
  if (fx.buffering) {
    BRIDGE_FUZZ_CHECK(type == "buffering" && fx.buffering->options->retry.has_value());
    // The client's Content-Length stands in for a status, its length for the attempts.
    const auto status = static_cast<unsigned>(fields.get("content-length").size() * 100 + 2);
    const bool again = middleware::retry_wanted(*fx.buffering->options,
                                                static_cast<int64_t>(target.size() % 12), status);
    if (target.size() % 12 >= middleware::buffering_max_attempts) BRIDGE_FUZZ_CHECK(!again);
  }
  for (const auto* edits : {&fx.request, &fx.response})
    for (const auto& e : *edits) BRIDGE_FUZZ_CHECK(clean(e.name) && clean(e.value));
  if (fx.target_changed) BRIDGE_FUZZ_CHECK(fx.target.starts_with('/'));
  if (!fx.answer) return;
  for (const auto& [name, value] : fx.answer->fields)
    BRIDGE_FUZZ_CHECK(clean(name) && clean(value));
  const unsigned status = fx.answer->status;
  if (type == "headers" || type == "grpcWeb") BRIDGE_FUZZ_CHECK(status == 204 || status == 500);
  if (type == "ipAllowList") BRIDGE_FUZZ_CHECK(status == 403 || status == 429);
  if (type == "forwardAuth") BRIDGE_FUZZ_CHECK(status == 302);
  if (type == "redirectScheme" || type == "redirectRegex")
    BRIDGE_FUZZ_CHECK(status == 301 || status == 302 || status == 307 || status == 308);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const config::Config config = middlewares();
  static const middleware::Set set(config);
  if (size < 1) return 0;
  // The bytes as a response body's start, for contentType.
  const std::string_view sniffed =
      middleware::sniff_content_type(std::string_view(reinterpret_cast<const char*>(data), size));
  BRIDGE_FUZZ_CHECK(sniffed.find('/') != std::string_view::npos);
  {
    // The bytes as a gRPC-Web text body, in pieces of 1 to 8 bytes: what decodes encodes and
    // decodes back the same.
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    middleware::Base64Decoder decoder;
    std::string decoded;
    bool valid = true;
    const size_t piece = (data[0] & 7) + 1;
    for (size_t at = 0; at < text.size() && valid; at += piece)
      valid = decoder.decode(text.substr(at, piece), decoded);
    if (valid && decoder.complete()) {
      middleware::Base64Encoder encoder;
      std::string encoded, again;
      encoder.encode(decoded, encoded);
      encoder.finish(encoded);
      middleware::Base64Decoder back;
      BRIDGE_FUZZ_CHECK(back.decode(encoded, again) && back.complete() && again == decoded);
    }
  }
  static constexpr std::string_view clients[] = {"127.0.0.1", "10.1.2.3", "::1", "192.168.7.7"};
  const std::string_view client = clients[data[0] & 3];
  const std::string_view scheme = (data[0] & 4) != 0 ? "https" : "http";
  http::RequestHead head;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!http::h1::parse_request_head(bytes, head).empty()) return 0;
  // A client certificate whose texts are the client's bytes (what a CA would sign is up to it).
  middleware::ClientCertificate cert;
  cert.pem = std::string(head.target);
  cert.subject = {{"CN", std::string(head.fields.get(http::Field::Host))}, {"O", "a,b=\"c\""}};
  cert.issuer = {{"DC", std::string(head.fields.get("origin"))}};
  cert.sans = {std::string(head.fields.get("referer")), "x@y.test"};
  const middleware::ClientCertificates certs = {cert, cert};
  const middleware::Request request{head.method_name,
                                    head.fields.get(http::Field::Host),
                                    scheme,
                                    head.target,
                                    &head.fields,
                                    client,
                                    route::IpAddress::parse(client),
                                    (data[0] & 16) != 0 ? &certs : nullptr};
  for (const config::Middleware& m : config.middlewares) {
    middleware::Effects fx;
    middleware::run(set.resolve({m.name}), request, fx);
    BRIDGE_FUZZ_CHECK(fx.steps.size() == 1);
    if (fx.auth) {
      // The auth server's answer: the request's own fields stand in for its fields and body.
      middleware::AuthRequest ask = middleware::auth_request(*fx.auth, request);
      for (const auto& [name, value] : ask.fields) BRIDGE_FUZZ_CHECK(clean(name) && clean(value));
      middleware::AuthReply reply;
      reply.status = (data[0] & 8) != 0 ? 200 : 302;
      for (const http::FieldRef f : head.fields) reply.fields.emplace_back(f.name, f.value);
      reply.body = head.target;
      middleware::complete_auth(request, std::move(reply), 1, fx);
      BRIDGE_FUZZ_CHECK(!fx.auth && (fx.answer.has_value() == ((data[0] & 8) == 0)));
    }
    check(fx, fx.steps.front().type, head.fields, head.target);
  }
  // All of them in one chain: each sees what the ones before left (a forwardAuth's pause is
  // passed over, as route test does).
  std::vector<std::string> names;
  for (const config::Middleware& m : config.middlewares) names.push_back(m.name);
  middleware::Effects fx;
  const middleware::Chain all = set.resolve(names);
  for (size_t at = 0; at < all.size() && !fx.answer; fx.auth.reset())
    at = middleware::run(all, request, fx, at);
  BRIDGE_FUZZ_CHECK(!fx.steps.empty());
  return 0;
}
