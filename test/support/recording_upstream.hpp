#pragma once
/// An in-process HTTP/1.1 upstream (Boost.Beast, one thread per connection) that keeps every
/// request it parsed, in arrival order, so a test can ask what reached the upstream across
/// many client requests: which routes' upstream got a request, the exact target forwarded, and
/// whether a second (smuggled) request appeared that no client response ever shows.
/// TestBackend answers each request with what it saw; this one also remembers.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::test {

struct RecordedRequest {
  uint64_t connection = 0;  // 1, 2, ... in accept order
  std::string method;
  std::string target;                                        // exactly as received
  std::vector<std::pair<std::string, std::string>> headers;  // in received order, names as sent
  std::string body;                                          // de-chunked
  bool chunked = false;
  /// Non-empty when the bytes did not parse as a request (then the connection is closed
  /// without an answer): the Beast error and what was read.
  std::string error;

  /// The first field named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  /// Every field named `name`, in order.
  std::vector<std::string> headers_named(std::string_view name) const;
};

class RecordingUpstream {
 public:
  /// Listens on 127.0.0.1 (a port the kernel picks) and serves until destroyed. Every request
  /// gets `200 OK`, `Content-Type: text/plain`, body "upstream NAME\n", keep-alive as asked;
  /// a target "/status/NNN..." gets status NNN and body "upstream NAME NNN\n"; "/untyped/KIND"
  /// (html, png, anything else: text) a body of that kind without Content-Type, chunked for
  /// "/untyped-chunked/KIND".
  explicit RecordingUpstream(std::string name = "upstream");
  ~RecordingUpstream();
  RecordingUpstream(const RecordingUpstream&) = delete;
  RecordingUpstream& operator=(const RecordingUpstream&) = delete;

  uint16_t port() const;
  /// "http://127.0.0.1:PORT"
  std::string url() const;
  const std::string& name() const;

  /// A copy of everything recorded so far (parse failures included).
  std::vector<RecordedRequest> requests() const;
  size_t count() const;
  /// The most recent request; nullopt when none came.
  std::optional<RecordedRequest> last() const;
  void clear();
  /// The next `requests` requests are recorded, then their connection is closed without an
  /// answer (an upstream that crashed mid-request).
  void close_unanswered(size_t requests);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bridge::test
