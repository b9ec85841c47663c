// bridge cert ca / issue / self-signed / inspect, checked with the real openssl.
#include "cert_env.hpp"
#include "json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace bridge::test {
namespace {

TEST(CertCli, CaIsCreatedOnceWithPrivateModesAndNameConstraints) {
  CertEnv env;
  auto first = env.bridge({"cert", "ca"});
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_TRUE(contains(first.out, "created the local CA in " + env.ca_dir())) << first.out;
  EXPECT_TRUE(contains(first.out, "  permits     localhost, .localhost, .test, .local, "
                                  ".internal, .home.arpa, 127.0.0.0/8, ::1/128"))
      << first.out;
  EXPECT_EQ(file_mode(env.ca_dir()), 0700u);
  EXPECT_EQ(file_mode(env.ca_dir() + "/ca-key.pem"), 0600u);
  auto second = env.bridge({"cert", "ca"});
  EXPECT_TRUE(contains(second.out, "local CA in " + env.ca_dir())) << second.out;
  EXPECT_FALSE(contains(second.out, "created"));

  auto text = run({"openssl", "x509", "-in", env.ca_dir() + "/ca.pem", "-noout", "-text"});
  EXPECT_TRUE(contains(text.out, "CA:TRUE, pathlen:0")) << text.out;
  EXPECT_TRUE(contains(text.out, "X509v3 Name Constraints: critical")) << text.out;
  EXPECT_TRUE(contains(text.out, "DNS:.localhost")) << text.out;
  EXPECT_TRUE(contains(text.out, "IP:127.0.0.0/255.0.0.0")) << text.out;
  EXPECT_TRUE(contains(text.out, "Certificate Sign, CRL Sign")) << text.out;
  EXPECT_TRUE(contains(text.out, "ASN1 OID: prime256v1")) << text.out;
}

TEST(CertCli, IssuedLeafVerifiesAndShowsSansAndEku) {
  CertEnv env;
  auto r = env.bridge({"cert", "issue", "app.localhost", "*.app.localhost", "127.0.0.1", "::1"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "issued for app.localhost, *.app.localhost, 127.0.0.1, ::1"))
      << r.out;
  std::string cert = env / "app.localhost+3.pem";
  std::string key = env / "app.localhost+3-key.pem";
  EXPECT_EQ(file_mode(key), 0600u);
  auto verify = run({"openssl", "verify", "-CAfile", env.ca_dir() + "/ca.pem", cert});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.out, cert + ": OK\n");
  auto text = run({"openssl", "x509", "-in", cert, "-noout", "-text"});
  EXPECT_TRUE(contains(text.out, "DNS:app.localhost, DNS:*.app.localhost, IP Address:127.0.0.1, "
                                 "IP Address:0:0:0:0:0:0:0:1"))
      << text.out;
  EXPECT_TRUE(contains(text.out, "TLS Web Server Authentication")) << text.out;
  EXPECT_TRUE(contains(text.out, "X509v3 Authority Key Identifier")) << text.out;
  EXPECT_TRUE(contains(text.out, "X509v3 Subject Key Identifier")) << text.out;
  auto pub1 = run({"openssl", "x509", "-in", cert, "-noout", "-pubkey"});
  auto pub2 = run({"openssl", "pkey", "-in", key, "-pubout"});
  EXPECT_EQ(pub1.out, pub2.out);
}

TEST(CertCli, ClientFlagAddsClientAuth) {
  CertEnv env;
  auto r = env.bridge({"cert", "issue", "me.localhost", "--client", "--key", "rsa"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto text = run({"openssl", "x509", "-in", env / "me.localhost-client.pem", "-noout", "-text"});
  EXPECT_TRUE(contains(text.out, "TLS Web Server Authentication, TLS Web Client Authentication"))
      << text.out;
  EXPECT_TRUE(contains(text.out, "Public-Key: (2048 bit)")) << text.out;
}

TEST(CertCli, NameOutsideTheConstraintsIsAClearErrorAndWritesNothing) {
  CertEnv env;
  auto r = env.bridge({"cert", "issue", "example.com"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "error: \"example.com\" is outside the local CA's name constraints (permitted: "
            "localhost, .localhost, .test, .local, .internal, .home.arpa, 127.0.0.0/8, ::1/128)\n"
            "  = hint: recreate the CA with: rm -r " +
                env.ca_dir() +
                " && bridge cert ca --permit example.com; or use: bridge cert self-signed "
                "example.com\n");
  EXPECT_FALSE(std::filesystem::exists(env / "example.com.pem"));
  EXPECT_FALSE(std::filesystem::exists(env / "example.com-key.pem"));
}

// The point of the constraints: even a leaf signed with the CA key outside bridge fails.
TEST(CertCli, LeafForcedOutsideTheConstraintsFailsOpensslVerify) {
  CertEnv env;
  ASSERT_EQ(env.bridge({"cert", "ca"}).status, 0);
  std::string ca = env.ca_dir();
  ASSERT_EQ(run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-subj", "/CN=example.com", "-keyout", env / "k.pem", "-out", env / "r.csr"})
                .status,
            0);
  write_file(env / "ext.cnf", "subjectAltName=DNS:example.com\n");
  auto signed_ = run({"openssl", "x509", "-req", "-in", env / "r.csr", "-CA", ca + "/ca.pem",
                      "-CAkey", ca + "/ca-key.pem", "-CAcreateserial", "-days", "5", "-extfile",
                      env / "ext.cnf", "-out", env / "evil.pem"});
  ASSERT_EQ(signed_.status, 0) << signed_.err;
  auto verify = run({"openssl", "verify", "-CAfile", ca + "/ca.pem", env / "evil.pem"});
  EXPECT_NE(verify.status, 0);
  EXPECT_TRUE(contains(verify.out + verify.err, "permitted subtree violation"))
      << verify.out << verify.err;
}

TEST(CertCli, PermitAddsANameConstraint) {
  CertEnv env;
  ASSERT_EQ(env.bridge({"cert", "ca", "--permit", "dev.corp.example"}).status, 0);
  auto r = env.bridge({"cert", "issue", "api.dev.corp.example"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto verify = run(
      {"openssl", "verify", "-CAfile", env.ca_dir() + "/ca.pem", env / "api.dev.corp.example.pem"});
  EXPECT_EQ(verify.status, 0) << verify.out;
}

TEST(CertCli, SelfSignedNeedsNoCa) {
  CertEnv env;
  auto r = env.bridge({"cert", "self-signed", "example.com", "--out", env.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(std::filesystem::exists(env.ca_dir()));
  auto verify =
      run({"openssl", "verify", "-CAfile", env / "example.com.pem", env / "example.com.pem"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
}

TEST(CertCli, IssueJsonIsData) {
  CertEnv env;
  auto r = env.bridge({"cert", "issue", "app.test", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = parse_json(r.out);
  EXPECT_EQ(j["cert"], "./app.test.pem");
  EXPECT_EQ(j["key"], "./app.test-key.pem");
  EXPECT_EQ(j["names"], nlohmann::json::array({"app.test"}));
  EXPECT_EQ(j["ca"], env.ca_dir());
}

TEST(CertCli, InspectFileShowsNamesAndVerification) {
  CertEnv env;
  ASSERT_EQ(env.bridge({"cert", "issue", "app.localhost"}).status, 0);
  auto r = env.bridge({"cert", "inspect", "app.localhost.pem"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  names       DNS:app.localhost\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  key         ECDSA P-256\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  local CA    ok\n")) << r.out;
  auto j = env.bridge({"cert", "inspect", "app.localhost.pem", "--json"});
  auto doc = parse_json(j.out);
  EXPECT_EQ(doc["chain"][0]["sans"], nlohmann::json::array({"DNS:app.localhost"}));
  EXPECT_EQ(doc["verify"]["local_ca"]["ok"], true);
  EXPECT_EQ(doc["verify"]["system"]["ok"], false);
}

TEST(CertCli, InspectBadPemSaysSo) {
  CertEnv env;
  write_file(env / "bad.pem", "hello\n");
  auto r = env.bridge({"cert", "inspect", "bad.pem"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "error: bad.pem: no PEM certificate found\n"
                   "  = hint: the file must hold a PEM \"CERTIFICATE\" block\n");
}

TEST(CertCli, InspectHostPortShowsTheServedChainForTheSniName) {
  CertEnv env;
  ASSERT_EQ(env.bridge({"cert", "issue", "a.localhost"}).status, 0);
  ASSERT_EQ(env.bridge({"cert", "issue", "b.localhost"}).status, 0);
  uint16_t port = free_port();
  Process server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                  env / "a.localhost.pem", "-key", env / "a.localhost-key.pem", "-cert2",
                  env / "b.localhost.pem", "-key2", env / "b.localhost-key.pem", "-servername",
                  "b.localhost", "-www", "-quiet"});
  ASSERT_TRUE(wait_for_port(port, 5s));
  auto r = env.bridge({"cert", "inspect", "127.0.0.1:" + std::to_string(port), "--servername",
                       "b.localhost", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = parse_json(r.out);
  EXPECT_EQ(doc["source"], "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(doc["chain"][0]["sans"], nlohmann::json::array({"DNS:b.localhost"}));
  EXPECT_EQ(doc["verify"]["local_ca"]["ok"], true);
  EXPECT_EQ(doc["verify"]["name"]["ok"], true);
}

TEST(CertCli, InspectHostPortChecksTheNameAsAClientWould) {
  CertEnv env;
  ASSERT_EQ(env.bridge({"cert", "issue", "a.localhost"}).status, 0);
  uint16_t port = free_port();
  Process server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                  env / "a.localhost.pem", "-key", env / "a.localhost-key.pem", "-www", "-quiet"});
  ASSERT_TRUE(wait_for_port(port, 5s));
  const std::string where = "127.0.0.1:" + std::to_string(port);
  auto j = env.bridge({"cert", "inspect", where, "--servername", "b.localhost", "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  auto doc = parse_json(j.out);
  EXPECT_EQ(doc["verify"]["local_ca"]["ok"], true);  // the chain is fine; the name is not
  EXPECT_EQ(doc["verify"]["name"]["ok"], false);
  EXPECT_EQ(doc["verify"]["name"]["message"],
            "the certificate does not cover b.localhost (it names DNS:a.localhost)");
  // curl agrees: the same certificate fails for that name.
  auto curl_says = curl({"-sS", "--cacert", env.ca_dir() + "/ca.pem", "--resolve",
                         "b.localhost:" + std::to_string(port) + ":127.0.0.1",
                         "https://b.localhost:" + std::to_string(port) + "/"});
  EXPECT_NE(curl_says.status, 0);

  auto text = env.bridge({"cert", "inspect", where, "--servername", "b.localhost"});
  EXPECT_TRUE(contains(text.out, "failed: the certificate does not cover b.localhost")) << text.out;
  EXPECT_TRUE(contains(text.err, "clients that connect with this name refuse it")) << text.err;
  auto good = env.bridge({"cert", "inspect", where, "--servername", "a.localhost"});
  EXPECT_FALSE(contains(good.out, "does not cover")) << good.out;
}

TEST(CertCli, InspectAPlainHttpPortSaysItIsNotTlsAtOnce) {
  CertEnv env;
  uint16_t port = free_port();
  Process server(
      {"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)});
  ASSERT_TRUE(wait_for_port(port, 5s));
  const std::string where = "127.0.0.1:" + std::to_string(port);
  auto started = std::chrono::steady_clock::now();
  auto r = env.bridge({"cert", "inspect", where});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "error: " + where +
                                  " is not TLS: it answered the TLS handshake "
                                  "with something else"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "try curl -v http://" + where + "/")) << r.err;
}

TEST(CertCli, InspectNothingListeningSaysWhatToCheck) {
  CertEnv env;
  uint16_t port = free_port();
  auto r = env.bridge({"cert", "inspect", "127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "error: connect to 127.0.0.1:" + std::to_string(port) +
                                  " failed: Connection refused"))
      << r.err;
}

TEST(CertCli, EverySubcommandHasHelpWithAnExample) {
  CertEnv env;
  for (std::string sub : {"ca", "issue", "self-signed", "inspect", "trust", "acme", "renew"}) {
    auto r = env.bridge({"cert", sub, "--help"});
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_TRUE(contains(r.out, "Example")) << sub << ": " << r.out;
  }
}

TEST(CertCli, BadFlagsAreUsageErrors) {
  CertEnv env;
  EXPECT_EQ(env.bridge({"cert", "issue", "a.test", "--key", "dsa"}).status, 2);
  EXPECT_EQ(env.bridge({"cert", "issue"}).status, 2);
  auto bad = env.bridge({"cert", "issue", "a..test"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_TRUE(contains(bad.err, "error: invalid name \"a..test\": empty label")) << bad.err;
}

}  // namespace
}  // namespace bridge::test
