// The shared HTTP client against real sockets: a scripted peer on 127.0.0.1 or a Unix socket.
#include "cert/cert.hpp"
#include "net/http_client.hpp"
#include "scripted_peer.hpp"
#include "temp_dir.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <chrono>

namespace bridge::net::test {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

HttpRequest get(const std::string& target) {
  HttpRequest req{http::verb::get, target, 11};
  req.set(http::field::host, "test.local");
  return req;
}

// Runs a coroutine to its end on a fresh io_context, as a proxy worker would.
template <class T>
T run(asio::awaitable<T> work) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(io, std::move(work), [&](std::exception_ptr e, T value) {
    if (e) std::rethrow_exception(e);
    out = std::move(value);
  });
  io.run_for(10s);
  if (!out) throw std::runtime_error("the coroutine did not finish within 10 s");
  return std::move(*out);
}

TEST(HttpClient, ReadsA200WithItsBodyAndSendsTheRequestAsGiven) {
  ScriptedPeer peer({{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Seen: yes\r\n\r\nhello"}});
  auto res = http_exchange_sync(HttpPeer::tcp("127.0.0.1", std::to_string(peer.port())),
                                get("/health?x=1"));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_EQ(res->body(), "hello");
  EXPECT_EQ((*res)["X-Seen"], "yes");
  EXPECT_EQ(peer.requests(), "GET /health?x=1 HTTP/1.1\r\nHost: test.local\r\n\r\n");
}

TEST(HttpClient, AsACoroutineOverAUnixSocket) {
  bridge::test::TempDir dir;
  ScriptedPeer peer({{"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno"}}, dir / "api.sock");
  auto res = run(http_exchange(HttpPeer::unix_socket(dir / "api.sock"), get("/containers/json")));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->result_int(), 404);
  EXPECT_EQ(res->body(), "no");
}

TEST(HttpClient, AnswerOverTheBodyLimitIsRefused) {
  ScriptedPeer peer({{"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a"}});
  ExchangeOptions options;
  options.body_limit = 10;
  auto res = http_exchange_sync(HttpPeer::tcp("127.0.0.1", std::to_string(peer.port())), get("/"),
                                options);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().step, HttpStep::Read);
  EXPECT_EQ(res.error().ec, http::error::body_limit) << res.error().message();
}

TEST(HttpClient, HeadAnswersAndSkippedBodiesEndAfterTheHead) {
  // Content-Length with no body behind it: reading one would wait for the deadline.
  ScriptedPeer peer({{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"}, false, true});
  ExchangeOptions options;
  options.timeout = 5s;
  auto start = std::chrono::steady_clock::now();
  HttpRequest head = get("/new-nonce");
  head.method(http::verb::head);
  auto peer_at = HttpPeer::tcp("127.0.0.1", std::to_string(peer.port()));
  auto res = http_exchange_sync(peer_at, head, options);
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ((*res)[http::field::content_length], "100");
  options.skip_body = true;
  res = http_exchange_sync(peer_at, get("/health"), options);
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->result_int(), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(HttpClient, DeadlineEndsAnExchangeWithAPeerThatNeverAnswers) {
  ScriptedPeer peer({{}, false, true});
  ExchangeOptions options;
  options.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto res = http_exchange_sync(HttpPeer::tcp("127.0.0.1", std::to_string(peer.port())), get("/"),
                                options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res);
  EXPECT_TRUE(res.error().timed_out()) << res.error().message();
  EXPECT_EQ(res.error().step, HttpStep::Read);
  EXPECT_EQ(res.error().message(), "read: no answer in time");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2s);
}

TEST(HttpClient, ConnectionRefusedSaysSo) {
  uint16_t closed = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor bound(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed = bound.local_endpoint().port();
  }  // closed again: nothing listens there now
  auto res = http_exchange_sync(HttpPeer::tcp("127.0.0.1", std::to_string(closed)), get("/"));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().step, HttpStep::Connect);
  EXPECT_EQ(res.error().ec, asio::error::connection_refused);
  EXPECT_EQ(res.error().message(), "connect: Connection refused");
}

TEST(HttpClient, MissingUnixSocketFailsToConnect) {
  bridge::test::TempDir dir;
  auto res = http_exchange_sync(HttpPeer::unix_socket(dir / "none.sock"), get("/"));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().step, HttpStep::Connect);
  EXPECT_EQ(res.error().ec.value(), ENOENT) << res.error().message();
}

TEST(HttpClient, ChunkedAnswerIsJoined) {
  ScriptedPeer peer({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "5\r\nhello\r\n",
                      "7\r\n, world\r\n0\r\n\r\n"}});
  auto res = http_exchange_sync(HttpPeer::tcp("127.0.0.1", std::to_string(peer.port())), get("/"));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->body(), "hello, world");
}

// A self-signed leaf for 127.0.0.1 and localhost, served by a TLS peer.
struct TlsFixture {
  bridge::test::TempDir dir;
  asio::ssl::context server{asio::ssl::context::tls_server};
  cert::Issued leaf;

  TlsFixture() {
    cert::LeafOptions options;
    options.names = {"127.0.0.1", "localhost"};
    options.out_dir = dir.path();
    auto issued = cert::self_signed(options);
    if (!issued) throw std::runtime_error(issued.error().message);
    leaf = *issued;
    server.use_certificate_chain_file(leaf.cert_path);
    server.use_private_key_file(leaf.key_path, asio::ssl::context::pem);
  }
  // A client context that trusts the leaf, or nothing at all.
  asio::ssl::context client(bool trusting) const {
    asio::ssl::context ctx{asio::ssl::context::tls_client};
    ctx.set_verify_mode(asio::ssl::verify_peer);
    if (trusting) ctx.load_verify_file(leaf.cert_path);
    return ctx;
  }
};

TEST(HttpClient, TlsVerifiesThePeerAgainstTheCallersRootsAndName) {
  TlsFixture tls;
  ScriptedPeer peer({{"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"}}, tls.server);
  std::string port = std::to_string(peer.port());
  auto trusting = tls.client(true);
  auto res = http_exchange_sync(HttpPeer::tls_over_tcp("127.0.0.1", port, trusting), get("/dir"));
  ASSERT_TRUE(res) << res.error().message();
  EXPECT_EQ(res->result_int(), 201);
  EXPECT_EQ(res->body(), "ok");

  auto empty = tls.client(false);
  res = http_exchange_sync(HttpPeer::tls_over_tcp("127.0.0.1", port, empty), get("/dir"));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error().step, HttpStep::Handshake);
  EXPECT_EQ(res.error().ec.category(), asio::error::get_ssl_category()) << res.error().message();
}

// The stream's lines come out as their chunks arrive: the peer sends the rest only after the
// test has read the first line.
asio::awaitable<std::vector<std::string>> read_lines(HttpPeer at, ScriptedPeer& peer) {
  std::vector<std::string> seen;
  HttpStream stream;
  auto opened = co_await stream.open(at, get("/events"), 2s);
  if (!opened) co_return std::vector<std::string>{"open: " + opened.error().message()};
  seen.push_back(std::to_string(stream.head().result_int()));
  for (;;) {
    auto line = co_await stream.next_line(2s);
    if (!line) {
      seen.push_back("error: " + line.error().message());
      break;
    }
    if (!*line) break;
    seen.push_back(**line);
    peer.release();
  }
  co_return seen;
}

TEST(HttpStream, ReadsLinesOfAChunkedBodyAsTheyArrive) {
  bridge::test::TempDir dir;
  Script script{{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\none\ntw\r\n",
                 "5\r\no\nthr\r\n", "3\r\nee\n\r\n0\r\n\r\n"},
                true,
                false};
  ScriptedPeer peer(script, dir / "events.sock");
  auto seen = run(read_lines(HttpPeer::unix_socket(dir / "events.sock"), peer));
  EXPECT_EQ(seen, (std::vector<std::string>{"200", "one", "two", "three"}));
}

TEST(HttpStream, QuietStreamEndsAfterItsIdleTime) {
  ScriptedPeer peer(
      {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nup\r\n\r\n"}, false, true});
  auto seen = run([](uint16_t port) -> asio::awaitable<std::vector<std::string>> {
    std::vector<std::string> out;
    HttpStream stream;
    auto opened =
        co_await stream.open(HttpPeer::tcp("127.0.0.1", std::to_string(port)), get("/tail"), 2s);
    if (!opened) co_return std::vector<std::string>{opened.error().message()};
    for (int i = 0; i < 3; ++i) {
      auto piece = co_await stream.read_some(200ms);
      out.push_back(!piece ? piece.error().message() : *piece ? **piece : "<end>");
      if (!piece) break;
    }
    co_return out;
  }(peer.port()));
  EXPECT_EQ(seen, (std::vector<std::string>{"up\r\n", "read: no answer in time"}));
}

}  // namespace
}  // namespace bridge::net::test
