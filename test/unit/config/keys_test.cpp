// The key table (config/keys.hpp) against the decoder: every key it lists is read, as its type,
// with its allowed values; its defaults are the decoder's; its examples are TOML of that type.
// `bridge config keys` and docs/configuration.md print this table, so these tests are what keeps
// the reference true.
#include "config/detail/decode.hpp"
#include "config/detail/toml.hpp"
#include "config/keys.hpp"
#include "config_test.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace bridge::config {
namespace {

using test::TempConfigDir;

// Every table the decoder reads is present (values only where a table needs them to be valid),
// so every read of the decoder happens once: reads happen whether or not a key is set.
constexpr std::string_view every_table = R"toml(version = 1
[bridge]
[limits]
[trace]
[acme]
email = "dev@example.com"

[[listeners]]
name = "web"
bind = "127.0.0.1:8443"
hosts = ["app.localhost"]
tls = { certs = [{ cert = "a.pem", key = "a-key.pem" }], client_ca = "ca.pem" }
encoded_characters = {}
forwarded_headers = {}
proxy_protocol = { trusted_ips = ["10.0.0.0/8"] }
http2 = {}

[[listeners]]
name = "pg"
bind = "127.0.0.1:5432"
protocol = "tcp"

[[upstreams]]
name = "app"
targets = ["http://127.0.0.1:9000"]
health = {}
tls = {}

[[routes]]
name = "all"
rule = "PathPrefix(`/`)"
upstream = "app"
request_headers = {}
response_headers = {}

[[tcp_routes]]
name = "sni"
rule = "HostSNI(`db.localhost`)"
upstream = "tcp://127.0.0.1:5433"
listeners = ["web"]
tls = { passthrough = true }

[tcp_middlewares.office.ipAllowList]
sourceRange = ["127.0.0.1"]
[tcp_middlewares.one.inFlightConn]
amount = 1

[http.middlewares.h.headers]
[middlewares.rs.redirectScheme]
scheme = "https"
[middlewares.rr.redirectRegex]
regex = "^http://a/(.*)"
replacement = "http://b/$1"
[middlewares.sp.stripPrefix]
prefixes = ["/a"]
[middlewares.spr.stripPrefixRegex]
regex = ["^/a"]
[middlewares.ap.addPrefix]
prefix = "/v1"
[middlewares.rp.replacePath]
path = "/x"
[middlewares.rpr.replacePathRegex]
regex = "^/a(.*)"
replacement = "/b$1"
[middlewares.ip.ipAllowList]
sourceRange = ["127.0.0.1"]
ipStrategy = {}
[middlewares.ba.basicAuth]
users = ["test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"]
[middlewares.da.digestAuth]
users = ["test:traefik:a2688e031edb4be6a3797f3882655c05"]
[middlewares.fa.forwardAuth]
address = "http://127.0.0.1:9091/auth"
[middlewares.rl.rateLimit]
average = 10
sourceCriterion = { ipStrategy = {} }
[middlewares.if.inFlightReq]
amount = 1
sourceCriterion = { ipStrategy = {} }
[middlewares.cb.circuitBreaker]
expression = "NetworkErrorRatio() > 0.5"
[middlewares.co.compress]
[middlewares.re.retry]
attempts = 2
[middlewares.bu.buffering]
[middlewares.er.errors]
status = ["500-599"]
service = "app"
[middlewares.ct.contentType]
[middlewares.gw.grpcWeb]
[middlewares.pt.passTLSClientCert]
info = { subject = {}, issuer = {} }
[middlewares.ch.chain]
middlewares = ["h"]
)toml";

// Keys read before the decoder runs (layering, the Traefik importer), or that name an entry.
bool read_elsewhere(std::string_view key) {
  return key == "extends" || key.ends_with("[].name") || key.ends_with("[].enabled") ||
         key.starts_with("sources") || key.starts_with("traefik");
}

bool is_table(KeyType type) {
  return type == KeyType::Table || type == KeyType::Tables || type == KeyType::Map ||
         type == KeyType::IntegerMap;
}

TEST(KeyTable, TheDecoderReadsEveryKeyAsTheTableSays) {
  detail::Sources sources;
  sources.add("every.toml", std::string(every_table));
  auto document = detail::parse_document(every_table, "every.toml", sources);
  ASSERT_TRUE(document) << document.error().message;
  Config config;
  detail::KeyAudit audit;
  auto decoded = detail::decode(*document, config, sources, &audit);
  EXPECT_TRUE(decoded) << decoded.error().where.str() << ": " << decoded.error().message;
  EXPECT_EQ(audit.disagreements, std::vector<std::string>{});
  for (const KeyInfo& k : config_keys()) {
    if (read_elsewhere(k.key) || audit.read.contains(std::string(k.key))) continue;
    // A table counts as read when something inside it was.
    std::string inside = std::string(k.key) + (k.type == KeyType::Tables ? "[]." : ".");
    bool under = std::any_of(audit.read.begin(), audit.read.end(),
                             [&](const std::string& r) { return r.starts_with(inside); });
    EXPECT_TRUE(is_table(k.type) && under) << k.key << " is in the key table but never read";
  }
}

TEST(KeyTable, EachKeyIsListedOnceInsideATableThatIsListed) {
  std::set<std::string_view> seen;
  for (const KeyInfo& k : config_keys()) {
    EXPECT_TRUE(seen.insert(k.key).second) << k.key << " twice";
    std::string_view key = k.key;
    size_t dot = key.rfind('.');
    if (dot == std::string_view::npos) continue;
    std::string parent(key.substr(0, dot));
    if (parent.ends_with("[]")) parent.resize(parent.size() - 2);
    const KeyInfo* table = find_key(parent);
    ASSERT_NE(table, nullptr) << k.key << ": no entry for " << parent;
    EXPECT_TRUE(is_table(table->type)) << parent << " holds " << k.key;
    EXPECT_FALSE(k.meaning.empty()) << k.key;
    EXPECT_FALSE(k.meaning.ends_with('.')) << k.key << ": a meaning is one line, no period";
  }
  EXPECT_GT(seen.size(), 200u);
}

// The example is a TOML line that sets the key (or a table header naming it).
TEST(KeyTable, EachExampleIsTomlThatSetsTheKeyWithAValueOfItsType) {
  for (const KeyInfo& k : config_keys()) {
    std::string_view key = k.key;
    std::string name(key.substr(key.rfind('.') == std::string_view::npos ? 0 : key.rfind('.') + 1));
    if (name.ends_with("[]")) name.resize(name.size() - 2);
    if (k.example.starts_with("[")) {  // a header: [bridge], [[listeners]], [middlewares.x.y]
      EXPECT_TRUE(is_table(k.type) || k.key.find("NAME") != std::string_view::npos) << k.key;
      continue;
    }
    detail::Sources sources;
    auto parsed = detail::parse_document(k.example, "example", sources);
    ASSERT_TRUE(parsed) << k.key << ": " << k.example << ": " << parsed.error().message;
    ASSERT_EQ(parsed->entries.size(), 1u) << k.key;
    EXPECT_EQ(parsed->entries[0].key, name) << k.key << ": " << k.example;
    const detail::Node& v = parsed->entries[0].value;
    bool strings = v.is(detail::Kind::Array) &&
                   std::all_of(v.items.begin(), v.items.end(),
                               [](const detail::Node& i) { return i.is(detail::Kind::String); });
    bool integers = v.is(detail::Kind::Array) &&
                    std::all_of(v.items.begin(), v.items.end(),
                                [](const detail::Node& i) { return i.is(detail::Kind::Integer); });
    bool ok = false;
    switch (k.type) {
    case KeyType::String:
    case KeyType::Path:
    case KeyType::Duration:
      ok = v.is(detail::Kind::String);
      break;
    case KeyType::Bool:
      ok = v.is(detail::Kind::Boolean);
      break;
    case KeyType::Integer:
      ok = v.is(detail::Kind::Integer);
      break;
    case KeyType::Seconds:
    case KeyType::Size:
      ok = v.is(detail::Kind::String) || v.is(detail::Kind::Integer);
      break;
    case KeyType::Strings:
      ok = strings;
      break;
    case KeyType::Integers:
      ok = integers;
      break;
    case KeyType::Table:
    case KeyType::Map:
    case KeyType::IntegerMap:
      ok = v.is(detail::Kind::Table);
      break;
    case KeyType::Tables:
      ok = v.is(detail::Kind::Array);
      break;
    }
    EXPECT_TRUE(ok) << k.key << ": " << k.example << " is not a " << type_name(k.type);
  }
}

// listeners.web.tls.min_version -> listeners[].tls.min_version
std::string table_key(const std::string& path) {
  for (std::string_view array : {"listeners.", "upstreams.", "routes.", "tcp_routes."}) {
    if (!path.starts_with(array)) continue;
    size_t name_end = path.find('.', array.size());
    return std::string(array.substr(0, array.size() - 1)) + "[]" + path.substr(name_end);
  }
  return path;
}

TEST(KeyTable, TheDefaultsAreTheDecodersDefaults) {
  TempConfigDir dir;
  dir.write("dev.toml", R"toml(
[[listeners]]
name = "web"
bind = "127.0.0.1:8443"
tls = { auto = "local-ca" }
[[listeners]]
name = "pg"
bind = "127.0.0.1:5432"
protocol = "tcp"
[[upstreams]]
name = "app"
targets = ["http://127.0.0.1:9000"]
health = {}
[[routes]]
name = "all"
rule = "PathPrefix(`/`)"
upstream = "app"
[[tcp_routes]]
name = "pg"
rule = "HostSNI(`*`)"
upstream = "tcp://127.0.0.1:5433"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  size_t compared = 0;
  for (const Leaf& leaf : config->leaves) {
    if (leaf.origin.source != "<default>") continue;  // set, or derived ("<default: ...>")
    const KeyInfo* k = find_key(table_key(leaf.path));
    ASSERT_NE(k, nullptr) << leaf.path << " has a default but no entry in the key table";
    // The same duration or size may be written two ways ("60s" and "1m").
    std::string unquoted =
        leaf.value.starts_with('"') ? leaf.value.substr(1, leaf.value.size() - 2) : leaf.value;
    std::string table(k->default_value);
    if (table.starts_with('"')) table = table.substr(1, table.size() - 2);
    if (k->type == KeyType::Duration)
      EXPECT_EQ(parse_duration(table).value(), parse_duration(unquoted).value()) << k->key;
    else if (k->type == KeyType::Size)
      EXPECT_EQ(parse_size(table).value(), parse_size(unquoted).value()) << k->key;
    else
      EXPECT_EQ(k->default_value, leaf.value) << k->key;
    ++compared;
  }
  EXPECT_GT(compared, 40u);
}

TEST(KeyTable, APrefixMatchesAsAUserWritesIt) {
  auto keys_of = [](std::string_view prefix) {
    std::vector<std::string> out;
    for (const KeyInfo* k : keys_matching(prefix)) out.emplace_back(k->key);
    return out;
  };
  auto tls = keys_of("listeners.tls");
  ASSERT_FALSE(tls.empty());
  for (const std::string& k : tls) EXPECT_TRUE(k.starts_with("listeners[].tls")) << k;
  EXPECT_EQ(keys_of("listeners[].tls.auto"), std::vector<std::string>{"listeners[].tls.auto"});
  // Any segment stands for NAME: a user asks about their own middleware.
  auto limit = keys_of("middlewares.limit.rateLimit.burst");
  EXPECT_EQ(limit, std::vector<std::string>{"middlewares.NAME.rateLimit.burst"});
  EXPECT_TRUE(keys_of("listners").empty());
  EXPECT_EQ(keys_inside("upstreams[].health"),
            (std::vector<std::string>{"path", "interval", "timeout", "healthy", "unhealthy", "grpc",
                                      "service"}));
}

TEST(KeyTable, AnUnknownKeyErrorShowsTheNearestKeysLine) {
  TempConfigDir dir;
  dir.write("dev.toml", std::string(test::minimal_base) + R"toml(
[[routes]]
name = "api"
rule = "PathPrefix(`/`)"
upstrem = "orders"
)toml");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "unknown key \"upstrem\" in [[routes]]");
  EXPECT_EQ(config.error().hint, "did you mean \"upstream\"?");
  EXPECT_EQ(config.error().note,
            "routes[].upstream (string, required): an upstream's name or an inline target URL");
}

}  // namespace
}  // namespace bridge::config
