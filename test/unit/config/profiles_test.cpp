// The shipped profiles load as they are, with no environment variables set.
// The test runs in the source root (meson workdir), where ./profiles is.
#include "config_test.hpp"

#include <algorithm>
#include <chrono>

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
                         ::testing::Values("dev", "staging", "prod", "tcp", "traefik"));

// The traefik profile serves the team's file-provider configuration in profiles/traefik/ as it
// is: its routers, middlewares and services under @file names, base's own routes set aside.
TEST(ShippedProfiles, TraefikServesTheTeamsFileProviderConfiguration) {
  auto config = load_shipped("traefik");
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const Route* api = find_route(*config, "shop-api@file");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->middlewares,
            (std::vector<std::string>{"api-strip@file", "api-cors@file", "api-limit@file"}));
  EXPECT_EQ(api->listeners, std::vector<std::string>{"web"}) << "websecure maps to web";
  const Route* web = find_route(*config, "shop-web@file");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->listeners, std::vector<std::string>{"web"}) << "web and websecure: one listener";
  EXPECT_EQ(find_route(*config, "frontend"), nullptr);
  EXPECT_NE(find_route(*config, "debug-echo"), nullptr);
  const auto* cors = config->find_middleware("api-cors@file");
  ASSERT_TRUE(cors && cors->headers);
  EXPECT_EQ(cors->headers->allow_origin_list, std::vector<std::string>{"http://localhost:5173"});
  EXPECT_EQ(config->entry_origin("routes", "shop-api@file").str(),
            "profiles/traefik/dynamic.yml:6:5");
}

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

// Staging's own limits on the web listener (a chain of rateLimit and inFlightReq) and basic
// auth on its admin route; the password "staging" is checked in the middleware unit tests.
TEST(ShippedProfiles, StagingLimitsTheWebListenerAndGuardsAdmin) {
  auto config = load_shipped("staging");
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const Listener* web = config->find_listener("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->middlewares, std::vector<std::string>{"staging-limits"});
  const Middleware* limits = config->find_middleware("staging-limits");
  ASSERT_TRUE(limits && limits->chain);
  EXPECT_EQ(*limits->chain, (std::vector<std::string>{"staging-rate", "staging-in-flight"}));
  const Middleware* rate = config->find_middleware("staging-rate");
  ASSERT_TRUE(rate && rate->rate_limit);
  EXPECT_EQ(rate->rate_limit->average, 50);
  EXPECT_EQ(rate->rate_limit->period, std::chrono::milliseconds(1000));
  EXPECT_EQ(rate->rate_limit->burst, 100);
  const Middleware* in_flight = config->find_middleware("staging-in-flight");
  ASSERT_TRUE(in_flight && in_flight->in_flight_req);
  EXPECT_EQ(in_flight->in_flight_req->amount, 20);

  const Route* admin = find_route(*config, "admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->middlewares, std::vector<std::string>{"admin-auth"});
  const Route* api = find_route(*config, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->middlewares, std::vector<std::string>{"staging-breaker"});
  const Middleware* breaker = config->find_middleware("staging-breaker");
  ASSERT_TRUE(breaker && breaker->circuit_breaker);
  EXPECT_EQ(describe(breaker->circuit_breaker->parsed),
            "NetworkErrorRatio() > 0.5 || ResponseCodeRatio(500, 600, 0, 600) > 0.5");
  const Middleware* auth = config->find_middleware("admin-auth");
  ASSERT_TRUE(auth && auth->basic_auth);
  ASSERT_EQ(auth->basic_auth->users.size(), 1u);
  EXPECT_EQ(auth->basic_auth->users[0].first, "dev");
  EXPECT_EQ(auth->basic_auth->users[0].second,
            "$2y$10$s1xA1uSfSTct/EOytfilSO0ueYTU70op58sXQr4PNcoOUz9JQw54K");
  EXPECT_TRUE(auth->basic_auth->remove_header);

  // STAGING_ADMIN_USER replaces the line.
  LoadOptions options;
  options.profile = "staging";
  options.config_dir = "profiles";
  options.environment_for_test =
      Env{{"STAGING_ADMIN_USER", "ops:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f."}};
  auto own = load(options);
  ASSERT_TRUE(own) << own.error().where.str() << ": " << own.error().message;
  EXPECT_EQ(own->find_middleware("admin-auth")->basic_auth->users,
            (std::vector<std::pair<std::string, std::string>>{
                {"ops", "$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f."}}));
}

TEST(ShippedProfiles, DevAnswersCorsCompressesAndRetriesForTheApi) {
  auto config = load_shipped("dev");
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const Route* api = find_route(*config, "api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->middlewares, (std::vector<std::string>{"api-cors", "api-zip", "api-retry"}));
  const Middleware* zip = config->find_middleware("api-zip");
  ASSERT_TRUE(zip && zip->compress);
  EXPECT_EQ(zip->compress->encodings, (std::vector<std::string>{"gzip", "br", "zstd"}));
  const Middleware* retry = config->find_middleware("api-retry");
  ASSERT_TRUE(retry && retry->retry);
  EXPECT_EQ(retry->retry->attempts, 3);
  const Middleware* cors = config->find_middleware("api-cors");
  ASSERT_TRUE(cors && cors->headers);
  EXPECT_EQ(cors->headers->allow_origin_list,
            (std::vector<std::string>{"http://localhost:5173", "http://localhost:3000"}));
  EXPECT_TRUE(cors->headers->allow_credentials);
}
}  // namespace
}  // namespace bridge::config::test
