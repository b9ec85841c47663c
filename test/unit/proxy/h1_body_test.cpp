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

TEST(H1BodyReadReady, TakesTheBodyAndNotTheNextResponseBehindIt) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::Length, 10});
  up.send("0123456789HTTP/1.1 200 OK\r\n");
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "0123456789");
  EXPECT_TRUE(body.done());
  EXPECT_EQ(up.read_ready(body, got), BodyRead::End);
  EXPECT_EQ(up.left_in_socket(), "HTTP/1.1 200 OK\r\n");
}

TEST(H1BodyReadReady, WhatTheBufferHoldsComesFirst) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::Length, 6});
  const std::string_view with_head = "abc";
  asio::buffer_copy(up.buffer.prepare(with_head.size()), asio::buffer(with_head));
  up.buffer.commit(with_head.size());
  up.send("def");
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "def");
  EXPECT_TRUE(body.done());
}

TEST(H1BodyReadReady, NothingThereYetIsNotAnEnd) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::Length, 10});
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), std::nullopt);
  EXPECT_FALSE(body.done());
  up.send("01234");
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "01234");
  EXPECT_EQ(up.read_ready(body, got), std::nullopt) << "the other half has not come";
}

TEST(H1BodyReadReady, AChunkedBodyIsDecodedAndEndsAtItsLastChunk) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::Chunked, 0});
  up.send("5\r\nhello\r\n0\r\n\r\nnext");
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "hello");
  while (!body.done()) ASSERT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(up.read_ready(body, got), BodyRead::End);
}

TEST(H1BodyReadReady, AFinEndsABodyDelimitedByClosing) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::UntilClose, 0});
  up.send("until close");
  up.peer.shutdown(tcp::socket::shutdown_send);
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "until close");
  EXPECT_FALSE(body.done());
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(got, "");
  EXPECT_TRUE(body.done());
}

TEST(H1BodyReadReady, AFinBeforeTheLengthIsAFailure) {
  Upstream up;
  H1Body body;
  body.start({Framing::Kind::Length, 10});
  up.send("abc");
  up.peer.shutdown(tcp::socket::shutdown_send);
  std::string got;
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Data);
  EXPECT_EQ(up.read_ready(body, got), BodyRead::Failed);
  EXPECT_FALSE(body.done());
}

}  // namespace
}  // namespace bridge::proxy
