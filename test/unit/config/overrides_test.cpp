// --set path=value (and BRIDGE_SET_* variables).
#include "config_test.hpp"

namespace bridge::config::test {
namespace {

class ConfigSet : public ::testing::Test {
 protected:
  TempConfigDir dir;
  void SetUp() override {
    dir.write("base.toml", minimal_base);
    dir.write("dev.toml", R"toml(
[[routes]]
name = "orders-api"
rule = "PathPrefix(`/orders`)"
upstream = "orders"
)toml");
  }
};

TEST_F(ConfigSet, IntegerValue) {
  auto config = dir.load("dev", {"bridge.workers=2"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.workers, 2);
  EXPECT_EQ(leaf_value(*config, "bridge.workers"), "2");
}

TEST_F(ConfigSet, PlainStringWhenNotTomlValue) {
  auto config = dir.load("dev", {"routes.orders-api.upstream=http://127.0.0.1:9000"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->routes[0].upstream, "http://127.0.0.1:9000");
  EXPECT_EQ(config->routes[0].rule, "PathPrefix(`/orders`)");
  EXPECT_EQ(config->origin("routes.orders-api.upstream").source, "--set");
}

TEST_F(ConfigSet, ArrayValue) {
  auto config = dir.load("dev", {"trace.propagation=[\"w3c\",\"b3\"]"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->trace.propagation, (std::vector<std::string>{"w3c", "b3"}));
  EXPECT_EQ(leaf_value(*config, "trace.propagation"), "[\"w3c\", \"b3\"]");
}

TEST_F(ConfigSet, QuotedTomlStringStaysAString) {
  auto config = dir.load("dev", {"bridge.admin_token=\"1234\"", "bridge.access_log=30s"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.admin_token, "1234");
  EXPECT_EQ(config->bridge.access_log, "30s");
}

TEST_F(ConfigSet, EmptyValueIsAnEmptyString) {
  auto config = dir.load("dev", {"bridge.admin_token="});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.admin_token, "");
}

TEST_F(ConfigSet, FieldOfAnUnknownEntryCreatesIt) {
  auto config = dir.load("dev", {"routes.extra.rule=Path(`/x`)", "routes.extra.upstream=orders"});
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes[1].name, "extra");
  EXPECT_EQ(config->routes[1].rule, "Path(`/x`)");
}

TEST_F(ConfigSet, AHalfCreatedEntryFailsValidation) {
  auto config = dir.load("dev", {"routes.extra.rule=Path(`/x`)"});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "route \"extra\": missing \"upstream\"");
  EXPECT_EQ(config.error().where.source, "--set");
}

TEST_F(ConfigSet, EnabledFalseDropsAnEntry) {
  auto config = dir.load("dev", {"routes.orders-api.enabled=false"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->routes.empty());
}

TEST_F(ConfigSet, NestedFieldsAndQuotedSegments) {
  auto config = dir.load("dev", {"routes.orders-api.request_headers.set.X-Env=dev",
                                 "routes.orders-api.request_headers.set.\"X.Dotted\"=1x",
                                 "listeners.web.tls.auto=local-ca"});
  ASSERT_TRUE(config) << config.error().message;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(config->routes[0].request_headers.set, (Pairs{{"X-Env", "dev"}, {"X.Dotted", "1x"}}));
  EXPECT_EQ(config->listeners[0].tls->automatic, "local-ca");
  EXPECT_EQ(config->origin("routes.orders-api.request_headers.set.\"X.Dotted\"").source, "--set");
}

TEST_F(ConfigSet, WrongTypeIsReportedAtTheFlag) {
  auto config = dir.load("dev", {"bridge.workers=many"});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "bridge.workers: expected an integer, got a string");
  EXPECT_EQ(config.error().where.source, "--set");
  EXPECT_FALSE(config.error().where.has_position());
}

TEST_F(ConfigSet, UnknownKeyIsReported) {
  auto config = dir.load("dev", {"bridge.wrokers=2"});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "unknown key \"wrokers\" in [bridge]");
  EXPECT_EQ(config.error().hint, "did you mean \"workers\"?");
}

struct BadSet {
  const char* text;
  const char* message;
};

class ConfigSetSyntax : public ::testing::TestWithParam<BadSet> {};

TEST_P(ConfigSetSyntax, IsAnErrorMentioningSet) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  auto config = dir.load("dev", {GetParam().text});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, GetParam().message);
  EXPECT_EQ(config.error().where.source, "--set");
  EXPECT_EQ(config.error().exit_status(), 2);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigSetSyntax,
    ::testing::Values(
        BadSet{"bridge.workers", "--set \"bridge.workers\": expected path=value"},
        BadSet{"=2", "--set \"=2\": expected path=value"},
        BadSet{"bridge..workers=2", "--set \"bridge..workers=2\": expected path=value"},
        BadSet{"bridge.\"workers=2", "--set \"bridge.\"workers=2\": expected path=value"},
        BadSet{"routes.x=1", "--set \"routes.x=1\": name a field of the entry"},
        BadSet{"routes=1", "--set \"routes=1\": name a field of the entry"},
        BadSet{"routes.a b.rule=x", "invalid name \"a b\" in [[routes]]"},
        BadSet{"routes.x.enabled=nope", "routes.x.enabled: expected a boolean, got a string"}));

TEST(ConfigSetEnvironment, BadEnvironmentOverrideNamesTheVariable) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  auto config = dir.load("dev", {}, {{"BRIDGE_SET_X", "nonsense"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "env:BRIDGE_SET_X \"nonsense\": expected path=value");
  EXPECT_EQ(config.error().where.source, "env:BRIDGE_SET_X");
}

TEST(ConfigSetEnvironment, IgnoredWithoutUseEnvironment) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  LoadOptions options;
  options.config_dir = dir.path();
  options.use_environment = false;
  options.environment_for_test = Env{{"BRIDGE_SET_X", "bridge.workers=7"}};
  auto config = load(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.workers, 0);
}

}  // namespace
}  // namespace bridge::config::test
