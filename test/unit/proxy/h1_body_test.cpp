// H1Body::read_ready on real loopback sockets: what a relay takes without waiting (the compress
// relay encodes everything at hand before it flushes). It reads no further than the body's
// end, says "nothing yet" as nullopt, and ends bodies as read() does.
#include "loopback.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/relay.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <thread>

namespace bridge::proxy {
namespace {

using Framing = bridge::http::h1::BodyFraming;

// The upstream end (`peer`, plain) and the relay's end (`ours`, as the proxy holds it).
struct Upstream {
  asio::io_context context{1};
  DeadlineWatch watch;
  std::optional<DeadlineStream> ours;
  tcp::socket peer{context};
  beast::flat_buffer buffer;  // the connection's buffer (what the head's read brought along)
  std::array<char, 64 * 1024> room{};

  Upstream() {
    auto [client, accepted] = connect_loopback(context);
    peer = std::move(accepted);
    ours.emplace(std::move(client), watch);
  }
  ~Upstream() { ours.reset(); }
  void send(std::string_view bytes) {
    asio::write(peer, asio::buffer(bytes));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // across loopback
  }
  std::optional<BodyRead> read_ready(H1Body& body, std::string& got) {
    size_t n = 0;
    std::optional<BodyRead> read = body.read_ready(*ours, buffer, room, n);
    got.assign(room.data(), n);
    return read;
  }
  // What is left in our socket after the body (the next response, say).
  std::string left_in_socket() {
    std::string out(256, '\0');
    error_code ec;
    out.resize(net::read_now(ours->socket(), out.data(), out.size(), ec));
    return out;
  }
};

// A body on a fresh upstream connection; next() reads what is ready into `got`.
class H1BodyReadReady : public ::testing::Test {
 protected:
  void start(Framing::Kind kind, uint64_t length = 0) { body.start({kind, length}); }
  std::optional<BodyRead> next() { return up.read_ready(body, got); }
  void send_then_fin(std::string_view bytes) {
    up.send(bytes);
    up.peer.shutdown(tcp::socket::shutdown_send);
  }

  Upstream up;
  H1Body body;
  std::string got;
};

TEST_F(H1BodyReadReady, TakesTheBodyAndNotTheNextResponseBehindIt) {
  start(Framing::Kind::Length, 10);
  up.send("0123456789HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "0123456789");
  EXPECT_TRUE(body.done());
  EXPECT_EQ(next(), BodyRead::End);
  EXPECT_EQ(up.left_in_socket(), "HTTP/1.1 200 OK\r\n");
}

TEST_F(H1BodyReadReady, WhatTheBufferHoldsComesFirst) {
  start(Framing::Kind::Length, 6);
  const std::string_view with_head = "abc";
  asio::buffer_copy(up.buffer.prepare(with_head.size()), asio::buffer(with_head));
  up.buffer.commit(with_head.size());
  up.send("def");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "def");
  EXPECT_TRUE(body.done());
}

TEST_F(H1BodyReadReady, NothingThereYetIsNotAnEnd) {
  start(Framing::Kind::Length, 10);
  EXPECT_EQ(next(), std::nullopt);
  EXPECT_FALSE(body.done());
  up.send("01234");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "01234");
  EXPECT_EQ(next(), std::nullopt) << "the other half has not come";
}

TEST_F(H1BodyReadReady, AChunkedBodyIsDecodedAndEndsAtItsLastChunk) {
  start(Framing::Kind::Chunked);
  up.send("5\r\nhello\r\n0\r\n\r\nnext");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "hello");
  while (!body.done()) ASSERT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(next(), BodyRead::End);
}

TEST_F(H1BodyReadReady, AFinEndsABodyDelimitedByClosing) {
  start(Framing::Kind::UntilClose);
  send_then_fin("until close");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "until close");
  EXPECT_FALSE(body.done());
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(body.done());
}

TEST_F(H1BodyReadReady, AFinBeforeTheLengthIsAFailure) {
  start(Framing::Kind::Length, 10);
  send_then_fin("abc");
  EXPECT_EQ(next(), BodyRead::Data);
  EXPECT_EQ(next(), BodyRead::Failed);
  EXPECT_FALSE(body.done());
}

}  // namespace
}  // namespace bridge::proxy
