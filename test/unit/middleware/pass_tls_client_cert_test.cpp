// passTLSClientCert as pure code: the fields Traefik's encoding gives a client certificate chain
// (PEM bodies comma-separated and query-escaped; Subject, Issuer, SerialNumber, NB, NA and SAN
// with the parts the options name, in Traefik's order), and what a client sends under those
// names never passing, with or without a certificate.
#include "common/url.hpp"
#include "fixture.hpp"

namespace bridge::middleware {
namespace {

using namespace test_support;

ClientCertificates chain() {
  ClientCertificate leaf;
  leaf.pem = "MIIB+ab/c=";
  leaf.subject = {{"C", "FR"},   {"ST", "Some-State"}, {"L", "Lyon"},   {"O", "Cheese"},
                  {"OU", "Dev"}, {"OU", "Ops"},        {"CN", "alice"}, {"serialNumber", "42"}};
  leaf.issuer = {{"DC", "org"}, {"DC", "cheese"}, {"CN", "Cheese CA"}};
  leaf.serial = "1234567890123456789";
  leaf.not_before = 1700000000;
  leaf.not_after = 1800000000;
  leaf.sans = {"alice.test", "alice@cheese.test", "127.0.0.1"};
  ClientCertificate ca;
  ca.pem = "MIIC==";
  ca.subject = {{"CN", "Cheese CA"}};
  ca.issuer = {{"CN", "Cheese CA"}};
  return {leaf, ca};
}

class PassTlsClientCertUnit : public Middlewares {
 protected:
  void SetUp() override {
    ASSERT_TRUE(load(R"toml(
[middlewares.pem.passTLSClientCert]
pem = true

[middlewares.info.passTLSClientCert.info]
notAfter = true
notBefore = true
sans = true
serialNumber = true
subject = { country = true, province = true, organization = true, organizationalUnit = true, commonName = true, serialNumber = true }
issuer = { commonName = true, domainComponent = true }
)toml"));
  }
  const Effects& run_with(const std::string& name, const ClientCertificates* certs) {
    fx_.clear();
    Req req = request("GET", "/").with("X-Forwarded-Tls-Client-Cert", "forged");
    Request view = req.view();
    view.client_certs = certs;
    middleware::run(set_.resolve({name}), view, fx_);
    return fx_;
  }
};

TEST_F(PassTlsClientCertUnit, PemBodiesLeafFirstQueryEscaped) {
  const ClientCertificates certs = chain();
  run_with("pem", &certs);
  EXPECT_EQ(words(fx_.request),
            (Words{"remove X-Forwarded-Tls-Client-Cert", "remove X-Forwarded-Tls-Client-Cert-Info",
                   "set X-Forwarded-Tls-Client-Cert: MIIB%2Bab%2Fc%3D%2CMIIC%3D%3D"}));
  EXPECT_EQ(detail(), "client certificate CN=alice passed upstream as X-Forwarded-Tls-Client-Cert");
}

TEST_F(PassTlsClientCertUnit, InfoInTraefiksOrderForEachCertificate) {
  const ClientCertificates certs = chain();
  run_with("info", &certs);
  ASSERT_EQ(fx_.request.size(), 3u);
  const std::string leaf =
      "Subject=\"C=FR,ST=Some-State,O=Cheese,OU=Dev,OU=Ops,SN=42,CN=alice\";Issuer=\"DC=org,"
      "DC=cheese,CN=Cheese CA\";SerialNumber=\"1234567890123456789\";NB=\"1700000000\";NA="
      "\"1800000000\";SAN=\"alice.test,alice@cheese.test,127.0.0.1\"";
  const std::string ca = "Subject=\"CN=Cheese CA\";Issuer=\"CN=Cheese CA\";NB=\"0\";NA=\"0\"";
  EXPECT_EQ(fx_.request[2].name, "X-Forwarded-Tls-Client-Cert-Info");
  EXPECT_EQ(fx_.request[2].value, query_escape(leaf + "," + ca));
  EXPECT_EQ(fx_.request[2].value.substr(0, 30), "Subject%3D%22C%3DFR%2CST%3DSom");
}

TEST_F(PassTlsClientCertUnit, WithoutACertificateTheClientsFieldsAreRemovedAndNothingSet) {
  run_with("pem", nullptr);
  EXPECT_EQ(words(fx_.request), (Words{"remove X-Forwarded-Tls-Client-Cert",
                                       "remove X-Forwarded-Tls-Client-Cert-Info"}));
  EXPECT_EQ(detail(), "no client certificate: nothing passed");
}

TEST_F(PassTlsClientCertUnit, AMiddlewareThatPassesNothingIsAConfigError) {
  EXPECT_FALSE(load("[middlewares.none.passTLSClientCert]\npem = false\n"));
}

}  // namespace
}  // namespace bridge::middleware
