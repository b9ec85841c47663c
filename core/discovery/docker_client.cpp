// The Docker Engine API over its unix socket with the shared HTTP client: one request per
// connection (the engine closes idle ones anyway), and the long-lived /events stream.
#include "detail/docker.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

namespace bridge::discovery::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr uint64_t max_response_bytes = uint64_t{32} * 1024 * 1024;

net::HttpRequest get_request(const std::string& target) {
  net::HttpRequest req{http::verb::get, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "bridge");
  return req;
}

// `what` names the step for the messages: "connect", "write", then `reading`.
Error engine_error(const std::string& socket_path, const net::HttpFailure& failure,
                   const std::string& reading) {
  std::string what = failure.step == net::HttpStep::Write  ? "write"
                     : failure.step == net::HttpStep::Read ? reading
                                                           : "connect";
  std::string why = failure.timed_out() ? "no answer in time" : failure.ec.message();
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
  net::ExchangeOptions options;
  options.timeout = timeout;
  options.body_limit = max_response_bytes;
  auto res = co_await net::http_exchange(net::HttpPeer::unix_socket(socket_path),
                                         get_request(target), options);
  if (!res) co_return engine_error(socket_path, res.error(), "read");
  if (res->result() != http::status::ok) {
    co_return Error::runtime("docker engine answered " + std::to_string(res->result_int()) +
                             " to GET " + target + ": " + engine_message(res->body()));
  }
  co_return std::move(res->body());
}

asio::awaitable<Result<void>> DockerEventStream::open(std::string socket_path, std::string target,
                                                      std::chrono::milliseconds timeout) {
  auto opened =
      co_await stream_.open(net::HttpPeer::unix_socket(socket_path), get_request(target), timeout);
  if (!opened) co_return engine_error(socket_path, opened.error(), "events");
  if (stream_.head().result() != http::status::ok) {
    co_return Error::runtime("docker engine answered " +
                             std::to_string(stream_.head().result_int()) + " to GET /events");
  }
  open_ = true;
  co_return Result<void>{};
}

asio::awaitable<Result<std::string>> DockerEventStream::next_line() {
  if (!open_) co_return Error::runtime("events stream not open");
  auto line = co_await stream_.next_line();  // no idle bound: events come when they come
  if (!line) co_return Error::runtime("docker events stream: " + line.error().ec.message());
  if (!*line) co_return Error::runtime("the docker engine ended the events stream");
  co_return std::move(**line);
}

}  // namespace bridge::discovery::detail
