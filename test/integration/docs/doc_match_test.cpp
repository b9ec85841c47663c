// The doc-test runner's own rules (docs/building.md, "Examples are tests"): how a page's
// output lines match what a command printed.
#include "doc_match.hpp"
#include "doc_page.hpp"

#include <gtest/gtest.h>

namespace bridge::test::docs {
namespace {

bool matches(std::vector<std::string> expected, std::vector<std::string> actual) {
  Bindings bindings;
  return match_output(expected, actual, bindings);
}

TEST(DocMatch, LinesMatchExactlyButForTrailingBlanks) {
  EXPECT_TRUE(matches({"winner: api", "  Host: x  "}, {"winner: api", "  Host: x"}));
  EXPECT_FALSE(matches({"winner: api"}, {"winner: apis"}));
  EXPECT_FALSE(matches({"a"}, {"a", "b"}));
  EXPECT_TRUE(matches({"a", ""}, {"a"}));
}

TEST(DocMatch, DotsTakeAnyNumberOfLines) {
  EXPECT_TRUE(matches({"first", "...", "last"}, {"first", "last"}));
  EXPECT_TRUE(matches({"first", "...", "last"}, {"first", "x", "y", "last"}));
  EXPECT_TRUE(matches({"...", "b", "..."}, {"a", "b", "c"}));
  EXPECT_TRUE(
      matches({"headers:", "  ...", "  te: trailers"}, {"headers:", "  a: 1", "  te: trailers"}));
  EXPECT_FALSE(matches({"first", "...", "last"}, {"first", "x"}));
}

TEST(DocMatch, BracketDotsTakeAnyTextInALine) {
  EXPECT_TRUE(matches({"in [..] or its parents"}, {"in /tmp/x/y or its parents"}));
  EXPECT_FALSE(matches({"in [..] or its parents"}, {"at /tmp or its parents"}));
}

TEST(DocMatch, VaryingValuesMatchByShape) {
  EXPECT_TRUE(matches({"GET localhost:8080/api/users → 200 in 2.974 ms"},
                      {"GET localhost:8080/api/users → 200 in 0.31 ms"}));
  EXPECT_TRUE(matches({"2026-11-23T13:47:33.738 info  started"},
                      {"2024-01-02T03:04:05.006 info  started"}));
  EXPECT_TRUE(
      matches({"08:37:22.456  200  GET  x          3.47ms  1edaa64b55de94b7f98d394d3ad563bb"},
              {"11:02:03.004  200  GET  x     12.50ms  0123456789abcdef0123456789abcdef"}));
  EXPECT_FALSE(matches({"X-Request-ID: 1edaa64b55de94b7f98d394d3ad563bb"},
                       {"X-Request-ID: 1edaa64b55de94b7"}));
  EXPECT_TRUE(matches({"bridge 0.1.0 · profile dev · 2 worker(s)"},
                      {"bridge 0.1.0 · profile dev · 16 worker(s)"}));
  EXPECT_FALSE(matches({"priority 18"}, {"priority 19"}));
}

TEST(DocMatch, ABoundValueIsTheSameWhereverItShows) {
  Bindings bindings;
  ASSERT_TRUE(match_output({"X-Request-ID: 1edaa64b55de94b7f98d394d3ad563bb"},
                           {"X-Request-ID: 0123456789abcdef0123456789abcdef"}, bindings));
  EXPECT_EQ(bindings.at("1edaa64b55de94b7f98d394d3ad563bb"), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(substitute("bridge trace show 1edaa64b55de94b7f98d394d3ad563bb", bindings),
            "bridge trace show 0123456789abcdef0123456789abcdef");
  Bindings later = bindings;
  EXPECT_FALSE(match_output({"id  1edaa64b55de94b7f98d394d3ad563bb"},
                            {"id  ffffffffffffffffffffffffffffffff"}, later));
  EXPECT_FALSE(matches({"bp-31c0d9a8e6f2b417 bp-31c0d9a8e6f2b417"},
                       {"bp-0000000000000001 bp-0000000000000002"}));
}

TEST(DocMatch, DiffMarksWhatDiffers) {
  EXPECT_EQ(diff_output({"a", "...", "c", "d"}, {"a", "b", "c", "e"}, {}),
            "  a\n  b\n  c\n- d\n+ e\n");
}

TEST(DocPage, CommandsTakeHeredocsAndContinuationLines) {
  auto blocks = console_blocks("x.md", "<!-- doc-test: setup: true -->\n"
                                       "```console\n"
                                       "$ cat > f <<'EOF'\n"
                                       "$ not a command\n"
                                       "EOF\n"
                                       "$ echo a \\\n"
                                       "    b\n"
                                       "a b\n"
                                       "```\n");
  ASSERT_EQ(blocks.size(), 1u);
  const auto& block = blocks[0];
  EXPECT_EQ(block.line, 2);
  ASSERT_EQ(block.markers.size(), 1u);
  EXPECT_EQ(block.markers[0].kind, "setup");
  ASSERT_EQ(block.commands.size(), 2u);
  EXPECT_EQ(block.commands[0].text, "cat > f <<'EOF'\n$ not a command\nEOF");
  EXPECT_EQ(block.commands[1].text, "echo a \\\n    b");
  EXPECT_EQ(block.commands[1].expected, std::vector<std::string>{"a b"});
}

TEST(DocPage, AnUnknownMarkerIsAnError) {
  auto blocks = console_blocks("x.md", "<!-- doc-test: skpi: no -->\n```console\n$ true\n```\n");
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_NE(blocks[0].error.find("skpi"), std::string::npos);
}

}  // namespace
}  // namespace bridge::test::docs
