// The bridge command line as a user sees it: version, help, typos and unbuilt commands.
#include "json_text.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace bridge::test {
namespace {

TEST(Cli, VersionPrintsNameAndVersion) {
  auto r = run_bridge({"version"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "bridge 0.1.0\n");
}

TEST(Cli, VersionJsonIsMachineReadable) {
  auto r = run_bridge({"version", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = parse_json(r.out);
  EXPECT_EQ(doc.at("version"), "0.1.0");
}

// The allocator's options (cli/allocator.cpp) reach jemalloc: its confirm_conf report names
// the string bridge sets, and that each value took.
TEST(Cli, JemallocTakesTheBinarysOptions) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "sanitized builds use the sanitizer's allocator, not jemalloc";
#endif
  auto r = run({bridge_bin(), "version"}, 10s, {{"MALLOC_CONF", "confirm_conf:true"}});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("global variable malloc_conf): \"tcache_nslots_small_min:256,"),
            std::string::npos)
      << r.err;
  for (const char* set : {"tcache_nslots_small_min:256", "tcache_nslots_small_max:2048",
                          "tcache_gc_incr_bytes:8388608"}) {
    EXPECT_NE(r.err.find(std::string("Set conf value: ") + set), std::string::npos) << r.err;
  }
}

TEST(Cli, HelpMentionsEverySubcommand) {
  auto r = run_bridge({"--help"});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* cmd : {"up", "route", "trace", "cert", "config", "version"}) {
    EXPECT_NE(r.out.find(std::string("  ") + cmd), std::string::npos)
        << "--help does not list " << cmd << ":\n"
        << r.out;
  }
}

TEST(Cli, EverySubcommandHelpShowsAnExample) {
  for (const char* cmd : {"up", "route", "trace", "cert", "config"}) {
    auto r = run_bridge({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd << ": " << r.err;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << "bridge " << cmd << " --help:\n"
                                                        << r.out;
  }
}

TEST(Cli, CommandWithoutItsSubcommandNamesTheChoices) {
  auto r = run_bridge({"route"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bridge route needs a command: list, test"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("see: bridge route --help"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("..."), std::string::npos) << r.err;
}

TEST(Cli, UsageLineShowsTheArgumentsAsTyped) {
  auto r = run_bridge({"route", "test", "--help"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Usage: bridge route test [OPTIONS] [METHOD] URL\n"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("(1x)"), std::string::npos) << r.out;
}

TEST(Cli, SubcommandHelpListsTheGlobalOptions) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"config", "check", "--help"},
                                       std::vector<std::string>{"up", "--help"}}) {
    auto r = run_bridge(cmd);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Global options:"), std::string::npos) << r.out;
    for (const char* flag :
         {"-p,--profile", "-c,--config-dir", "--set PATH=VALUE", "--log-level"}) {
      EXPECT_NE(r.out.find(flag), std::string::npos) << cmd[0] << " --help lacks " << flag;
    }
  }
}

TEST(Cli, UnknownCommandSuggestsNearest) {
  auto r = run_bridge({"upp"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command \"upp\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean \"up\"?"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Cli, UnknownFlagSuggestsNearest) {
  auto r = run_bridge({"config", "show", "--profle", "dev"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean \"--profile\"?"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Cli, UnknownFlagErrorIsOneLine) {
  auto r = run_bridge({"config", "show", "--profle", "dev"});
  ASSERT_EQ(r.status, 2);
  // "error: ..." plus at most a hint line; no usage dump.
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

}  // namespace
}  // namespace bridge::test
