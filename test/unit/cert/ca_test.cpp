#include "cert/cert.hpp"
#include "cert/detail/describe.hpp"
#include "cert_test.hpp"

#include <gtest/gtest.h>

namespace bridge::cert {
namespace {

using testing::mode_of;
using testing::Scratch;

detail::X509Ptr load_cert(const std::string& path) {
  auto certs = detail::certs_from_pem(*read_text_file(path), path);
  return std::move(certs->front());
}

TEST(CertCa, IsCreatedOnceWithPrivateModes) {
  Scratch dir;
  auto first = ensure_ca({});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->dir, dir / "data/bridge/ca");
  EXPECT_EQ(mode_of(first->dir), 0700u);
  EXPECT_EQ(mode_of(first->key_path), 0600u);
  EXPECT_EQ(mode_of(first->cert_path), 0644u);
  auto second = ensure_ca({});
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->fingerprint_sha256, first->fingerprint_sha256);
}

TEST(CertCa, IsAnEcP256CaWithPathlenZeroAndNameConstraints) {
  Scratch dir;
  auto ca = ensure_ca({dir / "ca", {"corp.example", "10.0.0.0/8"}});
  ASSERT_TRUE(ca);
  auto cert = load_cert(ca->cert_path);
  auto info = detail::describe(cert.get(), std::time(nullptr));
  EXPECT_TRUE(info.is_ca);
  EXPECT_TRUE(info.self_signed);
  EXPECT_EQ(info.key_type, "ECDSA P-256");
  EXPECT_GE(info.days_left, 3649);
  EXPECT_EQ(X509_get_pathlen(cert.get()), 0);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  std::vector<std::string> want = {"localhost",    ".localhost", ".test",       ".local",
                                   ".internal",    ".home.arpa", "127.0.0.0/8", "::1/128",
                                   "corp.example", "10.0.0.0/8"};
  EXPECT_EQ(ca->permitted, want);
  EXPECT_EQ(info.permitted, want);
}

TEST(CertCa, PermitOnAnExistingCaThatLacksItIsAnError) {
  Scratch dir;
  ASSERT_TRUE(ensure_ca({dir / "ca", {}}));
  auto again = ensure_ca({dir / "ca", {"corp.example"}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "the local CA in " + (dir / "ca") +
                                       " does not permit \"corp.example\"; name constraints are "
                                       "fixed when the CA is created");
  EXPECT_EQ(again.error().hint, "remove " + (dir / "ca") +
                                    " and run: bridge cert ca --permit corp.example (then run "
                                    "bridge cert trust again)");
}

TEST(CertCa, LoadWithoutACaSaysHowToMakeOne) {
  Scratch dir;
  auto ca = load_ca(dir / "none");
  ASSERT_FALSE(ca);
  EXPECT_EQ(ca.error().message, "no local CA in " + (dir / "none"));
  EXPECT_EQ(ca.error().hint, "create it with: bridge cert ca");
}

}  // namespace
}  // namespace bridge::cert
