#include "cert/cert.hpp"
#include "cert/detail/describe.hpp"
#include "cert_test.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace bridge::cert {
namespace {

using testing::mode_of;
using testing::Scratch;

std::vector<detail::X509Ptr> load(const std::string& path) {
  return std::move(*detail::certs_from_pem(*read_text_file(path), path));
}

Verification verify_with_ca(const std::string& leaf, const std::string& ca) {
  detail::StorePtr store{X509_STORE_new()};
  X509_STORE_add_cert(store.get(), load(ca).front().get());
  return detail::verify_chain(load(leaf), store.get());
}

LeafOptions options(std::vector<std::string> names, const Scratch& dir) {
  LeafOptions o;
  o.names = std::move(names);
  o.out_dir = dir.path();
  return o;
}

TEST(CertIssue, WritesMkcertNamedFilesThatVerifyAgainstTheCa) {
  Scratch dir;
  auto issued = issue(options({"app.localhost", "*.app.localhost", "127.0.0.1", "::1"}, dir));
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_TRUE(issued->ca_created);
  EXPECT_EQ(issued->cert_path, dir / "app.localhost+3.pem");
  EXPECT_EQ(issued->key_path, dir / "app.localhost+3-key.pem");
  EXPECT_EQ(mode_of(issued->key_path), 0600u);
  auto v = verify_with_ca(issued->cert_path, dir / "data/bridge/ca/ca.pem");
  EXPECT_TRUE(v.ok) << v.message;
  auto info = detail::describe(load(issued->cert_path).front().get(), std::time(nullptr));
  std::vector<std::string> sans = {"DNS:app.localhost", "DNS:*.app.localhost", "IP:127.0.0.1",
                                   "IP:::1"};
  EXPECT_EQ(info.sans, sans);
  EXPECT_EQ(info.key_usage, std::vector<std::string>{"serverAuth"});
  EXPECT_EQ(info.key_type, "ECDSA P-256");
  EXPECT_FALSE(info.is_ca);
  EXPECT_TRUE(info.days_left == 89 || info.days_left == 90) << info.days_left;
}

TEST(CertIssue, ClientAndRsaOptions) {
  Scratch dir;
  auto o = options({"client.localhost"}, dir);
  o.client = true;
  o.key = KeyType::Rsa;
  o.days = 30;
  auto issued = issue(o);
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_EQ(issued->cert_path, dir / "client.localhost-client.pem");
  auto info = detail::describe(load(issued->cert_path).front().get(), std::time(nullptr));
  EXPECT_EQ(info.key_usage, (std::vector<std::string>{"serverAuth", "clientAuth"}));
  EXPECT_EQ(info.key_type, "RSA 2048");
}

TEST(CertIssue, NameOutsideTheConstraintsIsRefusedAndWritesNothing) {
  Scratch dir;
  auto issued = issue(options({"app.localhost", "example.com"}, dir));
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.error().message,
            "\"example.com\" is outside the local CA's name constraints (permitted: localhost, "
            ".localhost, .test, .local, .internal, .home.arpa, 127.0.0.0/8, ::1/128)");
  EXPECT_EQ(issued.error().hint, "recreate the CA with: rm -r " + (dir / "data/bridge/ca") +
                                     " && bridge cert ca --permit example.com; or use: bridge "
                                     "cert self-signed example.com");
  EXPECT_FALSE(std::filesystem::exists(dir / "app.localhost+1.pem"));
  EXPECT_FALSE(std::filesystem::exists(dir / "app.localhost+1-key.pem"));
}

TEST(CertIssue, IpOutsideTheConstraintsIsRefused) {
  Scratch dir;
  auto issued = issue(options({"192.168.1.10"}, dir));
  ASSERT_FALSE(issued);
  EXPECT_NE(issued.error().message.find("\"192.168.1.10\" is outside"), std::string::npos);
}

TEST(CertIssue, PermittedNameIsIssued) {
  Scratch dir;
  ASSERT_TRUE(ensure_ca({dir / "data/bridge/ca", {".corp.example"}}));
  auto issued = issue(options({"api.corp.example"}, dir));
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_TRUE(verify_with_ca(issued->cert_path, dir / "data/bridge/ca/ca.pem").ok);
}

TEST(CertSelfSigned, NeedsNoCaAndCarriesTheNameAsCn) {
  Scratch dir;
  auto made = self_signed(options({"example.com"}, dir));
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "data/bridge/ca"));
  auto info = detail::describe(load(made->cert_path).front().get(), std::time(nullptr));
  EXPECT_TRUE(info.self_signed);
  EXPECT_EQ(info.sans, std::vector<std::string>{"DNS:example.com"});
  EXPECT_NE(info.subject.find("CN=example.com"), std::string::npos);
}

TEST(CertEnsureLeaf, IssuesOnceThenReusesUntilNamesChange) {
  Scratch dir;
  auto first = ensure_leaf({"app.localhost"}, "", dir / "leaves", "web", std::chrono::hours(720));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->issued);
  EXPECT_EQ(first->cert_path, dir / "leaves/web.pem");
  auto again = ensure_leaf({"app.localhost"}, "", dir / "leaves", "web", std::chrono::hours(720));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->issued);
  auto other = ensure_leaf({"app.localhost", "api.localhost"}, "", dir / "leaves", "web",
                           std::chrono::hours(720));
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->issued);
}

TEST(CertEnsureLeaf, ReissuesWhenNearExpiry) {
  Scratch dir;
  ASSERT_TRUE(ensure_leaf({"app.localhost"}, "", dir / "l", "web", std::chrono::hours(24)));
  // A renewal window longer than the 90-day lifetime means "near expiry" right away.
  auto again = ensure_leaf({"app.localhost"}, "", dir / "l", "web", std::chrono::hours(24 * 91));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->issued);
}

}  // namespace
}  // namespace bridge::cert
