// A response read as it arrives: the head at once, then the body piece by piece or by line.
#include "net/asio.hpp"
#include "net/detail/connection.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace bridge::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Parser = http::response_parser<http::string_body>;

struct HttpStream::State {
  detail::Connection connection;
  beast::flat_buffer buffer;
  // string_body appends at the body's current size, so taking the body out between reads is
  // safe; no body limit, as a stream may run for days. The parser stays non-eager (as
  // async_read_header leaves it): an eager one would hold a read that has a chunk's data
  // until the next chunk header is complete too.
  std::optional<Parser> parser;
};

namespace {

template <class Stream>
asio::awaitable<HttpResult<void>> send_and_read_head(Stream& stream, HttpRequest& request,
                                                     beast::flat_buffer& buffer, Parser& parser) {
  auto [wec, written] = co_await http::async_write(stream, request, nothrow);
  if (wec) co_return detail::failed(HttpStep::Write, wec);
  auto [rec, read] = co_await http::async_read_header(stream, buffer, parser, nothrow);
  if (rec) co_return detail::failed(HttpStep::Read, rec);
  co_return HttpResult<void>{};
}

template <class Stream>
asio::awaitable<boost::system::error_code> read_into(Stream& stream, beast::flat_buffer& buffer,
                                                     Parser& parser) {
  auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, nothrow);
  co_return ec;
}

}  // namespace

HttpStream::HttpStream() : state_(std::make_unique<State>()) {}

HttpStream::~HttpStream() = default;

asio::awaitable<boost::system::error_code> HttpStream::read_more(std::chrono::milliseconds idle) {
  State& s = *state_;
  auto& lowest = s.connection.lowest();
  if (idle.count() > 0) {
    lowest.expires_after(idle);
  } else {
    lowest.expires_never();
  }
  if (s.connection.tls) co_return co_await read_into(*s.connection.tls, s.buffer, *s.parser);
  co_return co_await read_into(*s.connection.plain, s.buffer, *s.parser);
}

asio::awaitable<HttpResult<void>> HttpStream::open(HttpPeer peer, HttpRequest request,
                                                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  State& s = *state_;
  auto connected = co_await detail::connect(s.connection, peer, deadline);
  if (!connected) co_return connected.error();
  s.connection.lowest().expires_at(deadline);
  s.parser.emplace();
  s.parser->body_limit(boost::none);
  if (s.connection.tls) {
    co_return co_await send_and_read_head(*s.connection.tls, request, s.buffer, *s.parser);
  }
  co_return co_await send_and_read_head(*s.connection.plain, request, s.buffer, *s.parser);
}

const HttpHead& HttpStream::head() const { return state_->parser->get().base(); }

asio::awaitable<HttpResult<std::optional<std::string>>>
HttpStream::read_some(std::chrono::milliseconds idle) {
  State& s = *state_;
  std::string& body = s.parser->get().body();
  // A read may parse only a chunk header: wait on until body bytes or the end arrive.
  while (body.empty() && !s.parser->is_done()) {
    if (auto ec = co_await read_more(idle); ec) co_return detail::failed(HttpStep::Read, ec);
  }
  if (body.empty()) co_return std::nullopt;
  co_return std::exchange(body, {});
}

asio::awaitable<HttpResult<std::optional<std::string>>>
HttpStream::next_line(std::chrono::milliseconds idle) {
  State& s = *state_;
  for (;;) {
    std::string& body = s.parser->get().body();
    if (auto nl = body.find('\n'); nl != std::string::npos) {
      std::string line = body.substr(0, nl);
      body.erase(0, nl + 1);
      co_return line;
    }
    if (s.parser->is_done()) co_return std::nullopt;
    if (auto ec = co_await read_more(idle); ec) co_return detail::failed(HttpStep::Read, ec);
  }
}

void HttpStream::close() {
  if (state_->connection.plain || state_->connection.tls) state_->connection.close();
}

}  // namespace bridge::net
