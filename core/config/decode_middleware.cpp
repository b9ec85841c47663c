// [middlewares.NAME.TYPE] (and Traefik's own nesting [http.middlewares.NAME.TYPE]): HTTP
// middlewares with Traefik's type and option names, so a block from its documentation works
// when pasted. Routes and listeners list them by name in `middlewares`. Every option is checked
// here: types, ranges, regexes (compiled with RE2, which reads Go's syntax), and the
// combinations that cannot work.
#include "config/detail/decode.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace bridge::config::detail {
namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

constexpr std::array<std::string_view, 13> supported_types = {
    "headers",     "redirectScheme",   "redirectRegex",
    "stripPrefix", "stripPrefixRegex", "addPrefix",
    "replacePath", "replacePathRegex", "ipAllowList",
    "basicAuth",   "rateLimit",        "inFlightReq",
    "chain"};

// Traefik types bridge does not run yet: named, so a pasted block fails clearly rather than
// being dropped.
constexpr std::array<std::string_view, 11> later_types = {
    "digestAuth",        "forwardAuth", "retry",  "circuitBreaker",
    "compress",          "buffering",   "errors", "grpcWeb",
    "passTLSClientCert", "contentType", "plugin"};

std::vector<std::string> strings_of(auto const& list) {
  return std::vector<std::string>(list.begin(), list.end());
}

const std::string types_hint =
    "HTTP middlewares are " + join(strings_of(supported_types)) +
    " (e.g. [middlewares.api-cors.headers] accessControlAllowOriginList = "
    "[\"http://localhost:3000\"])";

// RE2 with Go's syntax (Traefik's regexes are Go's): an error names the pattern's problem.
bool check_regex(Reader& r, std::string_view key, const std::string& pattern, const Node& at) {
  RE2 re(pattern, RE2::Quiet);
  if (re.ok()) return true;
  r.decoder().fail(r.path(key) + ": invalid regular expression " + quoted(pattern) + ": " +
                       re.error(),
                   at, "regexes use Go's syntax (RE2), as in Traefik");
  return false;
}

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

// ipStrategy = { depth, excludedIPs } (ipAllowList, and sourceCriterion's).
void decode_ip_strategy(Reader& r, int64_t& depth, std::vector<std::string>& excluded) {
  const Node* strategy = r.table("ipStrategy");
  if (strategy == nullptr) return;
  Reader s(r.decoder(), *strategy, r.path("ipStrategy"), r.path("ipStrategy"),
           {"depth", "excludedIPs"});
  s.integer("depth", depth, 0, 64);
  s.strings("excludedIPs", excluded);
  const Node* list = s.get("excludedIPs");
  for (size_t i = 0; list && i < excluded.size(); ++i)
    if (!valid_cidr(excluded[i]))
      return r.decoder().fail(s.path("excludedIPs") + "[" + std::to_string(i) +
                                  "]: invalid address or CIDR " + quoted(excluded[i]),
                              list->items[i]);
  if (depth > 0 && !excluded.empty())
    r.decoder().fail(s.path("excludedIPs") + ": depth and excludedIPs exclude each other", *list,
                     "Traefik uses depth when both are set; keep one");
}

void decode_ip_allow_list(Reader& r, IpAllowListMiddleware& out) {
  if (!r.require("sourceRange", r.path(), "e.g. sourceRange = [\"127.0.0.1/32\"]")) return;
  r.strings("sourceRange", out.source_range);
  const Node* ranges = r.get("sourceRange");
  for (size_t i = 0; ranges && i < out.source_range.size(); ++i)
    if (!valid_cidr(out.source_range[i]))
      return r.decoder().fail(r.path("sourceRange") + "[" + std::to_string(i) +
                                  "]: invalid address or CIDR " + quoted(out.source_range[i]),
                              ranges->items[i],
                              "e.g. \"10.0.0.0/8\", \"192.168.1.7\" or \"::1/128\"");
  if (ranges && ranges->is(Kind::Array) && ranges->items.empty())
    return r.decoder().fail(r.path("sourceRange") + ": is empty, so no request would pass", *ranges,
                            "list the addresses or CIDRs that may send requests");
  decode_ip_strategy(r, out.depth, out.excluded_ips);
  r.integer("rejectStatusCode", out.reject_status_code, 400, 599);
}

bool read_text_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return !in.bad();
}

// The hashes htpasswd writes (and crypt's): -B bcrypt, -m apr1 MD5, -s SHA1, $1$/$5$/$6$.
bool known_hash(std::string_view hash) {
  for (std::string_view prefix : {"$2y$", "$2a$", "$2b$", "$apr1$", "{SHA}", "$1$", "$5$", "$6$"})
    if (hash.starts_with(prefix)) return true;
  return false;
}

constexpr std::string_view hash_hint =
    "make one with htpasswd -nB USER (bcrypt); htpasswd's -m (apr1 MD5) and -s (SHA1) "
    "hashes work too, plain passwords do not";

// "user:hash" into `out`; "" when fine, else why not.
std::string parse_user_line(std::string_view line,
                            std::vector<std::pair<std::string, std::string>>& out) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return "expected \"user:hash\"";
  std::string_view hash = line.substr(colon + 1);
  if (!known_hash(hash))
    return "the hash of user \"" + std::string(line.substr(0, colon)) +
           "\" is not one bridge checks";
  out.emplace_back(line.substr(0, colon), hash);
  return "";
}

void decode_basic_auth(Reader& r, BasicAuthMiddleware& out) {
  std::vector<std::string> users;
  r.strings("users", users);
  const Node* list = r.get("users");
  for (size_t i = 0; list && i < users.size(); ++i)
    if (auto why = parse_user_line(users[i], out.users); !why.empty())
      return r.decoder().fail(r.path("users") + "[" + std::to_string(i) + "]: " + why,
                              list->items[i], std::string(hash_hint));
  r.file("usersFile", out.users_file);
  if (!out.users_file.empty()) {
    std::string text;
    if (!read_text_file(out.users_file, text))
      return r.decoder().fail(r.path("usersFile") + ": cannot read " + quoted(out.users_file),
                              *r.get("usersFile"), "write it with htpasswd -cB FILE USER");
    std::vector<std::pair<std::string, std::string>> from_file;
    size_t number = 0;
    for (std::string_view rest = text; !rest.empty();) {
      const size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      ++number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      if (auto why = parse_user_line(line, from_file); !why.empty())
        return r.decoder().fail(r.path("usersFile") + ": " + out.users_file + ":" +
                                    std::to_string(number) + ": " + why,
                                *r.get("usersFile"), std::string(hash_hint));
    }
    for (auto& [user, hash] : from_file) {  // the file's line wins over `users`
      std::erase_if(out.users, [&user](const auto& u) { return u.first == user; });
      out.users.emplace_back(std::move(user), std::move(hash));
    }
  }
  r.string("realm", out.realm);
  r.string("headerField", out.header_field);
  r.boolean("removeHeader", out.remove_header);
  if (!out.header_field.empty() && !valid_header_name(out.header_field))
    return r.decoder().fail(r.path("headerField") + ": invalid header name " +
                                quoted(out.header_field),
                            *r.get("headerField"));
  if (out.realm.find_first_of("\"\\\r\n") != std::string::npos)
    return r.decoder().fail(
        r.path("realm") + ": may not contain quotes, backslashes or line breaks", *r.get("realm"));
  if (out.users.empty() && !out.users_file.empty() && !r.decoder().failed())
    return r.decoder().fail(r.path("usersFile") + ": " + quoted(out.users_file) +
                                " has no users, so no request would pass",
                            *r.get("usersFile"), std::string(hash_hint));
  if (out.users.empty() && !r.decoder().failed())
    r.decoder().fail(r.path() + ": needs users or usersFile", r.node(),
                     "e.g. users = [\"alice:$2y$05$...\"] (htpasswd -nB alice)");
}

void decode_source_criterion(Reader& r, SourceCriterion& out) {
  const Node* table = r.table("sourceCriterion");
  if (table == nullptr) return;
  Reader c(r.decoder(), *table, r.path("sourceCriterion"), r.path("sourceCriterion"),
           {"ipStrategy", "requestHeaderName", "requestHost"});
  decode_ip_strategy(c, out.depth, out.excluded_ips);
  c.string("requestHeaderName", out.request_header_name);
  c.boolean("requestHost", out.request_host);
  const int kinds =
      (c.get("ipStrategy") != nullptr) + !out.request_header_name.empty() + out.request_host;
  if (kinds > 1)
    r.decoder().fail(c.path() + ": set one of ipStrategy, requestHeaderName and requestHost",
                     *table);
  if (!out.request_header_name.empty() && !valid_header_name(out.request_header_name))
    r.decoder().fail(c.path("requestHeaderName") + ": invalid header name " +
                         quoted(out.request_header_name),
                     *c.get("requestHeaderName"));
}

void decode_rate_limit(Reader& r, RateLimitMiddleware& out) {
  if (!r.require("average", r.path(), "e.g. average = 100 (requests per period, 1s by default)"))
    return;
  if (const Node* average = r.get("average"); average->is(Kind::Integer) && average->integer == 0)
    return r.decoder().fail(r.path("average") + ": 0 would let every request through", *average,
                            "remove the middleware to turn limiting off");
  r.integer("average", out.average, 1, 1'000'000'000);
  if (const Node* period = r.get("period"); period && period->is(Kind::Integer)) {
    int64_t seconds = 0;  // Traefik reads a bare number as seconds
    r.integer("period", seconds, 1, 365LL * 24 * 3600);
    out.period = std::chrono::seconds(seconds);
  } else {
    r.duration("period", out.period, true);
  }
  r.integer("burst", out.burst, 1, 1'000'000'000);
  decode_source_criterion(r, out.source);
}

void decode_one(Decoder& d, const Entry& entry, const std::string& prefix, Middleware& out) {
  const std::string path = prefix + render_key(entry.key);
  if (!entry.value.is(Kind::Table) || entry.value.entries.size() != 1)
    return d.fail(path + ": needs exactly one middleware type", entry.value, types_hint);
  const Entry& kind = entry.value.entries.front();
  const std::string kind_path = path + "." + render_key(kind.key);
  out.type = kind.key;
  if (!kind.value.is(Kind::Table))
    return d.fail(kind_path + ": expected a table", kind.value, types_hint);
  const std::string& t = kind.key;
  auto reader = [&](std::initializer_list<std::string_view> keys) {
    return Reader(d, kind.value, kind_path, kind_path, keys);
  };
  if (t == "headers") {
    Reader r = reader({"customRequestHeaders",
                       "customResponseHeaders",
                       "accessControlAllowCredentials",
                       "accessControlAllowHeaders",
                       "accessControlAllowMethods",
                       "accessControlAllowOriginList",
                       "accessControlAllowOriginListRegex",
                       "accessControlExposeHeaders",
                       "accessControlMaxAge",
                       "addVaryHeader",
                       "allowedHosts",
                       "hostsProxyHeaders",
                       "stsSeconds",
                       "stsIncludeSubdomains",
                       "stsPreload",
                       "forceSTSHeader",
                       "frameDeny",
                       "customFrameOptionsValue",
                       "contentTypeNosniff",
                       "browserXssFilter",
                       "customBrowserXSSValue",
                       "contentSecurityPolicy",
                       "contentSecurityPolicyReportOnly",
                       "publicKey",
                       "referrerPolicy",
                       "permissionsPolicy",
                       "isDevelopment"});
    decode_headers(r, out.headers.emplace());
  } else if (t == "redirectScheme") {
    Reader r = reader({"scheme", "port", "permanent"});
    decode_redirect_scheme(r, out.redirect_scheme.emplace());
  } else if (t == "redirectRegex") {
    Reader r = reader({"regex", "replacement", "permanent"});
    decode_redirect_regex(r, out.redirect_regex.emplace());
  } else if (t == "stripPrefix") {
    Reader r = reader({"prefixes", "forceSlash"});
    bool force_slash = false;  // deprecated in Traefik and without effect; accepted
    r.boolean("forceSlash", force_slash);
    decode_prefixes(r, "prefixes", out.strip_prefix.emplace(), false);
  } else if (t == "stripPrefixRegex") {
    Reader r = reader({"regex"});
    decode_prefixes(r, "regex", out.strip_prefix_regex.emplace(), true);
  } else if (t == "addPrefix") {
    Reader r = reader({"prefix"});
    if (!r.require("prefix", kind_path, "e.g. prefix = \"/v1\"")) return;
    r.string("prefix", out.add_prefix.emplace());
    if (!out.add_prefix->starts_with('/'))
      d.fail(r.path("prefix") + ": " + quoted(*out.add_prefix) + " does not start with /",
             *r.get("prefix"), "e.g. prefix = \"/v1\"");
  } else if (t == "replacePath") {
    Reader r = reader({"path"});
    if (!r.require("path", kind_path, "e.g. path = \"/health\"")) return;
    r.string("path", out.replace_path.emplace());
    if (!out.replace_path->starts_with('/'))
      d.fail(r.path("path") + ": " + quoted(*out.replace_path) + " does not start with /",
             *r.get("path"), "e.g. path = \"/health\"");
  } else if (t == "replacePathRegex") {
    Reader r = reader({"regex", "replacement"});
    if (!r.require("regex", kind_path, "e.g. regex = \"^/api/(.*)\"") ||
        !r.require("replacement", kind_path, "e.g. replacement = \"/v2/$1\""))
      return;
    auto& [regex, replacement] = out.replace_path_regex.emplace();
    r.string("regex", regex);
    r.string("replacement", replacement);
    if (const Node* at = r.get("regex"); at && at->is(Kind::String))
      check_regex(r, "regex", regex, *at);
  } else if (t == "ipAllowList") {
    Reader r = reader({"sourceRange", "ipStrategy", "rejectStatusCode"});
    decode_ip_allow_list(r, out.ip_allow_list.emplace());
  } else if (t == "basicAuth") {
    Reader r = reader({"users", "usersFile", "realm", "headerField", "removeHeader"});
    decode_basic_auth(r, out.basic_auth.emplace());
  } else if (t == "rateLimit") {
    Reader r = reader({"average", "period", "burst", "sourceCriterion"});
    decode_rate_limit(r, out.rate_limit.emplace());
  } else if (t == "inFlightReq") {
    Reader r = reader({"amount", "sourceCriterion"});
    auto& in_flight = out.in_flight_req.emplace();
    if (!r.require("amount", kind_path, "e.g. amount = 10")) return;
    r.integer("amount", in_flight.amount, 1, 1'000'000'000);
    decode_source_criterion(r, in_flight.source);
  } else if (t == "chain") {
    Reader r = reader({"middlewares"});
    if (!r.require("middlewares", kind_path, "e.g. middlewares = [\"rid\", \"api-cors\"]")) return;
    r.strings("middlewares", out.chain.emplace());
  } else if (t == "ipWhiteList") {
    d.fail(d.sources().error(path + ": Traefik v3 renamed ipWhiteList to ipAllowList",
                             kind.key_origin, kind.key_span, "write ipAllowList"));
  } else if (std::find(later_types.begin(), later_types.end(), t) != later_types.end()) {
    d.fail(d.sources().error(path + ": bridge does not run the Traefik middleware " + quoted(t) +
                                 " yet",
                             kind.key_origin, kind.key_span, types_hint));
  } else {
    std::vector<std::string> known = strings_of(supported_types);
    d.fail(d.sources().error(path + ": unknown middleware type " + quoted(t), kind.key_origin,
                             kind.key_span, suggest(t, known, types_hint)));
  }
}

void decode_table(Decoder& d, const Node& table, const std::string& prefix, Config& config) {
  for (const Entry& entry : table.entries) {
    if (config.find_middleware(entry.key) != nullptr)
      return d.fail(d.sources().error(prefix + render_key(entry.key) + ": the middleware " +
                                          quoted(entry.key) + " is defined twice",
                                      entry.key_origin, entry.key_span,
                                      "[middlewares] and [http.middlewares] share one namespace"));
    config.middlewares.emplace_back().name = entry.key;
    decode_one(d, entry, prefix, config.middlewares.back());
  }
}

// The `chain.middlewares` array of the middleware `name`, under either nesting.
const Node* chain_list(const Node& document, const std::string& name) {
  const Node* http = document.find("http");
  for (const Node* table :
       {document.find("middlewares"), http != nullptr ? http->find("middlewares") : nullptr}) {
    const Node* m = table != nullptr ? table->find(name) : nullptr;
    const Node* chain = m != nullptr ? m->find("chain") : nullptr;
    if (chain != nullptr && chain->find("middlewares") != nullptr)
      return chain->find("middlewares");
  }
  return nullptr;
}

// A chain may not contain itself, directly or through another chain.
void check_chain_cycles(Decoder& d, const Config& config, const Node& document) {
  for (const Middleware& m : config.middlewares) {
    if (!m.chain) continue;
    std::vector<const Middleware*> todo{&m}, seen;
    while (!todo.empty()) {
      const Middleware* at = todo.back();
      todo.pop_back();
      if (!at->chain || std::find(seen.begin(), seen.end(), at) != seen.end()) continue;
      seen.push_back(at);
      for (const std::string& name : *at->chain) {
        if (name == m.name) {
          const Node* where = chain_list(document, m.name);
          return d.fail("middlewares." + render_key(m.name) + ".chain: contains itself (through " +
                            quoted(at->name) + ")",
                        where != nullptr ? *where : document, "a chain lists other middlewares");
        }
        if (const Middleware* next = config.find_middleware(name)) todo.push_back(next);
      }
    }
  }
}

}  // namespace

void decode_middlewares(Decoder& d, const Node& document, Config& config) {
  if (const Node* table = document.find("middlewares")) {
    if (!table->is(Kind::Table))
      return d.fail("middlewares: expected a table of named middlewares", *table,
                    "e.g. [middlewares.api-cors.headers] accessControlAllowOriginList = "
                    "[\"http://localhost:3000\"]");
    decode_table(d, *table, "middlewares.", config);
  }
  if (const Node* http = document.find("http")) {
    if (!http->is(Kind::Table)) return d.fail("http: expected a table", *http);
    Reader r(d, *http, "http", "[http]", {"middlewares"});
    if (const Node* table = r.table("middlewares"))
      decode_table(d, *table, "http.middlewares.", config);
  }
  if (d.failed()) return;
  // A chain's members must exist (checked once all are read: order in the file is free).
  for (const Middleware& m : config.middlewares) {
    if (!m.chain) continue;
    for (const std::string& name : *m.chain)
      if (config.find_middleware(name) == nullptr) {
        const Node* where = chain_list(document, m.name);
        return d.fail("middleware " + quoted(m.name) + ": unknown middleware " + quoted(name) +
                          " in its chain",
                      where != nullptr ? *where : document,
                      suggest(name, names_of(config.middlewares),
                              "defined: " + join(names_of(config.middlewares))));
      }
  }
  check_chain_cycles(d, config, document);
}

void check_middleware_names(Reader& r, const std::vector<std::string>& names,
                            const std::string& owner, const Config& config) {
  check_names(r, "middlewares", names, owner, names_of(config.middlewares), "middleware");
}

}  // namespace bridge::config::detail
