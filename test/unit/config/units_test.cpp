// parse_duration / parse_size and their inverse formatting.
#include "config/config.hpp"

#include <gtest/gtest.h>

namespace bridge::config {
namespace {

using std::chrono::milliseconds;

TEST(ConfigUnits, Durations) {
  const std::pair<const char*, int64_t> good[] = {
      {"250ms", 250}, {"30s", 30'000}, {"2m", 120'000},      {"1h", 3'600'000}, {"1.5s", 1500},
      {"0", 0},       {"0s", 0},       {"1h30m", 5'400'000}, {"10 s", 10'000},  {"0.25m", 15'000}};
  for (auto [text, ms] : good) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d) << text << ": " << d.error().message;
    EXPECT_EQ(d->count(), ms) << text;
  }
}

TEST(ConfigUnits, BadDurations) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "invalid duration \"\": it is empty"},
      {"30", "invalid duration \"30\": missing unit"},
      {"10x", "invalid duration \"10x\": unknown unit \"x\""},
      {"5sec", "invalid duration \"5sec\": unknown unit \"sec\""},
      {"-1s", "invalid duration \"-1s\": expected a number"},
      {"s", "invalid duration \"s\": expected a number"},
      {"99999999999h", "invalid duration \"99999999999h\": too large"}};
  for (auto [text, message] : bad) {
    auto d = parse_duration(text);
    ASSERT_FALSE(d) << text;
    EXPECT_EQ(d.error().message, message);
    EXPECT_EQ(d.error().hint, "durations look like 250ms, 30s, 2m, 1h or 1.5s");
  }
}

TEST(ConfigUnits, Sizes) {
  const std::pair<const char*, uint64_t> good[] = {
      {"512", 512},         {"64KiB", 65'536},     {"10MB", 10'000'000},
      {"1GiB", 1ull << 30}, {"1.5KiB", 1536},      {"2kb", 2000},
      {"100B", 100},        {"1 MiB", 1ull << 20}, {"1TiB", 1ull << 40}};
  for (auto [text, bytes] : good) {
    auto s = parse_size(text);
    ASSERT_TRUE(s) << text << ": " << s.error().message;
    EXPECT_EQ(*s, bytes) << text;
  }
}

TEST(ConfigUnits, BadSizes) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "invalid size \"\": expected a number and an optional unit"},
      {"KiB", "invalid size \"KiB\": expected a number and an optional unit"},
      {"64K", "invalid size \"64K\": unknown unit \"K\""},
      {"1.5", "invalid size \"1.5\": not a whole number of bytes"},
      {"10MB!", "invalid size \"10MB!\": expected a number and an optional unit"},
      {"99999999TiB", "invalid size \"99999999TiB\": too large"}};
  for (auto [text, message] : bad) {
    auto s = parse_size(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().message, message);
  }
}

TEST(ConfigUnits, FormatIsTheShortestExactSpelling) {
  EXPECT_EQ(format_duration(milliseconds(30'000)), "30s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(120'000)), "2m");
  EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_size(65'536), "64KiB");
  EXPECT_EQ(format_size(1ull << 30), "1GiB");
  EXPECT_EQ(format_size(1500), "1500");
  EXPECT_EQ(format_size(0), "0");
  for (const char* text : {"30s", "250ms", "2m", "1h"})
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
}

}  // namespace
}  // namespace bridge::config
