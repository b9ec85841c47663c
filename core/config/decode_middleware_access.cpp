// The options of the HTTP middlewares that decide who may pass and how often: ipAllowList,
// basicAuth and digestAuth (with their htpasswd and htdigest users), rateLimit and inFlightReq
// (with sourceCriterion).
#include "config/detail/decode_middleware.hpp"

#include "common/text.hpp"
#include "common/url.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

namespace bridge::config::detail {
namespace {

// ipStrategy = { depth, excludedIPs } (ipAllowList, and sourceCriterion's).
void decode_ip_strategy(Reader& r, int64_t& depth, std::vector<std::string>& excluded) {
  const Node* strategy = r.table("ipStrategy");
  if (strategy == nullptr) return;
  Reader s(r, "ipStrategy", *strategy);
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

void decode_source_criterion(Reader& r, SourceCriterion& out) {
  const Node* table = r.table("sourceCriterion");
  if (table == nullptr) return;
  Reader c(r, "sourceCriterion", *table);
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

}  // namespace

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

namespace {

using Users = std::vector<std::pair<std::string, std::string>>;
using ParseLine = std::function<std::string(std::string_view, Users&)>;

// `users` then `usersFile` (one line each, # comments), each line through `parse`; the file's
// line for a user wins over `users`, as in Traefik. False once something failed.
bool decode_users(Reader& r, Users& out, std::string& file, const ParseLine& parse,
                  std::string_view hint, std::string_view make_file) {
  std::vector<std::string> users;
  r.strings("users", users);
  const Node* list = r.get("users");
  for (size_t i = 0; list && i < users.size(); ++i)
    if (auto why = parse(users[i], out); !why.empty()) {
      r.decoder().fail(r.path("users") + "[" + std::to_string(i) + "]: " + why, list->items[i],
                       std::string(hint));
      return false;
    }
  r.file("usersFile", file);
  if (file.empty()) return true;
  std::string text;
  if (!read_text_file(file, text)) {
    r.decoder().fail(r.path("usersFile") + ": cannot read " + quoted(file), *r.get("usersFile"),
                     std::string(make_file));
    return false;
  }
  Users from_file;
  size_t number = 0;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (auto why = parse(line, from_file); !why.empty()) {
      r.decoder().fail(r.path("usersFile") + ": " + file + ":" + std::to_string(number) + ": " +
                           why,
                       *r.get("usersFile"), std::string(hint));
      return false;
    }
  }
  for (auto& line : from_file) {
    // (no structured binding: clang 14, which builds the fuzzers, cannot capture one)
    const std::string& user = line.first;
    std::erase_if(out, [&user](const auto& u) { return u.first == user; });
    out.push_back(std::move(line));
  }
  return true;
}

// realm, headerField and removeHeader, as basicAuth and digestAuth share them.
bool decode_auth_common(Reader& r, std::string& realm, std::string& header_field,
                        bool& remove_header) {
  r.string("realm", realm);
  r.string("headerField", header_field);
  r.boolean("removeHeader", remove_header);
  if (!header_field.empty() && !valid_header_name(header_field)) {
    r.decoder().fail(r.path("headerField") + ": invalid header name " + quoted(header_field),
                     *r.get("headerField"));
    return false;
  }
  if (realm.find_first_of("\"\\\r\n") != std::string::npos) {
    r.decoder().fail(r.path("realm") + ": may not contain quotes, backslashes or line breaks",
                     *r.get("realm"));
    return false;
  }
  return true;
}

// No user at all: nobody could pass, which is never what was meant.
void require_users(Reader& r, const Users& users, const std::string& file, std::string_view hint,
                   std::string_view example) {
  if (!users.empty() || r.decoder().failed()) return;
  if (!file.empty())
    return r.decoder().fail(r.path("usersFile") + ": " + quoted(file) +
                                " has no users, so no request would pass",
                            *r.get("usersFile"), std::string(hint));
  r.decoder().fail(r.path() + ": needs users or usersFile", r.node(), std::string(example));
}

constexpr std::string_view digest_hint =
    "make one with htdigest -c FILE REALM USER; a line is user:realm:MD5(user:realm:password)";

bool is_md5_hex(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

}  // namespace

void decode_basic_auth(Reader& r, BasicAuthMiddleware& out) {
  if (!decode_users(r, out.users, out.users_file, parse_user_line, hash_hint,
                    "write it with htpasswd -cB FILE USER"))
    return;
  if (!decode_auth_common(r, out.realm, out.header_field, out.remove_header)) return;
  require_users(r, out.users, out.users_file, hash_hint,
                "e.g. users = [\"alice:$2y$05$...\"] (htpasswd -nB alice)");
}

void decode_digest_auth(Reader& r, DigestAuthMiddleware& out) {
  // The realm first: it is part of every hash, and lines of other realms are left out.
  if (!decode_auth_common(r, out.realm, out.header_field, out.remove_header)) return;
  size_t other_realm = 0;
  const std::string& realm = out.realm;
  auto parse = [&realm, &other_realm](std::string_view line, Users& users) -> std::string {
    const size_t first = line.find(':');
    const size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (first == 0 || second == std::string_view::npos) return "expected \"user:realm:hash\"";
    std::string_view hash = line.substr(second + 1);
    if (!is_md5_hex(hash))
      return "the hash of user \"" + std::string(line.substr(0, first)) +
             "\" is not 32 hex digits (MD5 of user:realm:password)";
    if (line.substr(first + 1, second - first - 1) != realm) {
      ++other_realm;
      return "";
    }
    std::string lower(hash);
    for (char& c : lower) c = ascii_lower(c);
    users.emplace_back(line.substr(0, first), std::move(lower));
    return "";
  };
  if (!decode_users(r, out.users, out.users_file, parse, digest_hint,
                    "write it with htdigest -c FILE REALM USER"))
    return;
  if (out.users.empty() && other_realm > 0 && !r.decoder().failed())
    return r.decoder().fail(r.path() + ": no user of realm " + quoted(out.realm) + " (" +
                                std::to_string(other_realm) + " of other realms)",
                            r.node(), "set realm to the one the users were made for");
  require_users(r, out.users, out.users_file, digest_hint,
                "e.g. users = [\"alice:traefik:...\"] (htdigest -c FILE traefik alice)");
}

void decode_forward_auth(Reader& r, ForwardAuthMiddleware& out) {
  if (!r.require("address", r.path(), "e.g. address = \"http://127.0.0.1:9091/api/verify\""))
    return;
  r.string("address", out.address);
  const Node& address = *r.get("address");
  if (!address.is(Kind::String)) return;
  const auto parsed = parse_http_address(out.address);
  if (!parsed)
    return r.decoder().fail(r.path("address") + ": " + quoted(out.address) +
                                " is not an http:// URL with a host",
                            address, "e.g. address = \"http://127.0.0.1:9091/api/verify\"");
  if (parsed->tls)
    return r.decoder().fail(r.path("address") + ": bridge asks auth servers over http:// only",
                            address,
                            "point it at the auth server's plain port on loopback or the "
                            "compose network");
  if (const Node* tls = r.get("tls"))
    return r.decoder().fail(r.path("tls") + ": bridge asks auth servers over http:// only", *tls,
                            "remove tls");
  bool forward_body = false;
  r.boolean("forwardBody", forward_body);
  if (forward_body)
    return r.decoder().fail(r.path("forwardBody") +
                                ": bridge does not send the request body to the auth server",
                            *r.get("forwardBody"), "remove forwardBody");
  int64_t max_body = 0;  // only with forwardBody in Traefik: accepted, without effect
  r.integer("maxBodySize", max_body, -1, 1LL << 40);
  r.boolean("trustForwardHeader", out.trust_forward_header);
  r.boolean("preserveLocationHeader", out.preserve_location_header);
  r.strings("authResponseHeaders", out.auth_response_headers);
  r.strings("authRequestHeaders", out.auth_request_headers);
  r.strings("addAuthCookiesToResponse", out.add_auth_cookies_to_response);
  for (const char* key : {"authResponseHeaders", "authRequestHeaders"}) {
    const Node* list = r.get(key);
    const auto& names = std::string_view(key) == "authResponseHeaders" ? out.auth_response_headers
                                                                       : out.auth_request_headers;
    for (size_t i = 0; list != nullptr && i < names.size(); ++i)
      if (!valid_header_name(names[i]))
        return r.decoder().fail(r.path(key) + "[" + std::to_string(i) + "]: invalid header name " +
                                    quoted(names[i]),
                                list->items[i]);
  }
  r.string("authResponseHeadersRegex", out.auth_response_headers_regex);
  if (const Node* at = r.get("authResponseHeadersRegex"); at && at->is(Kind::String))
    check_regex(r, "authResponseHeadersRegex", out.auth_response_headers_regex, *at);
  r.duration("timeout", out.timeout, true);
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

void decode_in_flight_req(Reader& r, InFlightReqMiddleware& out) {
  if (!r.require("amount", r.path(), "e.g. amount = 10")) return;
  r.integer("amount", out.amount, 1, 1'000'000'000);
  decode_source_criterion(r, out.source);
}

namespace {

void decode_dn_parts(Reader& r, std::string_view key, DistinguishedNameParts& out) {
  const Node* table = r.table(key);
  if (table == nullptr) return;
  Reader d(r, key, *table);
  d.boolean("country", out.country);
  d.boolean("province", out.province);
  d.boolean("locality", out.locality);
  d.boolean("organization", out.organization);
  d.boolean("organizationalUnit", out.organizational_unit);
  d.boolean("commonName", out.common_name);
  d.boolean("serialNumber", out.serial_number);
  d.boolean("domainComponent", out.domain_component);
}

}  // namespace

void decode_pass_tls_client_cert(Reader& r, PassTlsClientCertMiddleware& out) {
  r.boolean("pem", out.pem);
  if (const Node* table = r.table("info")) {
    Reader i(r, "info", *table);
    auto& info = out.info.emplace();
    i.boolean("notAfter", info.not_after);
    i.boolean("notBefore", info.not_before);
    i.boolean("sans", info.sans);
    i.boolean("serialNumber", info.serial_number);
    decode_dn_parts(i, "subject", info.subject);
    decode_dn_parts(i, "issuer", info.issuer);
  }
  if (!out.pem && !out.info && !r.decoder().failed())
    r.decoder().fail(r.path() + ": passes nothing: set pem = true or info", r.node(),
                     "e.g. pem = true, or info = { sans = true, subject = { commonName = true } }");
}

}  // namespace bridge::config::detail
