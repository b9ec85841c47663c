// One request, one answer, one connection: http_exchange and its synchronous form.
#include "common/spawn.hpp"
#include "net/asio.hpp"
#include "net/detail/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

namespace bridge::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpPeer HttpPeer::tcp(std::string host, std::string port) {
  return HttpPeer{std::move(host), std::move(port), {}, nullptr};
}

HttpPeer HttpPeer::tls_over_tcp(std::string host, std::string port, asio::ssl::context& context) {
  return HttpPeer{std::move(host), std::move(port), {}, &context};
}

HttpPeer HttpPeer::unix_socket(std::string path) {
  return HttpPeer{{}, {}, std::move(path), nullptr};
}

std::string HttpPeer::display() const {
  if (!unix_path.empty()) return unix_path;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

bool HttpFailure::timed_out() const { return ec == beast::error::timeout; }

std::string HttpFailure::message() const {
  std::string why = timed_out() ? "no answer in time" : ec.message();
  switch (step) {
  case HttpStep::Resolve:
    return "resolve: " + why;
  case HttpStep::Connect:
    return "connect: " + why;
  case HttpStep::Handshake:
    return "TLS handshake: " + why;
  case HttpStep::Write:
    return "write: " + why;
  case HttpStep::Read:
    break;
  }
  return "read: " + why;
}

void throw_exception_from_error(const HttpFailure& failure, const boost::source_location& loc) {
  boost::throw_exception(boost::system::system_error(failure.ec, failure.message()), loc);
}

namespace {

template <class Stream>
asio::awaitable<HttpResult<HttpResponse>> send_and_read(Stream& stream, HttpRequest& request,
                                                        const ExchangeOptions& options) {
  auto [wec, written] = co_await http::async_write(stream, request, nothrow);
  if (wec) co_return detail::failed(HttpStep::Write, wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.body_limit);
  // A HEAD answer carries Content-Length but no body; the parser cannot know the method.
  if (options.skip_body || request.method() == http::verb::head) parser.skip(true);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
  if (rec) co_return detail::failed(HttpStep::Read, rec);
  co_return parser.release();
}

}  // namespace

asio::awaitable<HttpResult<HttpResponse>> http_exchange(HttpPeer peer, HttpRequest request,
                                                        ExchangeOptions options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  detail::Connection connection;
  auto connected = co_await detail::connect(connection, peer, deadline);
  if (!connected) co_return connected.error();
  connection.lowest().expires_at(deadline);
  // No TLS close_notify and no graceful shutdown: the answer is complete, and a peer that
  // never acknowledges must not hold the caller. The socket closes with `connection`.
  if (connection.tls) co_return co_await send_and_read(*connection.tls, request, options);
  co_return co_await send_and_read(*connection.plain, request, options);
}

HttpResult<HttpResponse> http_exchange_sync(HttpPeer peer, HttpRequest request,
                                            ExchangeOptions options) {
  asio::io_context io;
  std::optional<HttpResult<HttpResponse>> out;
  auto timeout = options.timeout;
  asio::co_spawn(io, http_exchange(std::move(peer), std::move(request), options),
                 [&out](const std::exception_ptr& failure, HttpResult<HttpResponse> result) {
                   // A throw inside is a bug: logged, and the exchange counts as failed.
                   if (failure) log_exception("HTTP client", failure);
                   out = failure ? HttpResult<HttpResponse>(
                                       HttpFailure{HttpStep::Read, asio::error::fault})
                                 : std::move(result);
                 });
  // Every step but resolving is bounded by the deadline on the socket; this bounds that too.
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!out) return HttpFailure{HttpStep::Resolve, beast::error::timeout};
  return std::move(*out);
}

}  // namespace bridge::net
