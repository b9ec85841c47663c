#pragma once
/// A small HTTP/1.1 client for bridge's admin API (TCP or unix socket): JSON requests and
/// ndjson streams. One connection per call; coroutines on the caller's io_context.

#include "common/error.hpp"
#include "common/url.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::cli {

/// Where the admin API listens: "http://HOST:PORT" or "unix:/path".
struct AdminAddress {
  bool unix_socket = false;
  std::string host;  // TCP: name or literal, without brackets
  std::string port;
  std::string path;  // unix socket path
  /// "http://127.0.0.1:9901" or "unix:/run/bridge.sock", for messages.
  std::string display() const;
  /// The Host header value.
  std::string authority() const;
};

/// Parses "http://127.0.0.1:9901", "127.0.0.1:9901", "[::1]:9901", "localhost:9901",
/// "unix:/path". `what` names the source in the error ("--admin", "bridge.admin").
Result<AdminAddress> parse_admin_address(std::string_view text, std::string_view what);

struct AdminEndpoint {
  AdminAddress address;
  std::string token;  // sent as "Authorization: Bearer TOKEN" when not empty
};

struct AdminResponse {
  int status = 0;
  nlohmann::json body;                                       // null when the body was not JSON
  std::string text;                                          // the raw body
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  /// The admin API's error message ({"message"}), else the raw body.
  std::string message() const;
};

/// Why a call failed before an HTTP answer came back.
struct AdminFailure {
  bool unreachable = false;  // the connect failed (nothing listens, no such socket)
  Error error;
};

template <class T>
using AdminResult = boost::system::result<T, AdminFailure>;

/// Called with each ndjson line of a stream (heartbeats included); return false to stop.
using LineHandler = std::function<bool(const nlohmann::json& line, std::string_view raw)>;

class AdminClient {
 public:
  AdminClient(boost::asio::any_io_executor executor, AdminEndpoint endpoint);

  /// `method` is GET, POST or DELETE; `body` is sent as JSON when present; `headers` are
  /// added (a Host among them replaces the default). Gives up after `timeout` (connect, send
  /// and the whole answer).
  boost::asio::awaitable<AdminResult<AdminResponse>>
  request(std::string method, std::string target, std::optional<nlohmann::json> body = {},
          std::chrono::milliseconds timeout = std::chrono::seconds(10),
          std::vector<std::pair<std::string, std::string>> headers = {});

  /// GETs an ndjson stream and calls `on_line` per line until it returns false, the server
  /// ends the stream, or nothing (not even a heartbeat) arrives for `idle`. `on_open` runs
  /// once the 200 head is in. A non-200 answer comes back as the response.
  boost::asio::awaitable<AdminResult<AdminResponse>>
  stream(std::string target, LineHandler on_line, std::function<void()> on_open,
         std::chrono::milliseconds idle = std::chrono::seconds(10));

  const AdminEndpoint& endpoint() const { return endpoint_; }

 private:
  boost::asio::any_io_executor executor_;
  AdminEndpoint endpoint_;
};

/// Runs one request on a private io_context (for commands that make a single call).
AdminResult<AdminResponse>
admin_request_sync(const AdminEndpoint& endpoint, const std::string& method,
                   const std::string& target, const std::optional<nlohmann::json>& body = {},
                   const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace bridge::cli
