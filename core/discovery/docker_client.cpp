// The Docker Engine API over its unix socket: plain HTTP/1.1 with Beast, one request per
// connection (the engine closes idle ones anyway), and the long-lived /events stream.
#include "detail/docker.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace bridge::discovery::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using unix_socket = asio::local::stream_protocol;

namespace {

using net::nothrow;
constexpr uint64_t max_response_bytes = 32 * 1024 * 1024;

http::request<http::empty_body> get_request(const std::string& target) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "bridge");
  return req;
}

Error engine_error(const std::string& socket_path, const std::string& what,
                   const boost::system::error_code& ec) {
  std::string why = ec == beast::error::timeout ? "no answer in time" : ec.message();
  return Error::runtime("docker engine at " + socket_path + ": " + what + ": " + why);
}

// The engine answers errors as {"message": "..."}.
std::string engine_message(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) {
    return doc["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

}  // namespace

asio::awaitable<Result<std::string>> docker_get(std::string socket_path, std::string target,
                                                std::chrono::milliseconds timeout) {
  beast::basic_stream<unix_socket> stream(co_await asio::this_coro::executor);
  stream.expires_after(timeout);
  auto [cec] = co_await stream.async_connect(unix_socket::endpoint(socket_path), nothrow);
  if (cec) co_return engine_error(socket_path, "connect", cec);
  auto req = get_request(target);
  auto [wec, written] = co_await http::async_write(stream, req, nothrow);
  if (wec) co_return engine_error(socket_path, "write", wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_bytes);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
  if (rec) co_return engine_error(socket_path, "read", rec);
  auto& res = parser.get();
  if (res.result() != http::status::ok) {
    co_return Error::runtime("docker engine answered " + std::to_string(res.result_int()) +
                             " to GET " + target + ": " + engine_message(res.body()));
  }
  co_return std::move(res.body());
}

DockerEventStream::DockerEventStream(asio::any_io_executor executor) : stream_(executor) {}

asio::awaitable<Result<void>> DockerEventStream::open(std::string socket_path, std::string target,
                                                     std::chrono::milliseconds timeout) {
  stream_.expires_after(timeout);
  auto [cec] = co_await stream_.async_connect(unix_socket::endpoint(socket_path), nothrow);
  if (cec) co_return engine_error(socket_path, "connect", cec);
  auto req = get_request(target);
  auto [wec, written] = co_await http::async_write(stream_, req, nothrow);
  if (wec) co_return engine_error(socket_path, "write", wec);
  parser_.emplace();
  parser_->body_limit(boost::none);
  auto [rec, read] = co_await http::async_read_header(stream_, buffer_, *parser_, nothrow);
  if (rec) co_return engine_error(socket_path, "events", rec);
  if (parser_->get().result() != http::status::ok) {
    co_return Error::runtime("docker engine answered " +
                             std::to_string(parser_->get().result_int()) + " to GET /events");
  }
  stream_.expires_never();
  co_return Result<void>{};
}

asio::awaitable<Result<std::string>> DockerEventStream::next_line() {
  if (!parser_) co_return Error::runtime("events stream not open");
  for (;;) {
    // string_body appends at the current size, so consuming a line in place is safe.
    std::string& body = parser_->get().body();
    if (auto nl = body.find('\n'); nl != std::string::npos) {
      std::string line = body.substr(0, nl);
      body.erase(0, nl + 1);
      co_return line;
    }
    if (parser_->is_done()) co_return Error::runtime("the docker engine ended the events stream");
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, *parser_, nothrow);
    if (ec) co_return Error::runtime("docker events stream: " + ec.message());
  }
}

void DockerEventStream::close() {
  boost::system::error_code ignored;
  stream_.socket().close(ignored);
}

}  // namespace bridge::discovery::detail
