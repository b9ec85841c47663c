// tls::make_server_context behind a tiny Asio HTTPS server, checked with curl and openssl:
// SNI picks the certificate, TLS 1.1 is refused, ALPN follows http_protocols (h2 first by
// default), bad files are clear errors.
#include "cert/cert.hpp"
#include "cert_env.hpp"
#include "tls/tls.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

namespace bridge::test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Serves "ok\n" over HTTPS on 127.0.0.1:port() until destroyed (one connection at a time).
class TinyHttps {
 public:
  explicit TinyHttps(std::shared_ptr<asio::ssl::context> tls)
      : tls_(std::move(tls)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~TinyHttps() {
    stop_ = true;
    boost::system::error_code ec;
    {
      tcp::socket poke(io_);
      poke.connect(acceptor_.local_endpoint(), ec);
    }
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) continue;
      asio::streambuf buf;
      asio::read_until(stream, buf, "\r\n\r\n", ec);
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
      asio::write(stream, asio::buffer(reply), ec);
      stream.shutdown(ec);
    }
  }
  std::shared_ptr<asio::ssl::context> tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

class TlsListener : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("XDG_DATA_HOME", env_.data().c_str(), 1);
    for (std::string n : {"a.localhost", "b.localhost"}) {
      ASSERT_EQ(env_.bridge({"cert", "issue", n}).status, 0);
    }
  }
  config::Listener listener() {
    config::Listener l;
    l.name = "web";
    l.http_protocols = {"http1"};  // TinyHttps speaks HTTP/1.1 only
    l.tls = config::ListenerTls{};
    l.tls->certs = {{env_ / "a.localhost.pem", env_ / "a.localhost-key.pem"},
                    {env_ / "b.localhost.pem", env_ / "b.localhost-key.pem"}};
    return l;
  }
  RunResult get(uint16_t port, const std::string& host, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--cacert",
                                     env_.ca_dir() + "/ca.pem",
                                     "--resolve",
                                     host + ":" + std::to_string(port) + ":127.0.0.1",
                                     "-w",
                                     "%{http_version}",
                                     "https://" + host + ":" + std::to_string(port) + "/"};
    args.insert(args.begin(), extra.begin(), extra.end());
    return curl(args);
  }
  CertEnv env_;
};

TEST_F(TlsListener, SniPicksTheRightCertificate) {
  auto ctx = tls::make_server_context(listener(), {});
  ASSERT_TRUE(ctx) << ctx.error().message;
  TinyHttps server(*ctx);
  auto a = get(server.port(), "a.localhost");
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, "ok\n1.1");
  auto b = get(server.port(), "b.localhost");
  EXPECT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(b.out, "ok\n1.1");
}

TEST_F(TlsListener, Tls11IsRefused) {
  auto ctx = tls::make_server_context(listener(), {});
  ASSERT_TRUE(ctx);
  TinyHttps server(*ctx);
  auto old = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                  "-tls1_1", "-servername", "a.localhost"},
                 10s);
  EXPECT_NE(old.status, 0);
  auto modern =
      run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
           "-tls1_2", "-alpn", "h2,http/1.1", "-servername", "b.localhost", "-brief"},
          10s);
  EXPECT_TRUE(contains(modern.err + modern.out, "Protocol version: TLSv1.2")) << modern.err;
}

TEST_F(TlsListener, AlpnPrefersH2ThenHttp11AsHttpProtocolsSay) {
  auto alpn_with = [&](std::vector<std::string> protocols, const std::string& offer) {
    auto l = listener();
    l.http_protocols = std::move(protocols);
    auto ctx = tls::make_server_context(l, {});
    EXPECT_TRUE(ctx);
    TinyHttps server(*ctx);
    auto r = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                  "-alpn", offer, "-servername", "a.localhost"},
                 10s);
    return r.err + r.out;
  };
  EXPECT_TRUE(contains(alpn_with({"http1", "h2"}, "http/1.1,h2"), "ALPN protocol: h2"));
  EXPECT_TRUE(contains(alpn_with({"http1", "h2"}, "http/1.1"), "ALPN protocol: http/1.1"));
  EXPECT_TRUE(contains(alpn_with({"h2"}, "h2"), "ALPN protocol: h2"));
  EXPECT_TRUE(contains(alpn_with({"h2"}, "http/1.1"), "No ALPN negotiated"));
}

TEST_F(TlsListener, MismatchedKeyNamesTheFile) {
  auto l = listener();
  l.tls->certs = {{env_ / "a.localhost.pem", env_ / "b.localhost-key.pem"}};
  auto ctx = tls::make_server_context(l, {});
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().message, (env_ / "b.localhost-key.pem") +
                                     ": this key does not belong to the certificate in " +
                                     (env_ / "a.localhost.pem"));
}

TEST_F(TlsListener, NotPemNamesTheFile) {
  write_file(env_ / "junk.pem", "junk\n");
  auto l = listener();
  l.tls->certs = {{env_ / "junk.pem", env_ / "a.localhost-key.pem"}};
  auto ctx = tls::make_server_context(l, {});
  ASSERT_FALSE(ctx);
  EXPECT_EQ(ctx.error().message, (env_ / "junk.pem") + ": no PEM certificate found");
}

TEST_F(TlsListener, AutoLocalCaIssuesALeafForTheHostsAndReusesIt) {
  config::Listener l;
  l.name = "web";
  l.hosts = {"shop.localhost", "api.localhost"};
  l.tls = config::ListenerTls{};
  l.tls->automatic = "local-ca";
  l.http_protocols = {"http1"};  // TinyHttps speaks HTTP/1.1 only
  auto pair = tls::ensure_local_ca_cert(l, {});
  ASSERT_TRUE(pair) << pair.error().message;
  EXPECT_EQ(pair->cert, env_.data() + "/bridge/listeners/web.pem");
  EXPECT_EQ(file_mode(pair->key), 0600u);
  auto ctx = tls::make_server_context(l, {});
  ASSERT_TRUE(ctx) << ctx.error().message;
  TinyHttps server(*ctx);
  auto r = get(server.port(), "api.localhost");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n1.1");
}

}  // namespace
}  // namespace bridge::test
