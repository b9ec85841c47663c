// `bridge config keys` through the binary, and docs/configuration.md's reference table, which
// must be exactly what `bridge config keys --markdown` prints (scripts/docs-reference writes it).
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace bridge::test {
namespace {

constexpr std::string_view begin_marker = "<!-- BEGIN: bridge config keys --markdown -->\n";
constexpr std::string_view end_marker = "<!-- END: bridge config keys --markdown -->";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigKeys, TheReferenceInDocsIsTheCommandsOutput) {
  std::string doc = read_text(source_dir() + "/docs/configuration.md");
  size_t begin = doc.find(begin_marker);
  size_t end = doc.find(end_marker);
  ASSERT_NE(begin, std::string::npos) << "docs/configuration.md has no " << begin_marker;
  ASSERT_NE(end, std::string::npos) << "docs/configuration.md has no " << end_marker;
  begin += begin_marker.size();
  auto r = run_bridge({"config", "keys", "--markdown"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(doc.substr(begin, end - begin), r.out)
      << "docs/configuration.md's reference differs from `bridge config keys --markdown`: run "
         "scripts/docs-reference to write it again";
}

TEST(ConfigKeys, APrefixListsTheKeysUnderItWithTypeDefaultMeaningAndExample) {
  auto r = run_bridge({"config", "keys", "upstreams.health"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("upstreams[].health  table  default none\n"), 0u) << r.out;
  EXPECT_NE(r.out.find("upstreams[].health.interval  duration  default \"5s\"\n"
                       "    time between checks\n"
                       "    e.g. interval = \"2s\"\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("upstreams[].tls"), std::string::npos) << r.out;
}

TEST(ConfigKeys, AnyNameInThePrefixStandsForTheUsersOwn) {
  auto r = run_bridge({"config", "keys", "middlewares.limit.rateLimit.burst", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto keys = nlohmann::json::parse(r.out);
  ASSERT_EQ(keys.size(), 1u) << r.out;
  EXPECT_EQ(keys[0]["key"], "middlewares.NAME.rateLimit.burst");
  EXPECT_EQ(keys[0]["type"], "integer");
  for (const char* field : {"default", "allowed", "meaning", "example"})
    EXPECT_TRUE(keys[0].contains(field)) << field;
}

TEST(ConfigKeys, ChoicesAndRangesAreShown) {
  auto r = run_bridge({"config", "keys", "bridge.log_level"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("what the process log shows (one of trace, debug, info, warn, error, off)"),
            std::string::npos)
      << r.out;
  r = run_bridge({"config", "keys", "bridge.workers"});
  EXPECT_NE(r.out.find("(0..1024)"), std::string::npos) << r.out;
}

TEST(ConfigKeys, AnUnknownPrefixIsAUsageErrorWithTheNearestKey) {
  auto r = run_bridge({"config", "keys", "lsteners.tls"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: no configuration key starts with \"lsteners.tls\"\n"
                   "  = hint: did you mean \"listeners\"?\n");
}

TEST(ConfigKeys, AnUnknownKeyInAProfileShowsTheKeyItMeant) {
  TempDir tmp;
  write_file(tmp / "dev.toml", "[[listeners]]\nname = \"web\"\nbnd = \"127.0.0.1:8080\"\n");
  auto r = run_bridge({"config", "check", "--config-dir", tmp.path()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("^^^ did you mean \"bind\"?\n"
                       "  = note: listeners[].bind (string, required): `127.0.0.1:8080`, "
                       "`[::1]:8080` or `unix:/path`; port 0 = any free port\n"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace bridge::test
