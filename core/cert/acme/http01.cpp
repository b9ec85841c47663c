// HTTP-01 responder: a tiny Beast server for /.well-known/acme-challenge/TOKEN.
#include "cert/acme/challenges.hpp"
#include "common/spawn.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using net::nothrow;

namespace {

constexpr std::string_view challenge_path = "/.well-known/acme-challenge/";

asio::awaitable<void> answer_http01(tcp::socket socket,
                                    std::shared_ptr<Http01Responder::Tokens> tokens) {
  beast::tcp_stream stream{std::move(socket)};
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(10));
    http::request<http::empty_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, nothrow);
    if (ec) co_return;
    http::response<http::string_body> res{http::status::not_found, req.version()};
    std::string_view target = req.target();
    if (target.rfind(challenge_path, 0) == 0) {
      auto it = tokens->find(std::string(target.substr(challenge_path.size())));
      if (it != tokens->end()) {
        res.result(http::status::ok);
        res.body() = it->second;
      }
    }
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, nothrow);
    if (wec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept_http01(std::shared_ptr<tcp::acceptor> acceptor,
                                    std::shared_ptr<Http01Responder::Tokens> tokens) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor->get_executor(), answer_http01(std::move(socket), tokens),
                   bridge::log_failure("ACME http-01 answer"));
  }
}

}  // namespace

Http01Responder::Http01Responder(tcp::acceptor acceptor)
    : acceptor_(std::make_shared<tcp::acceptor>(std::move(acceptor))) {}

Http01Responder::~Http01Responder() {
  boost::system::error_code ec;
  acceptor_->close(ec);
}

Result<std::unique_ptr<Http01Responder>>
Http01Responder::start(const asio::any_io_executor& executor, const std::string& address,
                       uint16_t port) {
  auto acceptor = listen_on(executor, address, port, "HTTP-01");
  if (!acceptor) return acceptor.error();
  std::unique_ptr<Http01Responder> responder{new Http01Responder(std::move(*acceptor))};
  asio::co_spawn(executor, accept_http01(responder->acceptor_, responder->tokens_),
                 bridge::log_failure("ACME http-01 listener"));
  return responder;
}

}  // namespace bridge::cert::acme::detail
