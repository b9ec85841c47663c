// ${VAR} and ${VAR:-default} in strings, from the environment.
#include "config_test.hpp"

namespace bridge::config::test {
namespace {

class ConfigInterpolation : public ::testing::Test {
 protected:
  TempConfigDir dir;
  void SetUp() override { dir.write("base.toml", minimal_base); }

  Result<Config> load_log(std::string_view value, std::map<std::string, std::string> env = {}) {
    dir.write("dev.toml", "[bridge]\naccess_log = \"" + std::string(value) + "\"\n");
    return dir.load("dev", {}, std::move(env));
  }
};

TEST_F(ConfigInterpolation, ExpandsSetVariables) {
  auto config = load_log("${LOG_DIR}/${APP}.log", {{"LOG_DIR", "/var/log"}, {"APP", "web"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.access_log, "/var/log/web.log");
  EXPECT_EQ(where(config->origin("bridge.access_log")), dir.file("dev.toml") + ":2:14");
}

TEST_F(ConfigInterpolation, DefaultWhenUnsetOrEmpty) {
  auto unset = load_log("${LOG:-stderr}");
  ASSERT_TRUE(unset) << unset.error().message;
  EXPECT_EQ(unset->bridge.access_log, "stderr");
  auto empty = load_log("${LOG:-stderr}", {{"LOG", ""}});
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->bridge.access_log, "stderr");
  auto set = load_log("${LOG:-stderr}", {{"LOG", "off"}});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->bridge.access_log, "off");
}

TEST_F(ConfigInterpolation, DefaultMayBeEmptyOrHoldColons) {
  dir.write("dev.toml", "[trace]\notlp_endpoint = \"${OTLP:-}\"\n[bridge]\n"
                        "access_log = \"${X:-http://a:1/b}\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->trace.otlp_endpoint, "");
  EXPECT_EQ(config->bridge.access_log, "http://a:1/b");
}

TEST_F(ConfigInterpolation, MissingVariableIsAnErrorAtTheString) {
  auto config = load_log("${API_TOKEN}");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "environment variable \"API_TOKEN\" is not set");
  EXPECT_EQ(config.error().hint, "export API_TOKEN=... or write ${API_TOKEN:-default}");
  EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":2:14");
  EXPECT_EQ(config.error().source_line, "access_log = \"${API_TOKEN}\"");
  EXPECT_EQ(config.error().span, 14);
}

TEST_F(ConfigInterpolation, SetButEmptyVariableIsEmpty) {
  dir.write("dev.toml", "[bridge]\nadmin_token = \"${TOKEN}\"\n");
  auto config = dir.load("dev", {}, {{"TOKEN", ""}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.admin_token, "");
}

TEST_F(ConfigInterpolation, DoubleDollarEscapes) {
  auto config = load_log("$${HOME}/$$x-${A}", {{"A", "1"}, {"HOME", "/root"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.access_log, "${HOME}/$$x-1");
}

TEST_F(ConfigInterpolation, UnterminatedReference) {
  auto config = load_log("${HOME");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "unterminated \"${\" in string");
}

TEST_F(ConfigInterpolation, InvalidVariableName) {
  auto config = load_log("${1ABC}");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "invalid variable name \"1ABC\" in \"${1ABC}\"");
}

TEST_F(ConfigInterpolation, WorksInArraysAndNestedTables) {
  dir.write("dev.toml", R"toml(
[[upstreams]]
name = "orders"
targets = ["http://${HOST:-127.0.0.1}:${PORT:-9000}", "compose://${SVC}:8080"]
health = { path = "${HEALTH:-/healthz}" }
)toml");
  auto config = dir.load("dev", {}, {{"SVC", "orders"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->upstreams[0].targets,
            (std::vector<std::string>{"http://127.0.0.1:9000", "compose://orders:8080"}));
  EXPECT_EQ(config->upstreams[0].health->path, "/healthz");
}

TEST_F(ConfigInterpolation, OnlyEffectiveValuesAreExpanded) {
  // base refers to a variable nobody set, but dev replaces that value.
  dir.write("base.toml", std::string(minimal_base) + "\n[bridge]\naccess_log = \"${NOPE}\"\n");
  dir.write("dev.toml", "[bridge]\naccess_log = \"stdout\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
}

TEST_F(ConfigInterpolation, WithoutEnvironmentEveryVariableIsUnset) {
  dir.write("dev.toml", "[bridge]\naccess_log = \"${PATH:-stderr}\"\n");
  LoadOptions options;
  options.config_dir = dir.path();
  options.use_environment = false;
  auto config = load(options);  // the real environment has PATH; it is not consulted
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.access_log, "stderr");
}

TEST_F(ConfigInterpolation, OverridesAreNotExpandedAgain) {
  dir.write("dev.toml", "");
  auto config = dir.load("dev", {"bridge.access_log=${NOT_A_VAR}"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.access_log, "${NOT_A_VAR}");
}

TEST_F(ConfigInterpolation, KeysAndNamesAreNotExpanded) {
  dir.write("dev.toml", "[[routes]]\nname = \"r\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
                        "request_headers = { set = { \"X-${A}\" = \"v\" } }\n");
  auto config = dir.load("dev", {}, {{"A", "b"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "routes.r.request_headers.set: invalid header name \"X-${A}\"");
}

}  // namespace
}  // namespace bridge::config::test
