// SpooledBody: bytes stay in memory up to the threshold, then the whole body moves to an
// unnamed file in $TMPDIR (nothing left in the directory, whatever happens), and reads back
// from any offset, as often as a request is sent again.
#include "proxy/detail/spooled_body.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace bridge::proxy {
namespace {

std::string read_all(const SpooledBody& body, size_t piece) {
  std::string out, buffer(piece, '\0');
  for (uint64_t at = 0;;) {
    const size_t n = body.read_at(at, buffer);
    if (n == 0) return out;
    out.append(buffer.data(), n);
    at += n;
  }
}

// Points $TMPDIR at a directory of the test's own while it lives.
class PrivateTmp {
 public:
  PrivateTmp() {
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_ = old;
    ::setenv("TMPDIR", dir_.path().c_str(), 1);
  }
  ~PrivateTmp() {
    if (old_.empty())
      ::unsetenv("TMPDIR");
    else
      ::setenv("TMPDIR", old_.c_str(), 1);
  }
  const test::TempDir& dir() const { return dir_; }

 private:
  test::TempDir dir_;
  std::string old_;
};

TEST(SpooledBody, StaysInMemoryUpToTheThreshold) {
  SpooledBody body(10);
  EXPECT_TRUE(body.append("hello "));
  EXPECT_TRUE(body.append("you!"));
  EXPECT_EQ(body.size(), 10u);
  EXPECT_FALSE(body.on_disk());
  EXPECT_EQ(body.where(), "in memory");
  EXPECT_EQ(read_all(body, 3), "hello you!");
  char tail[4];
  EXPECT_EQ(body.read_at(8, tail), 2u);
  EXPECT_EQ(std::string(tail, 2), "u!");
  EXPECT_EQ(body.read_at(10, tail), 0u) << "nothing past the end";
}

TEST(SpooledBody, MovesToAnUnnamedFileAndReadsBackAnyNumberOfTimes) {
  PrivateTmp tmp;
  SpooledBody body(8);
  std::string sent;
  for (int i = 0; i < 1000; ++i) {
    const std::string piece = "piece " + std::to_string(i) + ";";
    sent += piece;
    ASSERT_TRUE(body.append(piece)) << body.error();
  }
  EXPECT_TRUE(body.on_disk());
  EXPECT_EQ(body.where(), "in a temporary file");
  EXPECT_EQ(body.size(), sent.size());
  EXPECT_EQ(read_all(body, 4096), sent);
  EXPECT_EQ(read_all(body, 7), sent) << "read again, as a retried request is";
  EXPECT_TRUE(std::filesystem::is_empty(tmp.dir().path())) << "the file has no name";
}

TEST(SpooledBody, ZeroMemoryMeansEveryByteGoesToTheFile) {
  PrivateTmp tmp;
  SpooledBody body(0);
  EXPECT_TRUE(body.append("x"));
  EXPECT_TRUE(body.on_disk());
  EXPECT_EQ(read_all(body, 16), "x");
}

TEST(SpooledBody, AMissingDirectorySaysWhy) {
  PrivateTmp tmp;
  const std::string gone = tmp.dir() / "gone";
  ::setenv("TMPDIR", gone.c_str(), 1);
  SpooledBody body(2);
  EXPECT_TRUE(body.append("ab"));
  EXPECT_FALSE(body.append("c"));
  EXPECT_EQ(body.error(),
            "cannot open a temporary file in " + gone + ": No such file or directory");
}

}  // namespace
}  // namespace bridge::proxy
