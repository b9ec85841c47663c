#pragma once
/// The one HTTP/1.1 client in bridge (health checks, OTLP export, the Docker Engine API, ACME,
/// the CLI's admin client): one request per connection over TCP, TLS or a Unix socket, with
/// Beast doing the HTTP. Failures come back as values (the step and its error_code); nothing
/// is thrown for what a peer does.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace bridge::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpHead = boost::beast::http::response_header<>;

/// Where a request goes. The caller's request carries its own Host header.
struct HttpPeer {
  std::string host;  // TCP and TLS: a name or an address, without brackets
  std::string port;
  std::string unix_path;                     // set: a Unix socket; host and port are unused
  boost::asio::ssl::context* tls = nullptr;  // set: TLS with SNI and host name verification

  static HttpPeer tcp(std::string host, std::string port);
  /// `context` holds the roots and verify mode; it must outlive the exchange.
  static HttpPeer tls_over_tcp(std::string host, std::string port,
                               boost::asio::ssl::context& context);
  static HttpPeer unix_socket(std::string path);
  /// "127.0.0.1:4318", "[::1]:443" or the socket path, for messages.
  std::string display() const;
};

/// The step an exchange failed in, so that callers can say what they were doing.
enum class HttpStep { Resolve, Connect, Handshake, Write, Read };

struct HttpFailure {
  HttpStep step = HttpStep::Connect;
  boost::system::error_code ec;  // beast::error::timeout when the deadline passed

  bool timed_out() const;
  /// "connect: Connection refused", "read: no answer in time".
  std::string message() const;
};

/// Lets result<T, HttpFailure>::value() throw (as boost::system::system_error).
[[noreturn]] void throw_exception_from_error(const HttpFailure& failure,
                                             const boost::source_location& loc);

template <class T>
using HttpResult = boost::system::result<T, HttpFailure>;

struct ExchangeOptions {
  /// One deadline for the whole exchange: connect, handshake, send and the whole answer.
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  uint64_t body_limit = 8 * 1024 * 1024;  // a longer answer fails with http::error::body_limit
  /// Read the head only (a probe that wants the status). Answers to HEAD never have a body.
  bool skip_body = false;
};

/// Connects to `peer`, sends `request` as it is and reads the answer.
boost::asio::awaitable<HttpResult<HttpResponse>> http_exchange(HttpPeer peer, HttpRequest request,
                                                               ExchangeOptions options = {});

/// http_exchange on a private io_context, for a thread that runs none (the CLI, OTLP export).
/// A name that does not resolve in time fails as a timeout of HttpStep::Resolve.
HttpResult<HttpResponse> http_exchange_sync(HttpPeer peer, HttpRequest request,
                                            ExchangeOptions options = {});

/// A response read as it arrives (Docker's /events, the admin API's ndjson streams). Use it
/// from one coroutine at a time, on the executor open() ran on; close() may come from another
/// coroutine on that executor.
class HttpStream {
 public:
  HttpStream();
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  /// Connects, sends `request` and reads the response head, all within `timeout`.
  boost::asio::awaitable<HttpResult<void>> open(HttpPeer peer, HttpRequest request,
                                                std::chrono::milliseconds timeout);
  /// The response head. This and the reads below need open() to have succeeded.
  const HttpHead& head() const;

  /// The next piece of the body (never empty); nullopt once the body is complete. `idle`
  /// bounds each wait for bytes; zero waits for ever.
  boost::asio::awaitable<HttpResult<std::optional<std::string>>>
  read_some(std::chrono::milliseconds idle = {});
  /// The next line of the body without its '\n'; nullopt once the body is complete (a last
  /// piece without '\n' is not a line).
  boost::asio::awaitable<HttpResult<std::optional<std::string>>>
  next_line(std::chrono::milliseconds idle = {});

  /// Ends the connection; a pending read completes with operation_aborted.
  void close();

 private:
  struct State;
  /// Appends what arrives next to the body, waiting at most `idle` (zero: for ever).
  boost::asio::awaitable<boost::system::error_code> read_more(std::chrono::milliseconds idle);

  std::unique_ptr<State> state_;
};

}  // namespace bridge::net
