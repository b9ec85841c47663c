#include "scripted_peer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>

namespace bridge::net::test {

namespace asio = boost::asio;
using asio::use_awaitable;

namespace {

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(use_awaitable);
}

template <class Socket>
asio::awaitable<void> serve(Socket socket, const Script& script, std::atomic<int>& released,
                            std::mutex& mutex, std::string& requests) {
  asio::streambuf head;
  co_await asio::async_read_until(socket, head, "\r\n\r\n", use_awaitable);
  {
    std::lock_guard lock(mutex);
    requests.append(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
  }
  for (size_t i = 0; i < script.pieces.size(); ++i) {
    while (script.paced && released.load() < static_cast<int>(i)) {
      co_await pause(std::chrono::milliseconds(5));
    }
    co_await asio::async_write(socket, asio::buffer(script.pieces[i]), use_awaitable);
  }
  while (script.hold_open) co_await pause(std::chrono::seconds(1));
}

template <class Socket>
asio::awaitable<void> serve_tls(Socket socket, asio::ssl::context& tls, const Script& script,
                                std::atomic<int>& released, std::mutex& mutex,
                                std::string& requests) {
  asio::ssl::stream<Socket> stream(std::move(socket), tls);
  co_await stream.async_handshake(asio::ssl::stream_base::server, use_awaitable);
  co_await serve(std::move(stream), script, released, mutex, requests);
}

template <class Acceptor>
asio::awaitable<void> accept_loop(Acceptor& acceptor, asio::ssl::context* tls, const Script& script,
                                  std::atomic<int>& released, std::mutex& mutex,
                                  std::string& requests) {
  for (;;) {
    auto socket = co_await acceptor.async_accept(use_awaitable);
    if (tls != nullptr) {
      asio::co_spawn(acceptor.get_executor(),
                     serve_tls(std::move(socket), *tls, script, released, mutex, requests),
                     asio::detached);
    } else {
      asio::co_spawn(acceptor.get_executor(),
                     serve(std::move(socket), script, released, mutex, requests), asio::detached);
    }
  }
}

}  // namespace

template <class Acceptor>
void ScriptedPeer::start(Acceptor acceptor, asio::ssl::context* tls) {
  thread_ = std::thread([this, tls, acceptor = std::move(acceptor)]() mutable {
    asio::co_spawn(io_, accept_loop(acceptor, tls, script_, released_, mutex_, requests_),
                   asio::detached);
    io_.run();
  });
}

ScriptedPeer::ScriptedPeer(Script script) : script_(std::move(script)) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  port_ = acceptor.local_endpoint().port();
  start(std::move(acceptor));
}

ScriptedPeer::ScriptedPeer(Script script, asio::ssl::context& tls) : script_(std::move(script)) {
  asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
  port_ = acceptor.local_endpoint().port();
  start(std::move(acceptor), &tls);
}

ScriptedPeer::ScriptedPeer(Script script, const std::string& path) : script_(std::move(script)) {
  start(asio::local::stream_protocol::acceptor(io_, asio::local::stream_protocol::endpoint(path)));
}

ScriptedPeer::~ScriptedPeer() {
  io_.stop();
  thread_.join();
}

std::string ScriptedPeer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace bridge::net::test
