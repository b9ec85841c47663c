// TlsStream on real loopback sockets, a self-signed leaf from core/cert: handshakes that check
// the peer's name, several records returned by one read, small buffers gathered into one
// record, and the errors callers rely on (eof, stream_truncated, timeout) as asio::ssl::stream
// reported them.
#include "cert/cert.hpp"
#include "loopback.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace bridge::proxy {
namespace {

using namespace std::chrono_literals;

// A server and a client TlsStream on one loopback connection; the client trusts the leaf.
struct TlsPair {
  bridge::test::TempDir dir;
  asio::io_context context{1};
  DeadlineWatch watch;
  ssl::context server_tls{ssl::context::tls_server};
  ssl::context client_tls{ssl::context::tls_client};
  std::optional<TlsStream> server, client;

  TlsPair() {
    cert::LeafOptions options;
    options.names = {"127.0.0.1", "localhost"};
    options.out_dir = dir.path();
    auto leaf = cert::self_signed(options);
    if (!leaf) throw std::runtime_error(leaf.error().message);
    server_tls.use_certificate_chain_file(leaf->cert_path);
    server_tls.use_private_key_file(leaf->key_path, ssl::context::pem);
    client_tls.set_verify_mode(ssl::verify_peer);
    client_tls.load_verify_file(leaf->cert_path);
    watch.start(context);
    auto [connecting, accepted] = connect_loopback(context);
    client.emplace(DeadlineStream(std::move(connecting), watch), client_tls);
    server.emplace(DeadlineStream(std::move(accepted), watch), server_tls);
  }
  ~TlsPair() {
    server.reset();
    client.reset();
    watch.stop();
  }

  // Runs each body as a coroutine on the context until all have finished.
  template <class... Bodies>
  void run(Bodies... bodies) {
    int left = sizeof...(Bodies);
    auto spawn = [&](auto& body) {
      asio::co_spawn(
          context,
          [&]() -> asio::awaitable<void> {
            co_await body();
            if (--left == 0) context.stop();
          },
          asio::detached);
    };
    (spawn(bodies), ...);
    context.run_for(10s);
    context.restart();
    ASSERT_EQ(left, 0) << "not finished within 10 s";
  }

  // How the server's next read ends.
  error_code server_read_error() {
    error_code result;
    run([&]() -> asio::awaitable<void> {
      std::array<char, 16> buffer{};
      auto [ec, n] = co_await server->async_read_some(asio::buffer(buffer), nothrow);
      result = ec;
    });
    return result;
  }

  // Both handshakes; the client checks the name `host`. {server's error, client's error}
  std::pair<error_code, error_code> handshake(const std::string& host) {
    EXPECT_TRUE(client->verify_host(host));
    std::pair<error_code, error_code> result;
    run(
        [&]() -> asio::awaitable<void> {
          std::tie(result.first) =
              co_await server->async_handshake(ssl::stream_base::server, nothrow);
        },
        [&]() -> asio::awaitable<void> {
          std::tie(result.second) =
              co_await client->async_handshake(ssl::stream_base::client, nothrow);
        });
    return result;
  }
};

TEST(TlsStream, HandshakeChecksTheNameThenBytesCrossIntact) {
  TlsPair pair;
  auto [server_ec, client_ec] = pair.handshake("127.0.0.1");
  ASSERT_FALSE(server_ec) << server_ec.message();
  ASSERT_FALSE(client_ec) << client_ec.message();
  std::string sent(1 << 20, '\0');
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 7 + i / 4096);
  std::string got(sent.size(), '\0');
  pair.run(
      [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await asio::async_write(*pair.client, asio::buffer(sent), nothrow);
        EXPECT_FALSE(ec) << ec.message();
      },
      [&]() -> asio::awaitable<void> {
        auto [ec, n] = co_await asio::async_read(*pair.server, asio::buffer(got), nothrow);
        EXPECT_FALSE(ec) << ec.message();
      });
  EXPECT_TRUE(got == sent);
}

TEST(TlsStream, AnotherNameFailsTheHandshakeAsCertificateVerifyFailed) {
  TlsPair pair;
  auto [server_ec, client_ec] = pair.handshake("other.example");
  ASSERT_TRUE(client_ec);
  EXPECT_EQ(&client_ec.category(), &asio::error::get_ssl_category());
  EXPECT_NE(client_ec.message().find("certificate verify failed"), std::string::npos)
      << client_ec.message();
  EXPECT_TRUE(server_ec);
}

// 48 KiB is three records, all in the server's socket before it reads: one read returns more
// than one of them (asio::ssl::stream returned one record per read).
TEST(TlsStream, OneReadReturnsEveryRecordAlreadyReceived) {
  TlsPair pair;
  ASSERT_FALSE(pair.handshake("localhost").second);
  const std::string sent(size_t{48} * 1024, 'r');
  std::array<char, size_t{64} * 1024> buffer{};
  size_t first_read = 0;
  pair.run([&]() -> asio::awaitable<void> {
    auto [wec, n] = co_await asio::async_write(*pair.client, asio::buffer(sent), nothrow);
    EXPECT_FALSE(wec) << wec.message();
    auto [rec, got] = co_await pair.server->async_read_some(asio::buffer(buffer), nothrow);
    EXPECT_FALSE(rec) << rec.message();
    first_read = got;
  });
  EXPECT_GT(first_read, 16u * 1024);
  EXPECT_LE(first_read, sent.size());
}

// Records the client sends, counted by OpenSSL's message callback (one header per record).
int records_written = 0;
void count_records(int write_p, int, int content_type, const void*, size_t, SSL*, void*) {
  if (write_p == 1 && content_type == SSL3_RT_HEADER) ++records_written;
}

TEST(TlsStream, SmallBuffersOfOneWriteLeaveAsOneRecord) {
  TlsPair pair;
  ASSERT_FALSE(pair.handshake("localhost").second);
  SSL_set_msg_callback(pair.client->native_handle(), count_records);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", body = "0123456789";
  std::array<asio::const_buffer, 2> pieces{asio::buffer(head), asio::buffer(body)};
  records_written = 0;
  std::string got;
  pair.run([&]() -> asio::awaitable<void> {
    auto [wec, n] = co_await pair.client->async_write_some(pieces, nothrow);
    EXPECT_FALSE(wec) << wec.message();
    EXPECT_EQ(n, head.size() + body.size());
    got.resize(n);
    auto [rec, m] = co_await asio::async_read(*pair.server, asio::buffer(got), nothrow);
    EXPECT_FALSE(rec) << rec.message();
  });
  EXPECT_EQ(records_written, 1);
  EXPECT_EQ(got, head + body);
}

TEST(TlsStream, CloseNotifyReadsAsEof) {
  TlsPair pair;
  ASSERT_FALSE(pair.handshake("localhost").second);
  pair.run([&]() -> asio::awaitable<void> {
    auto [ec] = co_await pair.client->async_shutdown(nothrow);
    EXPECT_FALSE(ec) << ec.message();
  });
  error_code read_ec = pair.server_read_error();
  EXPECT_EQ(read_ec, asio::error::eof) << read_ec.message();
}

TEST(TlsStream, APeerGoneWithoutCloseNotifyReadsAsTruncated) {
  TlsPair pair;
  ASSERT_FALSE(pair.handshake("localhost").second);
  // FIN without close_notify (a close would reset: the client left session tickets unread).
  pair.client->next_layer().socket().shutdown(tcp::socket::shutdown_send);
  error_code read_ec = pair.server_read_error();
  EXPECT_EQ(read_ec, ssl::error::stream_truncated) << read_ec.message();
}

// A read past its deadline ends as a timeout; the socket is closed then, and a later write
// fails without OpenSSL touching the descriptor (its number may be another connection's).
TEST(TlsStream, ReadPastItsDeadlineIsATimeoutAndLaterWritesFail) {
  TlsPair pair;
  ASSERT_FALSE(pair.handshake("localhost").second);
  error_code read_ec, write_ec;
  pair.run([&]() -> asio::awaitable<void> {
    pair.server->next_layer().expires_after(50ms);
    std::array<char, 16> buffer{};
    auto [rec, n] = co_await pair.server->async_read_some(asio::buffer(buffer), nothrow);
    read_ec = rec;
    auto [wec, m] = co_await pair.server->async_write_some(asio::buffer("late", 4), nothrow);
    write_ec = wec;
  });
  EXPECT_EQ(read_ec, beast::error::timeout) << read_ec.message();
  EXPECT_EQ(write_ec, asio::error::bad_descriptor) << write_ec.message();
}

}  // namespace
}  // namespace bridge::proxy
