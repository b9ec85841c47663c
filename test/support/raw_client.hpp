#pragma once
/// A blocking HTTP/1.1 client on a raw loopback socket: sends exactly the bytes a test gives it
/// and parses what comes back, so malformed requests and connection closes can be observed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::test {

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in received order
  std::string body;                                          // de-chunked

  /// The first header named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  /// How many headers are named `name` (case-insensitive).
  size_t header_count(std::string_view name) const;
};

class RawClient {
 public:
  /// Connects to 127.0.0.1:port; throws when it cannot.
  explicit RawClient(uint16_t port,
                     std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(2000));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  /// Writes all of `bytes`; false when the peer reset or closed the connection.
  bool send(std::string_view bytes);
  void shutdown_write();

  /// One whole response: status line, headers and the body by Content-Length, chunked, or
  /// until close. Interim 1xx responses are returned like any other (without a body).
  /// nullopt on timeout or when the connection ends before the response is complete.
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout,
                                            bool head_request = false);
  /// Only the status line and headers; the body stays buffered for read_some().
  std::optional<HttpResponse> read_head(std::chrono::milliseconds timeout);
  /// Appends up to `max` raw bytes (buffered ones first) to `out`; 0 on EOF or timeout.
  size_t read_some(std::string& out, size_t max, std::chrono::milliseconds timeout);
  /// Waits for the peer to close (EOF or reset), discarding any data; true when it did.
  bool wait_closed(std::chrono::milliseconds timeout);

  /// True once EOF or a reset was seen.
  bool peer_closed() const { return closed_; }
  /// Why the last read failed: "timeout", "eof", "reset", "parse: ...".
  const std::string& last_error() const { return error_; }

 private:
  using Clock = std::chrono::steady_clock;
  bool fill(Clock::time_point deadline);
  bool read_line(std::string& line, Clock::time_point deadline);
  bool read_exact(std::string& out, size_t n, Clock::time_point deadline);
  std::optional<HttpResponse> parse_head(Clock::time_point deadline);
  bool read_body(HttpResponse& response, bool head_request, Clock::time_point deadline);

  int fd_ = -1;
  std::string buf_;
  bool closed_ = false;
  std::string error_;
};

/// Lowercase copy.
std::string lower(std::string_view text);

}  // namespace bridge::test
