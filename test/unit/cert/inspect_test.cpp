#include "cert/cert.hpp"
#include "cert_test.hpp"

#include <gtest/gtest.h>

namespace bridge::cert {
namespace {

using testing::Scratch;

TEST(CertInspect, LeafVerifiesAgainstTheLocalCaButNotTheSystemStore) {
  Scratch dir;
  LeafOptions o;
  o.names = {"app.localhost"};
  o.out_dir = dir.path();
  auto issued = issue(o);
  ASSERT_TRUE(issued);
  auto in = inspect_file(issued->cert_path, "");
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_EQ(in->chain.size(), 1u);
  EXPECT_EQ(in->chain[0].sans, std::vector<std::string>{"DNS:app.localhost"});
  EXPECT_TRUE(in->local_ca.ok) << in->local_ca.message;
  EXPECT_TRUE(in->system.checked);
  EXPECT_FALSE(in->system.ok);
}

TEST(CertInspect, GarbageFileIsAClearError) {
  Scratch dir;
  ASSERT_TRUE(write_file_atomic(dir / "bad.pem", "not a certificate\n", 0644));
  auto in = inspect_file(dir / "bad.pem", "");
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().message, (dir / "bad.pem") + ": no PEM certificate found");
}

TEST(CertInspect, TruncatedPemIsAClearError) {
  Scratch dir;
  ASSERT_TRUE(write_file_atomic(
      dir / "bad.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0644));
  auto in = inspect_file(dir / "bad.pem", "");
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().message, (dir / "bad.pem") + ": no PEM certificate found");
}

}  // namespace
}  // namespace bridge::cert
