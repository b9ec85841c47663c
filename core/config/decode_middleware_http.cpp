// The options of the HTTP middlewares that change a request or answer it: headers (custom
// fields, security headers, CORS), redirectScheme, redirectRegex, and the path rewrites.
#include "config/detail/decode_middleware.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace bridge::config::detail {

bool check_regex(Reader& r, std::string_view key, const std::string& pattern, const Node& at) {
  RE2 re(pattern, RE2::Quiet);
  if (re.ok()) return true;
  r.decoder().fail(r.path(key) + ": invalid regular expression " + quoted(pattern) + ": " +
                       re.error(),
                   at, "regexes use Go's syntax (RE2), as in Traefik");
  return false;
}

namespace {

// A table of header name -> value (customRequestHeaders, customResponseHeaders).
void header_map(Reader& r, std::string_view key,
                std::vector<std::pair<std::string, std::string>>& out) {
  const Node* table = r.table(key);
  if (table == nullptr) return;
  for (const Entry& e : table->entries) {
    if (!valid_header_name(e.key))
      return r.decoder().fail(r.decoder().sources().error(
          r.path(key) + ": invalid header name " + quoted(e.key), e.key_origin, e.key_span,
          "header names are letters, digits and !#$%&'*+-.^_`|~"));
    if (!r.expect(std::string(key) + "." + render_key(e.key), e.value, Kind::String,
                  "a string (\"\" removes the header)"))
      return;
    out.emplace_back(e.key, e.value.text);
  }
}

void header_names(Reader& r, std::string_view key, std::vector<std::string>& out) {
  r.strings(key, out);
  const Node* list = r.get(key);
  for (size_t i = 0; list && i < out.size(); ++i)
    if (out[i] != "*" && !valid_header_name(out[i]))
      return r.decoder().fail(r.path(key) + ": invalid header name " + quoted(out[i]),
                              list->items[i]);
}

}  // namespace

void decode_headers(Reader& r, HeadersMiddleware& out) {
  header_map(r, "customRequestHeaders", out.custom_request_headers);
  header_map(r, "customResponseHeaders", out.custom_response_headers);
  r.strings("accessControlAllowOriginList", out.allow_origin_list);
  r.strings("accessControlAllowOriginListRegex", out.allow_origin_list_regex);
  if (const Node* list = r.get("accessControlAllowOriginListRegex"))
    for (size_t i = 0; i < out.allow_origin_list_regex.size(); ++i)
      if (!check_regex(r, "accessControlAllowOriginListRegex", out.allow_origin_list_regex[i],
                       list->items[i]))
        return;
  r.strings("accessControlAllowMethods", out.allow_methods);
  header_names(r, "accessControlAllowHeaders", out.allow_headers);
  header_names(r, "accessControlExposeHeaders", out.expose_headers);
  r.boolean("accessControlAllowCredentials", out.allow_credentials);
  if (r.get("accessControlMaxAge"))
    r.integer("accessControlMaxAge", out.max_age.emplace(), 0, 365LL * 24 * 3600);
  r.boolean("addVaryHeader", out.add_vary_header);
  r.strings("allowedHosts", out.allowed_hosts);
  header_names(r, "hostsProxyHeaders", out.hosts_proxy_headers);
  r.integer("stsSeconds", out.sts_seconds, 0, 10LL * 365 * 24 * 3600);
  r.boolean("stsIncludeSubdomains", out.sts_include_subdomains);
  r.boolean("stsPreload", out.sts_preload);
  r.boolean("forceSTSHeader", out.force_sts_header);
  r.boolean("frameDeny", out.frame_deny);
  r.string("customFrameOptionsValue", out.custom_frame_options_value);
  r.boolean("contentTypeNosniff", out.content_type_nosniff);
  r.boolean("browserXssFilter", out.browser_xss_filter);
  r.string("customBrowserXSSValue", out.custom_browser_xss_value);
  r.string("contentSecurityPolicy", out.content_security_policy);
  r.string("contentSecurityPolicyReportOnly", out.content_security_policy_report_only);
  r.string("publicKey", out.public_key);
  r.string("referrerPolicy", out.referrer_policy);
  r.string("permissionsPolicy", out.permissions_policy);
  r.boolean("isDevelopment", out.is_development);
  // Browsers refuse credentials with a wildcard origin (Fetch standard, CORS protocol).
  const bool wildcard = std::find(out.allow_origin_list.begin(), out.allow_origin_list.end(),
                                  "*") != out.allow_origin_list.end();
  if (out.allow_credentials && wildcard && !r.decoder().failed())
    r.decoder().fail(r.path("accessControlAllowCredentials") +
                         ": credentials cannot be allowed for the origin \"*\": browsers refuse "
                         "such a response",
                     *r.get("accessControlAllowCredentials"),
                     "list the origins that may send credentials in accessControlAllowOriginList");
}

void decode_grpc_web(Reader& r, GrpcWebMiddleware& out) {
  r.strings("allowOrigins", out.allow_origins);
  const Node* list = r.get("allowOrigins");
  for (size_t i = 0; list != nullptr && i < out.allow_origins.size(); ++i) {
    // A browser's Origin is scheme://host[:port], nothing after: "http://a.test/" never matches.
    const std::string& origin = out.allow_origins[i];
    const size_t host = origin.find("://");
    const bool valid =
        origin == "*" || (host != std::string::npos && host > 0 && origin.size() > host + 3 &&
                          origin.find('/', host + 3) == std::string::npos);
    if (!valid)
      return r.decoder().fail(r.path("allowOrigins") + "[" + std::to_string(i) +
                                  "]: " + quoted(origin) + " is not an origin",
                              list->items[i],
                              "an origin is scheme://host[:port] as a browser sends it, e.g. "
                              "\"http://localhost:5173\" (no path, no trailing /), or \"*\"");
  }
}

void decode_redirect_scheme(Reader& r, RedirectSchemeMiddleware& out) {
  if (!r.require("scheme", r.path(), "e.g. scheme = \"https\"")) return;
  r.string("scheme", out.scheme);
  if (const Node* port = r.get("port"); port && port->is(Kind::Integer))
    out.port = std::to_string(port->integer);  // Traefik takes a string; a number is meant too
  else
    r.string("port", out.port);
  r.boolean("permanent", out.permanent);
  const bool digits =
      std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || out.port.size() > 5 || (!out.port.empty() && std::stoi(out.port) > 65535))
    r.decoder().fail(r.path("port") + ": invalid port " + quoted(out.port), *r.get("port"),
                     "a port number such as \"8443\"");
  if (out.scheme.empty() || out.scheme.find_first_of(":/ ") != std::string::npos)
    r.decoder().fail(r.path("scheme") + ": invalid scheme " + quoted(out.scheme), *r.get("scheme"),
                     "e.g. scheme = \"https\"");
}

void decode_redirect_regex(Reader& r, RedirectRegexMiddleware& out) {
  if (!r.require("regex", r.path(), "e.g. regex = \"^http://localhost/(.*)\"") ||
      !r.require("replacement", r.path(), "e.g. replacement = \"http://app.localhost/${1}\""))
    return;
  r.string("regex", out.regex);
  r.string("replacement", out.replacement);
  r.boolean("permanent", out.permanent);
  if (const Node* at = r.get("regex"); at && at->is(Kind::String))
    check_regex(r, "regex", out.regex, *at);
}

void decode_prefixes(Reader& r, std::string_view key, std::vector<std::string>& out, bool regex) {
  if (!r.require(key, r.path(),
                 regex ? "e.g. regex = [\"^/api/v[0-9]+\"]" : "e.g. prefixes = [\"/api\"]"))
    return;
  r.strings(key, out);
  const Node* list = r.get(key);
  if (list != nullptr && list->is(Kind::Array) && list->items.empty())
    return r.decoder().fail(r.path(key) + ": is empty, so nothing would be stripped", *list);
  for (size_t i = 0; list && i < out.size(); ++i) {
    if (regex) {
      if (!check_regex(r, key, out[i], list->items[i])) return;
    } else if (!out[i].starts_with('/')) {
      return r.decoder().fail(r.path(key) + "[" + std::to_string(i) + "]: " + quoted(out[i]) +
                                  " does not start with /",
                              list->items[i], "e.g. \"/api\"");
    }
  }
}

}  // namespace bridge::config::detail
