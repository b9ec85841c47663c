// Merge rules: tables deep-merge, named entries merge by name, the rest replaces.
#include "config_test.hpp"

namespace bridge::config::test {
namespace {

std::vector<std::string> route_names(const Config& config) {
  std::vector<std::string> names;
  for (const auto& r : config.routes) names.push_back(r.name);
  return names;
}

constexpr std::string_view two_routes = R"toml(
[[routes]]
name = "a"
rule = "PathPrefix(`/a`)"
upstream = "orders"
timeout = "5s"

[[routes]]
name = "b"
rule = "PathPrefix(`/b`)"
upstream = "orders"
)toml";

class ConfigMerge : public ::testing::Test {
 protected:
  TempConfigDir dir;
  void SetUp() override {
    dir.write("base.toml", std::string(minimal_base) + std::string(two_routes));
  }
};

TEST_F(ConfigMerge, TablesDeepMerge) {
  dir.write("base.toml",
            std::string(minimal_base) + "[bridge]\nlog_level = \"warn\"\nworkers = 4\n");
  dir.write("dev.toml", "[bridge]\nworkers = 2\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.log_level, "warn");
  EXPECT_EQ(config->bridge.workers, 2);
}

TEST_F(ConfigMerge, ScalarsAndPlainArraysReplace) {
  dir.write("base.toml", std::string(minimal_base) +
                             "[trace]\npropagation = [\"w3c\", \"b3\"]\nstore_size = 5\n");
  dir.write("dev.toml", "[trace]\npropagation = [\"b3\"]\nstore_size = 7\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->trace.propagation, std::vector<std::string>{"b3"});
  EXPECT_EQ(config->trace.store_size, 7u);
}

TEST_F(ConfigMerge, SameNameDeepMerges) {
  dir.write("dev.toml", "[[routes]]\nname = \"a\"\nstrip_prefix = \"/a\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(route_names(*config), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(config->routes[0].rule, "PathPrefix(`/a`)");
  EXPECT_EQ(config->routes[0].strip_prefix, "/a");
  EXPECT_EQ(config->routes[0].timeout, std::chrono::seconds(5));
}

TEST_F(ConfigMerge, NewNamesAppendInOrder) {
  dir.write("dev.toml", R"toml(
[[routes]]
name = "c"
rule = "PathPrefix(`/c`)"
upstream = "orders"

[[routes]]
name = "b"
priority = 9

[[routes]]
name = "d"
rule = "PathPrefix(`/d`)"
upstream = "orders"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(route_names(*config), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(config->routes[1].priority, 9);
}

TEST_F(ConfigMerge, EnabledFalseDropsTheInheritedEntry) {
  dir.write("dev.toml", "[[routes]]\nname = \"a\"\nenabled = false\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(route_names(*config), std::vector<std::string>{"b"});
  EXPECT_EQ(config->origin("routes.a.rule").source, "");
}

TEST_F(ConfigMerge, EnabledFalseWithoutAnInheritedEntryIsNoEntry) {
  dir.write("dev.toml", "[[routes]]\nname = \"z\"\nenabled = false\nrule = \"Path(`/z`)\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(route_names(*config), (std::vector<std::string>{"a", "b"}));
}

TEST_F(ConfigMerge, ADroppedEntryCanBeDefinedAgainLater) {
  dir.write("dev.toml", "[[routes]]\nname = \"a\"\nenabled = false\n");
  dir.write("dev.local.toml",
            "[[routes]]\nname = \"a\"\nrule = \"Path(`/new`)\"\nupstream = \"orders\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(route_names(*config), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(config->routes[1].rule, "Path(`/new`)");
  EXPECT_EQ(config->routes[1].timeout, std::chrono::seconds(30));  // not the old 5s
}

TEST_F(ConfigMerge, EnabledTrueKeepsTheEntryAndIsNotALeaf) {
  dir.write("dev.toml", "[[routes]]\nname = \"a\"\nenabled = true\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(route_names(*config), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(leaf_value(*config, "routes.a.enabled"), "");
}

TEST_F(ConfigMerge, NamedMergeAppliesToListenersAndUpstreams) {
  dir.write("dev.toml", R"toml(
[[listeners]]
name = "web"
bind = "127.0.0.1:9090"

[[listeners]]
name = "admin"
bind = "127.0.0.1:9091"

[[upstreams]]
name = "orders"
balance = "first"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->listeners.size(), 2u);
  EXPECT_EQ(config->listeners[0].bind, "127.0.0.1:9090");
  EXPECT_EQ(config->listeners[1].name, "admin");
  ASSERT_EQ(config->upstreams.size(), 1u);
  EXPECT_EQ(config->upstreams[0].balance, "first");
  EXPECT_EQ(config->upstreams[0].targets, std::vector<std::string>{"http://127.0.0.1:9000"});
}

TEST_F(ConfigMerge, InlineAndHeaderTablesDeepMerge) {
  dir.write("base.toml", std::string(minimal_base) + R"toml(
[[routes]]
name = "a"
rule = "PathPrefix(`/a`)"
upstream = "orders"
request_headers = { set = { "X-Env" = "base", "X-Team" = "core" }, remove = ["X-A"] }
)toml");
  dir.write("dev.toml", R"toml(
[[routes]]
name = "a"
[routes.request_headers.set]
X-Env = "dev"
[routes.request_headers]
remove = ["X-B", "X-C"]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  const auto& ops = config->routes[0].request_headers;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(ops.set, (Pairs{{"X-Env", "dev"}, {"X-Team", "core"}}));
  EXPECT_EQ(ops.remove, (std::vector<std::string>{"X-B", "X-C"}));  // arrays replace
}

TEST_F(ConfigMerge, UnnamedArraysOfTablesReplace) {
  dir.write("base.toml", std::string(minimal_base) + R"toml(
[[listeners]]
name = "tls"
bind = "127.0.0.1:8443"
tls = { certs = [{ cert = "a.pem", key = "a-key.pem" }, { cert = "b.pem", key = "b-key.pem" }] }
)toml");
  dir.write("dev.toml", R"toml(
[[listeners]]
name = "tls"
tls = { certs = [{ cert = "c.pem", key = "c-key.pem" }] }
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_TRUE(config->listeners[1].tls);
  ASSERT_EQ(config->listeners[1].tls->certs.size(), 1u);
  // A relative path resolves against the directory of the file that set it.
  EXPECT_EQ(config->listeners[1].tls->certs[0].cert, dir.file("c.pem"));
}

TEST_F(ConfigMerge, AValueMayChangeType) {
  // A later layer replaces, whatever was there; validation then judges the result.
  dir.write("dev.toml", "[[upstreams]]\nname = \"orders\"\nhealth = { path = \"/up\" }\n");
  dir.write("dev.local.toml", "[[upstreams]]\nname = \"orders\"\nhealth = \"none\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "upstreams.orders.health: expected a table, got a string");
  EXPECT_EQ(where(config.error().where), dir.file("dev.local.toml") + ":3:10");
}

TEST_F(ConfigMerge, LocalFileLayersLast) {
  dir.write("dev.toml", "[bridge]\nworkers = 2\nlog_level = \"debug\"\n");
  dir.write("dev.local.toml", "[bridge]\nworkers = 3\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->bridge.workers, 3);
  EXPECT_EQ(config->bridge.log_level, "debug");
  EXPECT_EQ(config->files, (std::vector<std::string>{dir.file("base.toml"), dir.file("dev.toml"),
                                                     dir.file("dev.local.toml")}));
}

}  // namespace
}  // namespace bridge::config::test
