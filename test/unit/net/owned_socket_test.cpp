// Sockets the proxy accepts and opens itself (net/owned_socket.hpp), on real loopback and Unix
// sockets: what the kernel says about the descriptor, and that Asio's reactor serves it.
#include "net/listen.hpp"
#include "net/owned_socket.hpp"
#include "temp_dir.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace bridge::net::test {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

bool non_blocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
bool close_on_exec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

struct Listener {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  Listener() { acceptor.non_blocking(true); }
  // Connects `client` and takes its connection from the backlog; `peer` as accept4() said.
  tcp::socket accept_from(tcp::socket& client, tcp::endpoint& peer) {
    client.connect(acceptor.local_endpoint());
    error_code ec;
    tcp::socket accepted = accept_connection(acceptor, peer, ec);
    EXPECT_FALSE(ec) << ec.message();
    return accepted;
  }
};

// Reads `size` bytes from `socket` through the io_context's reactor (async, as the proxy does).
std::string read_async(asio::io_context& io, tcp::socket& socket, size_t size) {
  std::string got(size, '\0');
  error_code result = asio::error::would_block;
  asio::async_read(socket, asio::buffer(got), [&](error_code ec, size_t) { result = ec; });
  io.restart();
  io.run_for(std::chrono::seconds(5));
  EXPECT_FALSE(result) << result.message();
  return got;
}

TEST(OwnedSocket, AnEmptyBacklogSaysWouldBlock) {
  Listener listener;
  tcp::endpoint peer;
  error_code ec;
  tcp::socket socket = accept_connection(listener.acceptor, peer, ec);
  EXPECT_EQ(ec, asio::error::would_block);
  EXPECT_FALSE(socket.is_open());
}

TEST(OwnedSocket, AcceptedConnectionIsNonBlockingAndCloseOnExecWithItsPeerAddress) {
  Listener listener;
  tcp::socket client(listener.io);
  tcp::endpoint peer;
  tcp::socket accepted = listener.accept_from(client, peer);
  ASSERT_TRUE(accepted.is_open());
  EXPECT_EQ(peer, client.local_endpoint());
  EXPECT_TRUE(non_blocking(accepted.native_handle()));
  EXPECT_TRUE(close_on_exec(accepted.native_handle()));
  EXPECT_TRUE(accepted.native_non_blocking());  // Asio knows: no ioctl before its first read
  asio::write(client, asio::buffer(std::string("ping")));
  EXPECT_EQ(read_async(listener.io, accepted, 4), "ping");
  asio::write(accepted, asio::buffer(std::string("pong")));
  std::array<char, 4> back{};
  asio::read(client, asio::buffer(back));
  EXPECT_EQ(std::string(back.data(), back.size()), "pong");
}

// Closed without first leaving epoll: the kernel drops a closed descriptor from epoll itself,
// so the number, reused at once by the next connection, is served by the same reactor.
// The proxy sets TCP_NODELAY once, on the listener (net::open_acceptor), and relies on the
// kernel copying it into every connection accepted there.
TEST(OwnedSocket, AnAcceptedConnectionHasTheListenersNoDelay) {
  asio::io_context io;
  auto opened = open_acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), true);
  ASSERT_TRUE(opened) << opened.error().message;
  tcp::acceptor& acceptor = **opened;
  acceptor.non_blocking(true);
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  tcp::endpoint peer;
  error_code ec;
  tcp::socket accepted = accept_connection(acceptor, peer, ec);
  ASSERT_FALSE(ec) << ec.message();
  int nodelay = 0;
  socklen_t size = sizeof nodelay;
  ASSERT_EQ(::getsockopt(accepted.native_handle(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &size), 0);
  EXPECT_EQ(nodelay, 1);
}

TEST(OwnedSocket, ADescriptorNumberReusedAfterCloseIsServed) {
  Listener listener;
  int last_fd = -1;
  for (int round = 0; round < 3; ++round) {
    tcp::socket client(listener.io);
    tcp::endpoint peer;
    tcp::socket accepted = listener.accept_from(client, peer);
    ASSERT_TRUE(accepted.is_open());
    if (round > 0) {
      EXPECT_EQ(accepted.native_handle(), last_fd);
    }
    last_fd = accepted.native_handle();
    const std::string word = "round" + std::to_string(round);
    asio::write(client, asio::buffer(word));
    EXPECT_EQ(read_async(listener.io, accepted, word.size()), word);
    accepted.close();
  }
}

TEST(OwnedSocket, OpenedSocketsAreNonBlockingAndCloseOnExecForEveryFamily) {
  asio::io_context io;
  for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
    error_code ec;
    tcp::socket socket = open_stream_socket(io.get_executor(), family, ec);
    ASSERT_FALSE(ec) << family << ": " << ec.message();
    int domain = 0;
    socklen_t size = sizeof(domain);
    ::getsockopt(socket.native_handle(), SOL_SOCKET, SO_DOMAIN, &domain, &size);
    EXPECT_EQ(domain, family);
    EXPECT_TRUE(non_blocking(socket.native_handle())) << family;
    EXPECT_TRUE(close_on_exec(socket.native_handle())) << family;
    EXPECT_TRUE(socket.native_non_blocking()) << family;
  }
}

TEST(OwnedSocket, AnOpenedUnixSocketConnectsAndIsServed) {
  bridge::test::TempDir dir;
  const std::string path = dir.path() + "/app.sock";
  asio::io_context io;
  asio::local::stream_protocol::acceptor server(io, asio::local::stream_protocol::endpoint(path));
  error_code ec;
  tcp::socket socket = open_stream_socket(io.get_executor(), AF_UNIX, ec);
  ASSERT_FALSE(ec) << ec.message();
  asio::local::stream_protocol::endpoint target(path);
  if (::connect(socket.native_handle(), target.data(), target.size()) != 0) {
    ASSERT_EQ(errno, EINPROGRESS) << std::strerror(errno);
  }
  asio::local::stream_protocol::socket peer = server.accept();
  asio::write(peer, asio::buffer(std::string("hello")));
  EXPECT_EQ(read_async(io, socket, 5), "hello");
}

}  // namespace
}  // namespace bridge::net::test
