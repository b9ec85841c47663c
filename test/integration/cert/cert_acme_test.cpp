// bridge cert acme end to end against Pebble: http-01, tls-alpn-01, account reuse, failures.
#include "cert_env.hpp"
#include "json_text.hpp"
#include "pebble.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>

namespace bridge::test {
namespace {

class CertAcme : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pebble_ = new Pebble(); }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
  }

  // Unique names: Pebble reuses valid authorizations, which would hide a failing challenge.
  static std::string name(const std::string& label) {
    static int counter = 0;
    return label + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
           ".example.test";
  }

  std::vector<std::string> acme_args(std::vector<std::string> names,
                                     const std::string& challenge = "http-01") {
    std::vector<std::string> args{"cert", "acme"};
    args.insert(args.end(), names.begin(), names.end());
    std::vector<std::string> rest{"--email",     "dev@example.test",
                                  "--directory", pebble_->directory(),
                                  "--ca-bundle", pebble_->ca_bundle(),
                                  "--listen",    "127.0.0.1",
                                  "--challenge", challenge,
                                  "--http-port", std::to_string(pebble_->http_port()),
                                  "--tls-port",  std::to_string(pebble_->tls_port()),
                                  "--out",       env_.path()};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }

  void expect_chain_verifies(const std::string& cert) {
    std::string root = pebble_->root_path();
    ASSERT_FALSE(root.empty()) << pebble_->output();
    auto verify = run({"openssl", "verify", "-CAfile", root, "-untrusted", cert, cert});
    EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
    EXPECT_EQ(verify.out, cert + ": OK\n");
  }

  static Pebble* pebble_;
  CertEnv env_;
};

Pebble* CertAcme::pebble_ = nullptr;

TEST_F(CertAcme, Http01IssuesAChainThatVerifiesAgainstPebblesRoot) {
  std::string n = name("http");
  auto r = env_.bridge(acme_args({n}));
  ASSERT_EQ(r.status, 0) << r.out << r.err << pebble_->output();
  EXPECT_TRUE(contains(r.out, "-> directory " + pebble_->directory())) << r.out;
  EXPECT_TRUE(contains(r.out, "-> account created ")) << r.out;
  EXPECT_TRUE(contains(r.out, "-> " + n + ": answering http-01 on port ")) << r.out;
  EXPECT_TRUE(contains(r.out, "-> " + n + ": valid")) << r.out;
  EXPECT_TRUE(contains(r.out, "obtained a certificate for " + n)) << r.out;
  std::string cert = env_ / (n + ".pem");
  EXPECT_EQ(file_mode(env_ / (n + "-key.pem")), 0600u);
  expect_chain_verifies(cert);
  auto text = run({"openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"});
  EXPECT_TRUE(contains(text.out, "DNS:" + n)) << text.out;
}

TEST_F(CertAcme, TlsAlpn01ValidatesSeveralNamesAndReusesTheAccount) {
  std::vector<std::string> names = {name("alpn"), name("alpn"), name("alpn")};
  auto first = env_.bridge(acme_args({names[0]}, "tls-alpn-01"));
  ASSERT_EQ(first.status, 0) << first.out << first.err << pebble_->output();
  EXPECT_TRUE(contains(first.out, "-> account created ")) << first.out;
  auto second = env_.bridge(acme_args(names, "tls-alpn-01"));
  ASSERT_EQ(second.status, 0) << second.out << second.err;
  EXPECT_TRUE(contains(second.out, "-> account reused ")) << second.out;
  for (size_t i = 1; i < names.size(); ++i) {
    EXPECT_TRUE(contains(second.out, "-> " + names[i] + ": answering tls-alpn-01")) << second.out;
  }
  std::string cert = env_ / (names[0] + "+2.pem");
  expect_chain_verifies(cert);
  std::string key_dir = env_.data() + "/bridge/acme/accounts";
  bool found = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(key_dir)) {
    if (e.path().filename() == "account-key.pem") {
      found = true;
      EXPECT_EQ(file_mode(e.path().string()), 0600u);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(CertAcme, JsonOutputIsData) {
  std::string n = name("json");
  auto r = env_.bridge([&] {
    auto a = acme_args({n});
    a.push_back("--json");
    return a;
  }());
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = parse_json(r.out);
  EXPECT_EQ(j["cert"], env_ / (n + ".pem"));
  EXPECT_EQ(j["names"], nlohmann::json::array({n}));
}

TEST_F(CertAcme, UnvalidatableChallengeGivesTheProblemAndWritesNoFiles) {
  std::string n = name("fail");
  auto args = acme_args({n});
  // Answer on a port Pebble does not dial: its validation gets connection refused.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--http-port") args[i + 1] = std::to_string(free_port());
  }
  auto r = env_.bridge(args);
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(contains(r.err, "error: " + n + ": urn:ietf:params:acme:error:connection: "))
      << r.err;
  EXPECT_TRUE(contains(r.err, "= hint: the ACME server must reach this machine on port ")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(env_ / (n + ".pem")));
  EXPECT_FALSE(std::filesystem::exists(env_ / (n + "-key.pem")));
}

TEST_F(CertAcme, KilledIssuanceLeavesNoPartialFiles) {
  std::string n = name("kill");
  // Pebble's HTTP-01 connection is accepted by the kernel but never answered, so the
  // authorization stays pending while bridge waits; then bridge is killed.
  BlackHole hole(pebble_->http_port());
  auto args = acme_args({n});
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--http-port") args[i + 1] = std::to_string(free_port());
  }
  args.insert(args.begin(), bridge_bin());
  Process bridge(args, {{"XDG_DATA_HOME", env_.data()}, {"NO_COLOR", "1"}}, env_.path());
  ASSERT_TRUE(bridge.wait_for_stdout(": answering http-01", 20s))
      << bridge.stdout_text() << bridge.stderr_text();
  bridge.signal(SIGKILL);
  bridge.wait_exit(5s);
  for (const auto& e : std::filesystem::directory_iterator(env_.path())) {
    EXPECT_EQ(e.path().filename(), "data") << "left behind: " << e.path();
  }
}

TEST_F(CertAcme, UnknownDirectoryNameIsAUsageError) {
  auto r = env_.bridge(
      {"cert", "acme", "a.example.test", "--email", "x@example.test", "--directory", "prod"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "error: unknown --directory \"prod\"\n  = hint: use staging (default), "
                   "production or an https:// directory URL\n");
}

TEST_F(CertAcme, RenewRenewsWhatIsDue) {
  std::string n = name("renew");
  ASSERT_EQ(env_.bridge(acme_args({n})).status, 0);
  auto not_due = env_.bridge({"cert", "renew"});
  ASSERT_EQ(not_due.status, 0) << not_due.err;
  EXPECT_TRUE(contains(not_due.out, n + ": ")) << not_due.out;
  EXPECT_TRUE(contains(not_due.out, "not due")) << not_due.out;
  auto due = env_.bridge({"cert", "renew", "--days", "3650"});
  ASSERT_EQ(due.status, 0) << due.out << due.err;
  EXPECT_TRUE(contains(due.out, n + ": renewing")) << due.out;
  EXPECT_TRUE(contains(due.out, "obtained a certificate for " + n)) << due.out;
}

}  // namespace
}  // namespace bridge::test
