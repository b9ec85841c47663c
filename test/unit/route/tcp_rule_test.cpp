// Traefik's TCP rule language: HostSNI, HostSNIRegexp, ClientIP, ALPN with the HTTP grammar,
// what each matches, the errors that point at the wrong matcher set, and the TLS-only check.

#include "route/route.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bridge::route {
namespace {

struct Connection {
  std::string sni{};
  std::vector<std::string_view> alpn{};
  std::string client_ip = "127.0.0.1";
};

bool matches(std::string_view text, const Connection& c) {
  auto rule = Rule::parse(text, Language::Tcp);
  EXPECT_TRUE(rule) << text << ": " << (rule ? "" : rule.error().message);
  RequestView view;
  view.sni = c.sni;
  view.alpn = c.alpn;
  view.client_ip = IpAddress::parse(c.client_ip);
  return rule && rule->matches(view);
}

Connection sni(std::string name) { return Connection{.sni = std::move(name)}; }

TEST(TcpRule, HostSniStarMatchesEveryConnectionWithOrWithoutTls) {
  EXPECT_TRUE(matches("HostSNI(`*`)", Connection{}));
  EXPECT_TRUE(matches("HostSNI(`*`)", sni("db.localhost")));
}

TEST(TcpRule, HostSniComparesTheServerNameAsHostDoes) {
  EXPECT_TRUE(matches("HostSNI(`db.localhost`)", sni("db.localhost")));
  EXPECT_TRUE(matches("HostSNI(`DB.Localhost`)", sni("db.localhost")));
  EXPECT_TRUE(matches("HostSNI(`db.localhost.`)", sni("db.localhost")));
  EXPECT_FALSE(matches("HostSNI(`db.localhost`)", sni("cache.localhost")));
  EXPECT_FALSE(matches("HostSNI(`db.localhost`)", Connection{}));  // no SNI
}

TEST(TcpRule, HostSniWildcardStandsForOneLabel) {
  EXPECT_TRUE(matches("HostSNI(`*.localhost`)", sni("db.localhost")));
  EXPECT_FALSE(matches("HostSNI(`*.localhost`)", sni("a.db.localhost")));
  EXPECT_FALSE(matches("HostSNI(`*.localhost`)", sni("localhost")));
  EXPECT_FALSE(matches("HostSNI(`*.localhost`)", Connection{}));
}

TEST(TcpRule, HostSniRegexpAndAlpnAndClientIp) {
  EXPECT_TRUE(matches("HostSNIRegexp(`^[a-z]+\\.localhost$`)", sni("billing.localhost")));
  EXPECT_FALSE(matches("HostSNIRegexp(`^[a-z]+\\.localhost$`)", sni("b1.localhost")));
  EXPECT_TRUE(matches("ALPN(`h2`)", Connection{.alpn = {"http/1.1", "h2"}}));
  EXPECT_FALSE(matches("ALPN(`h2`)", Connection{.alpn = {"http/1.1"}}));
  EXPECT_FALSE(matches("ALPN(`h2`)", Connection{}));
  EXPECT_TRUE(matches("ClientIP(`127.0.0.0/8`)", Connection{}));
  EXPECT_FALSE(matches("ClientIP(`10.0.0.0/8`)", Connection{}));
  EXPECT_TRUE(matches("HostSNI(`a.localhost`) || !ClientIP(`10.0.0.1`)", Connection{}));
  EXPECT_TRUE(matches("hostsni(`*`) && alpn(`postgresql`)", Connection{.alpn = {"postgresql"}}));
}

TEST(TcpRule, HttpMatchersAreNotTcpOnesAndTheErrorSaysWhere) {
  auto path = Rule::parse("HostSNI(`*`) && PathPrefix(`/api`)", Language::Tcp);
  ASSERT_FALSE(path);
  EXPECT_EQ(path.error().message, "unknown matcher \"PathPrefix\"");
  EXPECT_EQ(path.error().hint, "TCP routes see a connection, not a request: they match "
                               "ClientIP, HostSNI, HostSNIRegexp, ALPN");
  EXPECT_EQ(path.error().where.column, 17);

  auto sni_in_http = Rule::parse("HostSNI(`api.localhost`)");
  ASSERT_FALSE(sni_in_http);
  EXPECT_EQ(sni_in_http.error().message, "unknown matcher \"HostSNI\"");
  EXPECT_EQ(sni_in_http.error().hint,
            "HostSNI, HostSNIRegexp and ALPN match TCP connections: use them in [[tcp_routes]]; "
            "HTTP routes match the host with Host()");
}

TEST(TcpRule, BadValuesAreRefused) {
  auto bad = Rule::parse("HostSNI(`db localhost`)", Language::Tcp);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid HostSNI value \"db localhost\"");
  auto acme = Rule::parse("ALPN(`acme-tls/1`)", Language::Tcp);
  ASSERT_FALSE(acme);
  EXPECT_EQ(acme.error().message, "ALPN(`acme-tls/1`) is reserved for ACME challenges");
  auto regex = Rule::parse("HostSNIRegexp(`(`)", Language::Tcp);
  ASSERT_FALSE(regex);
  EXPECT_NE(regex.error().message.find("invalid regular expression"), std::string::npos);
}

TEST(TcpRule, TlsOnlyMatcherNamesWhatPlainTcpCannotSatisfy) {
  auto tls_only = [](std::string_view text) {
    auto rule = Rule::parse(text, Language::Tcp);
    EXPECT_TRUE(rule) << text;
    return rule ? tls_only_matcher(*rule) : std::string("<parse error>");
  };
  EXPECT_EQ(tls_only("HostSNI(`*`)"), "");
  EXPECT_EQ(tls_only("HostSNI(`*`) && ClientIP(`127.0.0.1`)"), "");
  EXPECT_EQ(tls_only("ClientIP(`::1`) || HostSNI(`db.localhost`)"), "HostSNI(`db.localhost`)");
  EXPECT_EQ(tls_only("!ALPN(`h2`)"), "ALPN(`h2`)");
  EXPECT_EQ(tls_only("HostSNIRegexp(`.*`)"), "HostSNIRegexp(`.*`)");
}

TEST(TcpRule, ATcpTableOrdersByPriorityAndListener) {
  auto table = Table::build({{"any", "HostSNI(`*`)", 0, {"pg"}},
                             {"local", "ClientIP(`127.0.0.1`)", 100, {"pg"}},
                             {"other", "HostSNI(`*`)", 0, {"redis"}}},
                            Language::Tcp);
  ASSERT_TRUE(table) << table.error().message;
  RequestView view;
  view.client_ip = IpAddress::parse("127.0.0.1");
  ASSERT_NE(table->match(view, "pg"), nullptr);
  EXPECT_EQ(table->match(view, "pg")->name, "local");
  view.client_ip = IpAddress::parse("127.0.0.2");
  EXPECT_EQ(table->match(view, "pg")->name, "any");
  EXPECT_EQ(table->match(view, "redis")->name, "other");
  EXPECT_EQ(table->match(view, "web"), nullptr);
}

}  // namespace
}  // namespace bridge::route
