#include "cert/cert.hpp"
#include "cert_test.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace bridge::cert {
namespace {

using testing::mode_of;
using testing::Scratch;

size_t entries_in(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(CertFiles, AtomicWriteCreatesTheFileWithTheModeAndNoTempLeftOver) {
  Scratch dir;
  ASSERT_TRUE(write_file_atomic(dir / "key.pem", "secret", 0600));
  EXPECT_EQ(mode_of(dir / "key.pem"), 0600u);
  EXPECT_EQ(*read_text_file(dir / "key.pem"), "secret");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(CertFiles, AtomicWriteReplacesTheWholeFile) {
  Scratch dir;
  ASSERT_TRUE(write_file_atomic(dir / "a.pem", "a much longer first version", 0644));
  ASSERT_TRUE(write_file_atomic(dir / "a.pem", "short", 0644));
  EXPECT_EQ(*read_text_file(dir / "a.pem"), "short");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(CertFiles, AtomicWriteIntoAMissingDirectorySaysWhich) {
  Scratch dir;
  auto r = write_file_atomic(dir / "nope/a.pem", "x", 0644);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "cannot write " + (dir / "nope/a.pem") + ": No such file or directory");
}

TEST(CertFiles, PrivateDirIsCreatedWith0700) {
  Scratch dir;
  ASSERT_TRUE(make_private_dir(dir / "x/y"));
  EXPECT_EQ(mode_of(dir / "x/y"), 0700u);
}

TEST(CertFiles, DataDirFollowsXdgDataHome) {
  Scratch dir;
  EXPECT_EQ(*data_dir(), dir / "data/bridge");
  EXPECT_EQ(*default_ca_dir(), dir / "data/bridge/ca");
}

}  // namespace
}  // namespace bridge::cert
