#include "detail/url.hpp"
#include "discovery/discovery.hpp"

#include <gtest/gtest.h>

namespace bridge::discovery::detail {
namespace {

TEST(DiscoveryUrl, ComposeServiceAndPort) {
  auto u = parse_target_url("compose://orders:8080");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->kind, TargetUrl::Kind::Compose);
  EXPECT_EQ(u->compose.service, "orders");
  EXPECT_EQ(u->compose.port, 8080);
  EXPECT_EQ(u->compose.project, "");
}

TEST(DiscoveryUrl, ComposeProjectParameter) {
  auto u = parse_target_url("compose://web_1-x:80?project=demo");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->compose.service, "web_1-x");
  EXPECT_EQ(u->compose.project, "demo");
  EXPECT_EQ(describe(*u), "compose demo/web_1-x:80");
}

TEST(DiscoveryUrl, K8sForwardDefaults) {
  auto u = parse_target_url("k8s://staging/orders:8080");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, TargetUrl::Kind::K8s);
  EXPECT_EQ(u->k8s.namespace_, "staging");
  EXPECT_EQ(u->k8s.service, "orders");
  EXPECT_EQ(u->k8s.port, "8080");
  EXPECT_FALSE(u->k8s.direct);
}

TEST(DiscoveryUrl, K8sContextModeAndNamedPort) {
  auto u = parse_target_url("k8s://prod/api:http?context=kind-dev&mode=direct");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->k8s.port, "http");
  EXPECT_EQ(u->k8s.context, "kind-dev");
  EXPECT_TRUE(u->k8s.direct);
  EXPECT_EQ(describe(*u), "k8s prod/api:http (context kind-dev)");
}

struct BadUrl {
  const char* url;
  const char* message_part;
};

class DiscoveryBadUrl : public ::testing::TestWithParam<BadUrl> {};

TEST_P(DiscoveryBadUrl, IsAConfigErrorWithAnExample) {
  auto u = parse_target_url(GetParam().url);
  ASSERT_FALSE(u) << GetParam().url;
  EXPECT_NE(u.error().message.find(GetParam().message_part), std::string::npos)
      << u.error().message;
  EXPECT_EQ(u.error().code, ErrorCode::Config);
  EXPECT_FALSE(u.error().hint.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, DiscoveryBadUrl,
    ::testing::Values(BadUrl{"compose://orders", "missing \":PORT\""},
                      BadUrl{"compose://orders:0", "not a number from 1 to 65535"},
                      BadUrl{"compose://orders:70000", "not a number"},
                      BadUrl{"compose://orders:80x", "not a number"},
                      BadUrl{"compose://:80", "bad service name"},
                      BadUrl{"compose://a b:80", "bad service name"},
                      BadUrl{"compose://web:80?projet=x", "unknown parameter \"projet\""},
                      BadUrl{"compose://web:80?project", "needs a value"},
                      BadUrl{"k8s://orders:80", "missing the namespace"},
                      BadUrl{"k8s://ns/orders", "missing \":PORT\""},
                      BadUrl{"k8s://ns/orders:99999", "not a port number or name"},
                      BadUrl{"k8s://ns/orders:80?mode=vpn", "mode must be"},
                      BadUrl{"k8s://ns/orders:80?ctx=a", "unknown parameter"},
                      BadUrl{"http://x:80", "not a compose:// or k8s:// target"}));

TEST(DiscoveryUrl, PublicCheckUrlAndScheme) {
  EXPECT_TRUE(check_url("compose://web:8080"));
  EXPECT_FALSE(check_url("compose://web"));
  EXPECT_TRUE(is_discovery_url("k8s://a/b:1"));
  EXPECT_FALSE(is_discovery_url("http://127.0.0.1:80"));
}

TEST(DiscoveryUrl, ResolveOnceForPortForwardDoesNotStartKubectl) {
  auto r = resolve_once("k8s://staging/orders:8080", Options{});
  EXPECT_EQ(r.state, State::Pending);
  EXPECT_EQ(r.via, "kubectl port-forward");
  EXPECT_NE(r.error.find("kubectl port-forward svc/orders :8080 -n staging"), std::string::npos);
}

}  // namespace
}  // namespace bridge::discovery::detail
