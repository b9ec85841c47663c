// The shipped profiles load as they are, with no environment variables set.
// The test runs in the source root (meson workdir), where ./profiles is.
#include "config_test.hpp"

#include <algorithm>

namespace bridge::config::test {
namespace {

Result<Config> load_shipped(const std::string& profile) {
  LoadOptions options;
  options.profile = profile;
  options.config_dir = "profiles";
  options.environment_for_test.emplace();  // nothing set
  return load(options);
}

const Route* find_route(const Config& config, std::string_view name) {
  for (const auto& r : config.routes)
    if (r.name == name) return &r;
  return nullptr;
}

class ShippedProfile : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedProfile, LoadsWithoutEnvironment) {
  auto config = load_shipped(GetParam());
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->profile, GetParam());
  EXPECT_EQ(config->bridge.admin, "127.0.0.1:9901");
  EXPECT_FALSE(config->listeners.empty());
  EXPECT_FALSE(config->routes.empty());
  for (const auto& leaf : config->leaves)
    EXPECT_TRUE(leaf.origin.source.starts_with("<default") || leaf.origin.has_position())
        << leaf.path;
}

TEST_P(ShippedProfile, LoadsWithTheRealEnvironmentToo) {
  LoadOptions options;
  options.profile = GetParam();
  options.config_dir = "profiles";
  auto config = load(options);
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedProfile,
                         ::testing::Values("dev", "staging", "prod", "tcp"));

TEST(ShippedProfiles, DevWorksOnABareLaptop) {
  auto config = load_shipped("dev");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->listeners[0].name, "web");
  EXPECT_EQ(config->listeners[0].bind, "127.0.0.1:8080");
  // The catch-all answers from the built-in echo, so `curl localhost:8080/hello` works.
  const Route* catch_all = nullptr;
  for (const auto& r : config->routes)
    if (r.rule == "PathPrefix(`/`)") catch_all = &r;
  ASSERT_NE(catch_all, nullptr);
  const Upstream* upstream = config->find_upstream(catch_all->upstream);
  ASSERT_NE(upstream, nullptr);
  EXPECT_EQ(upstream->targets, std::vector<std::string>{"builtin://echo"});
}

TEST(ShippedProfiles, EmbeddedDefaultIsBaseAndDev) {
  auto shipped = load_shipped("dev");
  TempConfigDir empty;
  ScopedCwd cwd(empty.path());
  LoadOptions options;
  options.environment_for_test.emplace();
  auto embedded = load(options);
  ASSERT_TRUE(shipped && embedded);
  ASSERT_EQ(shipped->leaves.size(), embedded->leaves.size());
  for (size_t i = 0; i < shipped->leaves.size(); ++i) {
    EXPECT_EQ(shipped->leaves[i].path, embedded->leaves[i].path);
    EXPECT_EQ(shipped->leaves[i].value, embedded->leaves[i].value);
    EXPECT_EQ(shipped->leaves[i].origin.line, embedded->leaves[i].origin.line);
  }
  EXPECT_EQ(shipped->hash, embedded->hash);
  EXPECT_EQ(embedded->origin("listeners.web.bind").source, "<embedded>/base.toml");
}

TEST(ShippedProfiles, ProdExtendsStaging) {
  auto config = load_shipped("prod");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->files, (std::vector<std::string>{"profiles/base.toml", "profiles/staging.toml",
                                                     "profiles/prod.toml"}));
  EXPECT_EQ(find_route(*config, "debug-echo"), nullptr);  // dropped by staging
  const Route* api = find_route(*config, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->host_rewrite, "api.example.com");
  EXPECT_EQ(api->strip_prefix, "/api");
  auto tls_listener = std::find_if(config->listeners.begin(), config->listeners.end(),
                                   [](const Listener& l) { return l.tls.has_value(); });
  ASSERT_NE(tls_listener, config->listeners.end());
  EXPECT_EQ(tls_listener->tls->min_version, "1.3");
  EXPECT_FALSE(tls_listener->tls->certs.empty());
}

TEST(ShippedProfiles, StagingRoutesAGrpcServiceOverH2c) {
  auto config = load_shipped("staging");
  ASSERT_TRUE(config) << config.error().message;
  const Route* grpc = find_route(*config, "billing-grpc");
  ASSERT_NE(grpc, nullptr);
  const Upstream* billing = config->find_upstream(grpc->upstream);
  ASSERT_NE(billing, nullptr);
  EXPECT_EQ(billing->protocol, "h2c");
  ASSERT_TRUE(billing->health.has_value());
  EXPECT_TRUE(billing->health->grpc);
  EXPECT_EQ(billing->health->service, "billing.v1.Billing");
  EXPECT_TRUE(billing->targets.at(0).starts_with("k8s://staging/billing:50051"))
      << billing->targets[0];
}

TEST(ShippedProfiles, StagingReachesTheClusterThroughKubernetes) {
  auto config = load_shipped("staging");
  ASSERT_TRUE(config) << config.error().message;
  const Route* frontend = find_route(*config, "frontend");
  ASSERT_NE(frontend, nullptr);
  EXPECT_FALSE(frontend->host_rewrite.empty());
  const Upstream* ingress = config->find_upstream(frontend->upstream);
  ASSERT_NE(ingress, nullptr);
  ASSERT_FALSE(ingress->targets.empty());
  EXPECT_TRUE(ingress->targets[0].starts_with("k8s://")) << ingress->targets[0];
  EXPECT_TRUE(ingress->health.has_value());
}

}  // namespace
}  // namespace bridge::config::test
