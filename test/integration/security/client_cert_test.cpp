// Issue 15 section 4: client certificates on TLS listeners (mTLS), and passTLSClientCert
// sending them upstream. Certificates come from `bridge cert` (a local CA in a temp
// XDG_DATA_HOME); curl is the client, openssl reads the certificates back.
#include "../cert/cert_env.hpp"
#include "security_fixture.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace bridge::test {
namespace {

class ClientCert : public Front {
 protected:
  void SetUp() override {
    auto server = env_.bridge({"cert", "issue", "localhost"});
    ASSERT_EQ(server.status, 0) << server.out << server.err;
    auto client = env_.bridge({"cert", "issue", "me.localhost", "--client"});
    ASSERT_EQ(client.status, 0) << client.out << client.err;
    // A client certificate from another local CA: valid, but not signed by client_ca.
    auto foreign = other_.bridge({"cert", "issue", "me.localhost", "--client"});
    ASSERT_EQ(foreign.status, 0) << foreign.out << foreign.err;
  }

  ::testing::AssertionResult start_tls(const std::string& client_auth) {
    FrontConfig c(route("all", "PathPrefix(`/`)", "builtin://echo"));
    c.admin = true;
    c.listener = "tls = { cert = \"" + (env_ / "localhost.pem") + "\", key = \"" +
                 (env_ / "localhost-key.pem") + "\", client_ca = \"" + ca() +
                 "\", client_auth = \"" + client_auth + "\" }";
    return start(c);
  }

  std::string ca() const { return env_.ca_dir() + "/ca.pem"; }

  struct Answer {
    int curl_exit = -1;
    int status = 0;
    std::string request_id;
    std::string text;  // for messages
  };

  // GET https://localhost:PORT/mtls with curl, optionally presenting `cert`/`key`.
  Answer get_tls(const std::string& cert = "", const std::string& key = "") {
    std::vector<std::string> args = {
        "-i", "--http1.1", "--cacert",
        ca(), "--resolve", "localhost:" + std::to_string(port_) + ":127.0.0.1"};
    if (!cert.empty()) args.insert(args.end(), {"--cert", cert, "--key", key});
    args.push_back("https://localhost:" + std::to_string(port_) + "/mtls");
    auto r = curl(args, 10s);
    Answer a;
    a.curl_exit = r.status;
    a.text = "curl exit " + std::to_string(r.status) + ": " + r.err + "\n" + r.out.substr(0, 400);
    if (r.out.rfind("HTTP/", 0) == 0) a.status = std::atoi(r.out.c_str() + r.out.find(' ') + 1);
    std::string lowered = lower(r.out);
    if (auto pos = lowered.find("\nx-request-id: "); pos != std::string::npos) {
      pos += 15;
      a.request_id = r.out.substr(pos, r.out.find('\r', pos) - pos);
    }
    return a;
  }

  Answer get_with_client_cert() {
    return get_tls(env_ / "me.localhost-client.pem", env_ / "me.localhost-client-key.pem");
  }

  // The admin record of a request (polled: the record is stored after the response).
  json record(const std::string& id) {
    json last;
    for (auto deadline = Clock::now() + 2s; Clock::now() < deadline;) {
      auto r = curl({"-s", admin_url("/v1/requests/" + id)}, 3s);
      last = json::parse(r.out, nullptr, false);
      if (last.is_object() && last.value("id", "") == id) return last;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no record " << id << ": " << last.dump();
    return json::object();
  }

  CertEnv env_;
  CertEnv other_;
};

TEST_F(ClientCert, RequireRefusesAClientWithoutACertificate) {
  ASSERT_TRUE(start_tls("require"));
  auto a = get_tls();
  EXPECT_TRUE(a.curl_exit != 0 || a.status != 200) << "served without a client certificate\n"
                                                   << a.text;
}

TEST_F(ClientCert, RequireRefusesACertificateFromAnotherCa) {
  ASSERT_TRUE(start_tls("require"));
  auto a = get_tls(other_ / "me.localhost-client.pem", other_ / "me.localhost-client-key.pem");
  EXPECT_TRUE(a.curl_exit != 0 || a.status != 200) << "served a foreign client certificate\n"
                                                   << a.text;
}

TEST_F(ClientCert, RequireServesACertificateFromTheCaAndRecordsItsSubject) {
  ASSERT_TRUE(start_tls("require"));
  auto a = get_with_client_cert();
  ASSERT_EQ(a.curl_exit, 0) << a.text;
  EXPECT_EQ(a.status, 200) << a.text;
  ASSERT_FALSE(a.request_id.empty()) << a.text;
  json rec = record(a.request_id);
  // `bridge cert issue` leaves have the subject O=bridge development certificate.
  std::string field;
  for (const auto& [key, value] : rec.items()) {
    if ((key.find("cert") != std::string::npos || key.find("subject") != std::string::npos) &&
        value.dump().find("bridge development certificate") != std::string::npos) {
      field = key;
    }
  }
  EXPECT_FALSE(field.empty()) << "no field with the verified client subject in the record:\n"
                              << rec.dump(2);
  // trace::Record::client_subject; the JSON name follows the record's.
  EXPECT_NE(rec.value("client_subject", "").find("bridge development certificate"),
            std::string::npos)
      << "client_subject: " << rec.value("client_subject", "<absent>") << "; found in: " << field;
}

// tls.auto = "local-ca" makes the server certificate from the same local CA (XDG_DATA_HOME is
// inherited by `bridge up`).
TEST_F(ClientCert, AutoLocalCaListenerRequiresAClientCertificate) {
  ::setenv("XDG_DATA_HOME", env_.data().c_str(), 1);
  FrontConfig c(route("all", "PathPrefix(`/`)", "builtin://echo"));
  c.listener =
      "tls = { auto = \"local-ca\", client_ca = \"" + ca() + "\", client_auth = \"require\" }";
  bool started = static_cast<bool>(start(c));
  ::unsetenv("XDG_DATA_HOME");
  ASSERT_TRUE(started) << bridge_.output();
  auto without = get_tls();
  EXPECT_TRUE(without.curl_exit != 0 || without.status != 200)
      << "served without a client certificate\n"
      << without.text;
  auto with = get_with_client_cert();
  EXPECT_EQ(with.curl_exit, 0) << with.text;
  EXPECT_EQ(with.status, 200) << with.text;
}

TEST_F(ClientCert, OptionalServesClientsWithAndWithoutACertificate) {
  ASSERT_TRUE(start_tls("optional"));
  auto without = get_tls();
  EXPECT_EQ(without.curl_exit, 0) << without.text;
  EXPECT_EQ(without.status, 200) << without.text;
  auto with = get_with_client_cert();
  EXPECT_EQ(with.curl_exit, 0) << with.text;
  EXPECT_EQ(with.status, 200) << with.text;
}

TEST_F(ClientCert, OptionalStillRefusesACertificateFromAnotherCa) {
  ASSERT_TRUE(start_tls("optional"));
  auto a = get_tls(other_ / "me.localhost-client.pem", other_ / "me.localhost-client-key.pem");
  EXPECT_TRUE(a.curl_exit != 0 || a.status != 200) << "served a foreign client certificate\n"
                                                   << a.text;
}

// ---- passTLSClientCert -------------------------------------------------------------------------

// Go's url.QueryEscape, written out here so the test does not check bridge with bridge's code.
std::string query_escaped(const std::string& text) {
  std::string out;
  char hex[4];
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The client certificate goes upstream as Traefik encodes it (the echo upstream shows the
// fields): its PEM body, and the info fields the options name, read back here with openssl;
// a client's own X-Forwarded-Tls-Client-Cert never passes, with or without a certificate.
TEST_F(ClientCert, PassTlsClientCertSendsTheCertificateUpstream) {
  FrontConfig c(R"toml(
[middlewares.mtls.passTLSClientCert]
pem = true
info = { notBefore = true, sans = true, subject = { organization = true, organizationalUnit = true } }

)toml" + route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"mtls\"]"));
  c.listener = "tls = { cert = \"" + (env_ / "localhost.pem") + "\", key = \"" +
               (env_ / "localhost-key.pem") + "\", client_ca = \"" + ca() +
               "\", client_auth = \"optional\" }";
  ASSERT_TRUE(start(c));
  auto echo = [&](bool with_cert) {
    std::vector<std::string> args = {"-sS",
                                     "--cacert",
                                     ca(),
                                     "--resolve",
                                     "localhost:" + std::to_string(port_) + ":127.0.0.1",
                                     "-H",
                                     "X-Forwarded-Tls-Client-Cert: forged"};
    if (with_cert)
      args.insert(args.end(), {"--cert", env_ / "me.localhost-client.pem", "--key",
                               env_ / "me.localhost-client-key.pem"});
    args.push_back("https://localhost:" + std::to_string(port_) + "/who");
    auto r = curl(args, 10s);
    EXPECT_EQ(r.status, 0) << r.err;
    json body = json::parse(r.out, nullptr, false);
    return body.is_object() ? body.value("headers", json::object()) : json::object();
  };
  // A PEM file's certificate bodies, comma-separated.
  auto bodies_of = [](const std::string& path) {
    const std::string file = read_file(path);
    std::string bodies;
    for (size_t at = 0; (at = file.find("-----BEGIN CERTIFICATE-----", at)) != std::string::npos;) {
      const size_t end = file.find("-----END CERTIFICATE-----", at);
      std::string body = file.substr(at + 27, end - at - 27);
      std::erase(body, '\n');
      bodies += (bodies.empty() ? "" : ",") + body;
      at = end;
    }
    return bodies;
  };
  const std::string leaf_pem = bodies_of(env_ / "me.localhost-client.pem");
  auto x509 = [&](const std::string& what) {
    auto r = run({"openssl", "x509", "-in", env_ / "me.localhost-client.pem", "-noout", what,
                  "-nameopt", "sep_comma_plus,sname"});
    EXPECT_EQ(r.status, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  const std::string start_date = x509("-startdate").substr(10);  // notBefore=...
  auto epoch = run({"date", "-u", "-d", start_date, "+%s"});
  const std::string nb = epoch.out.substr(0, epoch.out.find('\n'));

  json with = echo(true);
  // curl's OpenSSL completes the chain from --cacert, so the CA may follow the leaf (as it
  // would reach Traefik).
  const std::string sent = with.value("X-Forwarded-Tls-Client-Cert", "");
  EXPECT_TRUE(sent == query_escaped(leaf_pem) ||
              sent == query_escaped(leaf_pem + "," + bodies_of(ca())))
      << sent;
  const std::string info = with.value("X-Forwarded-Tls-Client-Cert-Info", "");
  const std::string leaf =
      "Subject=\"" + x509("-subject").substr(8) + "\";NB=\"" + nb + "\";SAN=\"me.localhost\"";
  EXPECT_TRUE(info.starts_with(query_escaped(leaf))) << info << "\nsubject: " << x509("-subject");

  json without = echo(false);
  EXPECT_FALSE(without.contains("X-Forwarded-Tls-Client-Cert")) << without.dump();
  EXPECT_FALSE(without.contains("X-Forwarded-Tls-Client-Cert-Info")) << without.dump();
}

}  // namespace
}  // namespace bridge::test
