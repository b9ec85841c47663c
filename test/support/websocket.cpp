#include "websocket.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <exception>

namespace bridge::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

asio::awaitable<void> round_trip(uint16_t port, std::string target, std::string host,
                                 std::vector<std::string> messages, bool binary,
                                 WebSocketResult* result) {
  websocket::stream<beast::tcp_stream> ws(co_await asio::this_coro::executor);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  co_await beast::get_lowest_layer(ws).async_connect(endpoint, asio::use_awaitable);
  websocket::response_type response;
  co_await ws.async_handshake(response, host, target, asio::use_awaitable);
  for (const auto& field : response) {
    result->handshake.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  for (const auto& message : messages) {
    ws.binary(binary);
    co_await ws.async_write(asio::buffer(message), asio::use_awaitable);
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, asio::use_awaitable);
    result->echoes.push_back(beast::buffers_to_string(buffer.data()));
  }
  co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
}

}  // namespace

WebSocketResult websocket_round_trip(uint16_t port, const std::string& target,
                                     const std::string& host,
                                     const std::vector<std::string>& messages, bool binary,
                                     std::chrono::milliseconds timeout) {
  WebSocketResult result;
  asio::io_context io;
  bool done = false;
  asio::co_spawn(io, round_trip(port, target, host, messages, binary, &result),
                 [&](std::exception_ptr e) {
                   done = true;
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     result.error = ex.what();
                   }
                 });
  io.run_for(timeout);
  if (!done) result.error = "timed out after " + std::to_string(timeout.count()) + " ms";
  return result;
}

}  // namespace bridge::test
