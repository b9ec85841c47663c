// bridge cert trust for real on this Debian machine: curl trusts a local-CA leaf without
// --cacert afterwards, and --uninstall takes it away again.
#include "cert_env.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace bridge::test {
namespace {

constexpr const char* debian_anchor = "/usr/local/share/ca-certificates/bridge-local-ca.crt";

class CertTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || !std::filesystem::exists("/usr/sbin/update-ca-certificates")) {
      GTEST_SKIP() << "needs root on Debian/Ubuntu";
    }
    if (std::filesystem::exists(debian_anchor)) GTEST_SKIP() << "a bridge CA is already trusted";
  }
  void TearDown() override {
    if (installed_) env_.bridge({"cert", "trust", "--uninstall"}, 60s);
  }
  CertEnv env_;
  bool installed_ = false;
};

TEST_F(CertTrust, DryRunPrintsTheCommandsAndChangesNothing) {
  auto r = env_.bridge({"cert", "trust", "--dry-run"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "$ install -D -m 0644 " + env_.ca_dir() + "/ca.pem " + debian_anchor))
      << r.out;
  EXPECT_TRUE(contains(r.out, "$ /usr/sbin/update-ca-certificates\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "dry run: nothing was changed")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(debian_anchor));
}

TEST_F(CertTrust, CurlTrustsALocalLeafAfterTrustAndNotAfterUninstall) {
  ASSERT_EQ(env_.bridge({"cert", "issue", "app.localhost"}).status, 0);
  uint16_t port = free_port();
  Process server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                  env_ / "app.localhost.pem", "-key", env_ / "app.localhost-key.pem", "-www",
                  "-quiet"});
  ASSERT_TRUE(wait_for_port(port, 5s));
  std::string url = "https://app.localhost:" + std::to_string(port) + "/";
  std::string resolve = "app.localhost:" + std::to_string(port) + ":127.0.0.1";

  auto before = curl({"-o", "/dev/null", "--resolve", resolve, url});
  EXPECT_NE(before.status, 0) << "curl trusted the CA before bridge cert trust";

  auto trust = env_.bridge({"cert", "trust"}, 60s);
  installed_ = true;
  ASSERT_EQ(trust.status, 0) << trust.out << trust.err;
  EXPECT_TRUE(contains(trust.out, "-> add the CA to the system store (Debian/Ubuntu)"))
      << trust.out;
  EXPECT_TRUE(contains(trust.out, "the local CA is now trusted")) << trust.out;
  EXPECT_TRUE(std::filesystem::exists(debian_anchor));
  auto after = curl({"-o", "/dev/null", "-w", "%{http_code}", "--resolve", resolve, url});
  EXPECT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(after.out, "200");

  auto undo = env_.bridge({"cert", "trust", "--uninstall"}, 60s);
  ASSERT_EQ(undo.status, 0) << undo.out << undo.err;
  installed_ = false;
  EXPECT_TRUE(contains(undo.out, "the local CA is no longer trusted")) << undo.out;
  EXPECT_FALSE(std::filesystem::exists(debian_anchor));
  auto again = curl({"-o", "/dev/null", "--resolve", resolve, url});
  EXPECT_NE(again.status, 0);
}

}  // namespace
}  // namespace bridge::test
