#include "trace/trace.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

namespace bridge::trace {
namespace {

// A fixed id source so the tests see known bytes.
class CountingSource final : public IdSource {
 public:
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) out[i] = next_++;
  }
  uint8_t next_ = 1;
};

TEST(RequestId, ValidIdsAreOneTo128SafeCharacters) {
  EXPECT_TRUE(valid_request_id("abc"));
  EXPECT_TRUE(valid_request_id("A-Z.a_z:09"));
  EXPECT_TRUE(valid_request_id(std::string(128, 'x')));
  EXPECT_FALSE(valid_request_id(""));
  EXPECT_FALSE(valid_request_id(std::string(129, 'x')));
  EXPECT_FALSE(valid_request_id("has space"));
  EXPECT_FALSE(valid_request_id("semi;colon"));
  EXPECT_FALSE(valid_request_id("caf\xc3\xa9"));
}

TEST(RequestId, GeneratedIdsAre32LowercaseHex) {
  CountingSource ids;
  EXPECT_EQ(new_request_id(ids), "0102030405060708090a0b0c0d0e0f10");
  std::string id = new_request_id();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RequestId, ThreadSourceDoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(new_request_id());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(TraceParent, ParsesValidVersion00) {
  auto ctx = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx->parent_span_id_hex(), "00f067aa0ba902b7");
  EXPECT_EQ(ctx->flags, 1);
  EXPECT_TRUE(ctx->continued);
}

TEST(TraceParent, RejectsInvalidShapes) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",           // no flags
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // version ff
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // uppercase
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // v00 with extra
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",        // separators
           "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // bad hex
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(TraceParent, FutureVersionsKeepTheFirstFourFields) {
  auto ctx = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceParent, ContinuingKeepsTraceIdWithNewSpan) {
  CountingSource ids;
  auto incoming = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  TraceContext ctx = next_span(incoming, ids);
  EXPECT_EQ(ctx.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-0102030405060708-00");
  EXPECT_EQ(ctx.parent_span_id_hex(), "00f067aa0ba902b7");
  EXPECT_EQ(ctx.b3(), "4bf92f3577b34da6a3ce929d0e0e4736-0102030405060708-0-00f067aa0ba902b7");
}

TEST(TraceParent, StartingANewTraceIsSampledWithoutParent) {
  CountingSource ids;
  TraceContext ctx = next_span(std::nullopt, ids);
  EXPECT_EQ(ctx.traceparent(), "00-0102030405060708090a0b0c0d0e0f10-1112131415161718-01");
  EXPECT_FALSE(ctx.continued);
  EXPECT_EQ(ctx.b3(), "0102030405060708090a0b0c0d0e0f10-1112131415161718-1");
}

}  // namespace
}  // namespace bridge::trace
