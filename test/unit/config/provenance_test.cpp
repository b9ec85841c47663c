// Every effective value knows where it came from: file:line:col, --set, env:NAME, defaults.
#include "config_test.hpp"

namespace bridge::config::test {
namespace {

constexpr std::string_view routes_file = R"toml([[routes]]
name = "orders-api"
rule = "Host(`api.localhost`) && PathPrefix(`/orders`)"
upstream = "orders"
  listeners = ["web"]

[[listeners]]
name = "web"
tls = { cert = "certs/dev.pem", key = "certs/dev-key.pem" }
)toml";

class ConfigProvenance : public ::testing::Test {
 protected:
  TempConfigDir dir;
  void SetUp() override {
    dir.write("base.toml", minimal_base);
    dir.write("dev.toml", routes_file);
  }
};

TEST_F(ConfigProvenance, LeavesKeepFileLineAndColumnOfTheValue) {
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(where(config->origin("version")), dir.file("base.toml") + ":1:11");
  EXPECT_EQ(where(config->origin("upstreams.orders.targets")), dir.file("base.toml") + ":9:11");
  // The opening quote of the rule, so the route module can point inside it.
  EXPECT_EQ(where(config->origin("routes.orders-api.rule")), dir.file("dev.toml") + ":3:8");
  EXPECT_EQ(where(config->origin("routes.orders-api.listeners")), dir.file("dev.toml") + ":5:15");
  EXPECT_EQ(where(config->origin("listeners.web.tls.cert")), dir.file("dev.toml") + ":9:16");
  EXPECT_EQ(where(config->origin("listeners.web.bind")), dir.file("base.toml") + ":5:8");
}

TEST_F(ConfigProvenance, LeafValuesAreRenderedAsToml) {
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(leaf_value(*config, "routes.orders-api.listeners"), "[\"web\"]");
  EXPECT_EQ(leaf_value(*config, "upstreams.orders.targets"), "[\"http://127.0.0.1:9000\"]");
  EXPECT_EQ(leaf_value(*config, "routes.orders-api.rule"),
            "\"Host(`api.localhost`) && PathPrefix(`/orders`)\"");
  EXPECT_EQ(leaf_value(*config, "version"), "1");
}

TEST_F(ConfigProvenance, LeavesFollowDocumentOrderThenDefaults) {
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  std::vector<std::string> paths;
  for (const auto& leaf : config->leaves) paths.push_back(leaf.path);
  std::vector<std::string> head(paths.begin(), paths.begin() + 6);
  EXPECT_EQ(head, (std::vector<std::string>{"version", "listeners.web.name", "listeners.web.bind",
                                            "listeners.web.tls.cert", "listeners.web.tls.key",
                                            "upstreams.orders.name"}));
  const auto& last = config->leaves.back();
  EXPECT_EQ(last.origin.source, "<default>");
  EXPECT_EQ(leaf_value(*config, "bridge.workers"), "0");
  EXPECT_EQ(leaf_value(*config, "limits.max_header_bytes"), "\"64KiB\"");
  EXPECT_EQ(leaf_value(*config, "routes.orders-api.timeout"), "\"30s\"");
  EXPECT_EQ(leaf_value(*config, "listeners.web.tls.min_version"), "\"1.2\"");
  EXPECT_EQ(config->origin("bridge.admin").source, "<default>");
  EXPECT_FALSE(config->origin("bridge.admin").has_position());
}

TEST_F(ConfigProvenance, EntryPathIsWhereItsNameWasFirstWritten) {
  dir.write("dev.local.toml", "[[routes]]\nname = \"orders-api\"\npriority = 5\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(where(config->origin("routes.orders-api")), dir.file("dev.toml") + ":2:8");
  EXPECT_EQ(where(config->origin("routes.orders-api.priority")),
            dir.file("dev.local.toml") + ":3:12");
  EXPECT_EQ(config->origin("routes.nope").source, "");
}

TEST_F(ConfigProvenance, SetAndEnvironmentOverridesAreNamed) {
  auto config =
      dir.load("dev", {"bridge.workers=2"}, {{"BRIDGE_SET_ROUTE", "routes.orders-api.timeout=5s"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->origin("bridge.workers").source, "--set");
  EXPECT_EQ(config->origin("routes.orders-api.timeout").source, "env:BRIDGE_SET_ROUTE");
  EXPECT_EQ(config->routes[0].timeout, std::chrono::seconds(5));
  EXPECT_EQ(where(config->origin("routes.orders-api.rule")), dir.file("dev.toml") + ":3:8");
}

TEST_F(ConfigProvenance, SetComesAfterEnvironmentOverrides) {
  auto config = dir.load("dev", {"bridge.workers=3"}, {{"BRIDGE_SET_W", "bridge.workers=2"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.workers, 3);
  EXPECT_EQ(config->origin("bridge.workers").source, "--set");
}

TEST_F(ConfigProvenance, HashCoversContentsAndOverrides) {
  auto first = dir.load();
  auto again = dir.load();
  auto with_set = dir.load("dev", {"bridge.workers=2"});
  ASSERT_TRUE(first && again && with_set);
  EXPECT_EQ(first->hash.size(), 64u);
  EXPECT_EQ(first->hash, again->hash);
  EXPECT_NE(first->hash, with_set->hash);
  dir.write("dev.local.toml", "# a comment changes the contents\n");
  auto changed = dir.load();
  ASSERT_TRUE(changed);
  EXPECT_NE(first->hash, changed->hash);
}

TEST_F(ConfigProvenance, FindUpstreamByName) {
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_NE(config->find_upstream("orders"), nullptr);
  EXPECT_EQ(config->find_upstream("orders")->targets.size(), 1u);
  EXPECT_EQ(config->find_upstream("nope"), nullptr);
}

TEST_F(ConfigProvenance, SourceLineOfAnOriginForErrorsInsideValues) {
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(source_line(config->origin("routes.orders-api.rule")),
            "rule = \"Host(`api.localhost`) && PathPrefix(`/orders`)\"");
  EXPECT_EQ(source_line(Origin{"--set", 0, 0}), "");

  TempConfigDir empty;  // no config dir here: the embedded default
  ScopedCwd cwd(empty.path());
  LoadOptions options;
  options.environment_for_test.emplace();
  auto embedded = load(options);
  ASSERT_TRUE(embedded) << embedded.error().message;
  EXPECT_EQ(embedded->origin("version").source, "<embedded>/base.toml");
  EXPECT_EQ(source_line(embedded->origin("version")), "version = 1");
}

TEST(ConfigProvenanceRendering, StringsAreEscaped) {
  TempConfigDir dir;
  dir.write("dev.toml",
            std::string(minimal_base) + "\n[bridge]\naccess_log = 'C:\\logs\\\"a\".log'\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.access_log, "C:\\logs\\\"a\".log");
  EXPECT_EQ(leaf_value(*config, "bridge.access_log"), "\"C:\\\\logs\\\\\\\"a\\\".log\"");
}

}  // namespace
}  // namespace bridge::config::test
