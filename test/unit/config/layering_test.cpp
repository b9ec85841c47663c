// Finding the config dir, the extends chain, unknown profiles and malformed files.
#include "config_test.hpp"

#include <filesystem>

namespace bridge::config::test {
namespace {

TEST(ConfigLayering, ExtendsChainLoadsAncestorsFirst) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("qa.toml", "[bridge]\nworkers = 1\nlog_level = \"debug\"\n");
  dir.write("staging.toml", "extends = \"qa\"\n[bridge]\nworkers = 2\n");
  dir.write("prod.toml", "extends = \"staging\"\n[bridge]\nworkers = 3\n");
  dir.write("prod.local.toml", "[bridge]\nlog_level = \"error\"\n");
  auto config = dir.load("prod");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->profile, "prod");
  EXPECT_EQ(config->files, (std::vector<std::string>{
                               dir.file("base.toml"), dir.file("qa.toml"), dir.file("staging.toml"),
                               dir.file("prod.toml"), dir.file("prod.local.toml")}));
  EXPECT_EQ(config->bridge.workers, 3);
  EXPECT_EQ(config->bridge.log_level, "error");
  EXPECT_EQ(leaf_value(*config, "extends"), "");  // consumed, not a setting
}

TEST(ConfigLayering, AnExtendedProfilesLocalFileIsNotLoaded) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("staging.toml", "[bridge]\nworkers = 2\n");
  dir.write("staging.local.toml", "[bridge]\nworkers = 9\n");
  dir.write("prod.toml", "extends = \"staging\"\n");
  auto config = dir.load("prod");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.workers, 2);
}

TEST(ConfigLayering, ExtendsCycleNamesTheChainAtTheExtendsValue) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("prod.toml", "extends = \"staging\"\n");
  dir.write("staging.toml", "# staging\nextends = \"prod\"\n");
  auto config = dir.load("prod");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "extends cycle: prod -> staging -> prod");
  EXPECT_EQ(where(config.error().where), dir.file("staging.toml") + ":2:11");
  EXPECT_EQ(config.error().source_line, "extends = \"prod\"");
  EXPECT_EQ(config.error().span, 6);
  EXPECT_EQ(config.error().exit_status(), 2);
}

TEST(ConfigLayering, ExtendingItselfIsACycle) {
  TempConfigDir dir;
  dir.write("dev.toml", std::string("extends = \"dev\"\n") + std::string(minimal_base));
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "extends cycle: dev -> dev");
  EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":1:11");
}

TEST(ConfigLayering, ExtendsOfAnUnknownProfilePointsAtTheValue) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("staging.toml", "");
  dir.write("prod.toml", "extends = \"stagin\"\n");
  auto config = dir.load("prod");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message,
            "unknown profile \"stagin\" (no stagin.toml in " + dir.path() + "/)");
  EXPECT_EQ(where(config.error().where), dir.file("prod.toml") + ":1:11");
  EXPECT_EQ(config.error().hint, "did you mean \"staging\"? available: prod, staging");
}

TEST(ConfigLayering, ExtendsMustBeAString) {
  TempConfigDir dir;
  dir.write("prod.toml", "extends = [\"a\"]\n");
  auto config = dir.load("prod");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "extends: expected a string, got an array");
}

TEST(ConfigLayering, ExtendsOnlyWorksInProfileFiles) {
  TempConfigDir dir;
  dir.write("base.toml", "extends = \"dev\"\n" + std::string(minimal_base));
  dir.write("dev.toml", "");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "\"extends\" only works in a <profile>.toml file");
  EXPECT_EQ(where(config.error().where), dir.file("base.toml") + ":1:1");
  EXPECT_EQ(config.error().span, 7);
}

TEST(ConfigLayering, UnknownProfileListsTheAvailableOnes) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "");
  dir.write("staging.toml", "");
  dir.write("dev.local.toml", "");
  dir.write("notes.txt", "");
  auto config = dir.load("stagng");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message,
            "unknown profile \"stagng\" (no stagng.toml in " + dir.path() + "/)");
  EXPECT_EQ(config.error().hint, "did you mean \"staging\"? available: dev, staging");
  EXPECT_FALSE(config.error().where.has_position());
}

TEST(ConfigLayering, UnknownProfileWithNothingClose) {
  TempConfigDir dir;
  dir.write("dev.toml", minimal_base);
  auto config = dir.load("production");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().hint, "available: dev");
}

TEST(ConfigLayering, ProfileNamesCannotLeaveTheDir) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  auto config = dir.load("../base");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "invalid profile name \"../base\"");
}

TEST(ConfigLayering, BaseAloneServesTheDefaultProfile) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  auto config = dir.load("dev");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->files, std::vector<std::string>{dir.file("base.toml")});
  EXPECT_FALSE(dir.load("staging"));
}

TEST(ConfigLayering, EmptyProfileMeansBridgeProfileFromTheEnvironment) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("staging.toml", "[bridge]\nworkers = 2\n");
  auto staging = dir.load("", {}, {{"BRIDGE_PROFILE", "staging"}});
  ASSERT_TRUE(staging) << staging.error().message;
  EXPECT_EQ(staging->profile, "staging");
  auto dev = dir.load("");
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ(dev->profile, "dev");
}

TEST(ConfigLayering, MalformedTomlKeepsTomlppPositionAndDescription) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[bridge]\nworkers = 2\nlog_level = \n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":3:13");  // the line's end
  EXPECT_TRUE(config.error().message.starts_with("invalid TOML: ")) << config.error().message;
  EXPECT_EQ(config.error().source_line, "log_level = ");
}

TEST(ConfigLayering, DuplicateKeysAreTomlErrors) {
  TempConfigDir dir;
  dir.write("dev.toml", "[bridge]\nworkers = 2\nworkers = 3\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().where.line, 3);
  EXPECT_NE(config.error().message.find("workers"), std::string::npos) << config.error().message;
}

TEST(ConfigSearch, ExplicitDirThatDoesNotExistIsAnError) {
  LoadOptions options;
  options.config_dir = "/nonexistent/bridge-config";
  options.environment_for_test.emplace();
  auto config = load(options);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message,
            "config dir \"/nonexistent/bridge-config\" (--config-dir) does not exist");
  EXPECT_EQ(find_config_dir(options), "/nonexistent/bridge-config");
}

TEST(ConfigSearch, EnvironmentDirIsUsedAndChecked) {
  TempConfigDir dir;
  dir.write("dev.toml", minimal_base);
  LoadOptions options;
  options.environment_for_test = Env{{"BRIDGE_CONFIG_DIR", dir.path()}};
  EXPECT_EQ(find_config_dir(options), dir.path());
  auto config = load(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->files, std::vector<std::string>{dir.file("dev.toml")});

  options.environment_for_test = Env{{"BRIDGE_CONFIG_DIR", dir.path() + "/missing"}};
  auto missing = load(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "config dir \"" + dir.path() + "/missing\" ($BRIDGE_CONFIG_DIR) does not exist");

  options.use_environment = false;  // then the variable is not consulted at all
  EXPECT_NE(find_config_dir(options), dir.path() + "/missing");
}

TEST(ConfigSearch, DotBridgeComesBeforeProfiles) {
  TempConfigDir dir;
  dir.write(".bridge/base.toml", minimal_base);
  dir.write("profiles/dev.toml", minimal_base);
  ScopedCwd cwd(dir.path());
  LoadOptions options;
  options.environment_for_test.emplace();
  EXPECT_EQ(find_config_dir(options), ".bridge");
  auto config = load(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->files, std::vector<std::string>{".bridge/base.toml"});
}

TEST(ConfigSearch, ADirWithoutBaseOrTheProfileDoesNotCount) {
  TempConfigDir dir;
  dir.write(".bridge/staging.toml", minimal_base);
  dir.write("profiles/dev.toml", minimal_base);
  ScopedCwd cwd(dir.path());
  LoadOptions options;
  options.environment_for_test.emplace();
  EXPECT_EQ(find_config_dir(options), "profiles");
  options.profile = "staging";
  EXPECT_EQ(find_config_dir(options), ".bridge");
}

TEST(ConfigSearch, NothingFoundUsesTheEmbeddedDefault) {
  TempConfigDir dir;
  ScopedCwd cwd(dir.path());
  LoadOptions options;
  options.environment_for_test.emplace();
  EXPECT_EQ(find_config_dir(options), "");
  auto config = load(options);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->files,
            (std::vector<std::string>{"<embedded>/base.toml", "<embedded>/dev.toml"}));
  ASSERT_FALSE(config->listeners.empty());
  EXPECT_EQ(config->listeners[0].bind, "127.0.0.1:8080");
  EXPECT_EQ(config->origin("upstreams.frontend.targets").source, "<embedded>/dev.toml");
  EXPECT_TRUE(config->origin("upstreams.frontend.targets").has_position());

  options.profile = "prod";  // only base and dev are compiled in
  auto prod = load(options);
  ASSERT_FALSE(prod);
  EXPECT_EQ(prod.error().message,
            "unknown profile \"prod\" (no prod.toml in the embedded default)");
  EXPECT_EQ(prod.error().hint, "available: dev");
}

}  // namespace
}  // namespace bridge::config::test
