#pragma once
/// What bridge knows about one request: filled by the proxy on the worker thread, then frozen
/// and shared (store, stream, access log, span export). Values of secret header fields and
/// query parameters (Redaction) are replaced before they are stored: the real value never is.

#include "trace/trace.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::trace {

/// Header fields kept as one block of text (length-prefixed names and values): one
/// allocation per list where a vector of string pairs took two per field, and every request
/// records four lists. Iterates as (name, value) string_view pairs.
class Headers {
 public:
  using Field = std::pair<std::string_view, std::string_view>;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;
    const_iterator() = default;
    explicit const_iterator(const char* at) : at_(at) {}
    Field operator*() const;
    const_iterator& operator++();
    const_iterator operator++(int) {
      auto old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& other) const { return at_ == other.at_; }

   private:
    const char* at_ = nullptr;
  };

  Headers() = default;
  Headers(std::initializer_list<Field> fields);

  /// Appends fields in place; made by `fill`, which sizes the block for them up front.
  class Writer {
   public:
    explicit Writer(char* at) : at_(at) {}
    void add(std::string_view name, std::string_view value);
    const char* at() const { return at_; }

   private:
    char* at_;
  };

  void clear() { used_ = 0; }
  /// Replaces the fields with at most `count` fields whose names and values add up to at
  /// most `bytes`, written in order through the returned writer; `finish(writer)` then ends
  /// the block where the writer stopped.
  Writer fill(size_t bytes, size_t count) {
    room(bytes + 8 * count);
    return Writer(text_.data());
  }
  void finish(const Writer& writer) { used_ = static_cast<size_t>(writer.at() - text_.data()); }
  void add(std::string_view name, std::string_view value);
  bool empty() const { return used_ == 0; }
  size_t size() const { return static_cast<size_t>(std::distance(begin(), end())); }
  const_iterator begin() const { return const_iterator(text_.data()); }
  const_iterator end() const { return const_iterator(text_.data() + used_); }
  bool operator==(const Headers& other) const { return raw() == other.raw(); }
  /// The block as stored, and back (only bytes that came from raw()).
  std::string_view raw() const { return {text_.data(), used_}; }
  void assign_raw(std::string_view raw);

 private:
  // text_ only grows: a reused record's lists are written over, not cleared and filled with
  // zeros again first (std::string::resize's fill was 800 instructions per recorded request).
  void room(size_t bytes) {
    if (text_.size() < bytes) text_.resize(bytes);
  }
  std::string text_;
  size_t used_ = 0;  // the block: text_'s first used_ bytes
};

enum class Phase : uint8_t {
  Received,
  HeadParsed,
  RouteMatched,
  Middlewares,  // the listener's and route's middlewares have run
  UpstreamResolved,
  Connected,
  Reused,
  RequestSent,
  FirstByte,
  Done,
  Count
};

std::string_view phase_name(Phase phase);

/// An out-list (request_out, response_out) recorded as what the proxy changed in the in-list
/// it came from: the in-list's fields except those at `dropped` (ascending indexes), then the
/// out-list's own fields, which are the added ones. Most of a forwarded head is the head that
/// arrived; recording only the change keeps that part from being copied and checked for
/// secrets a second time. Not `derived`: the out-list holds every field itself.
struct OutListEdit {
  bool derived = false;
  std::vector<uint32_t> dropped;
  bool operator==(const OutListEdit&) const = default;
};

struct BreakpointNote {
  std::string id;
  std::string phase;   // "request" | "response" | "before:NAME" | "after:NAME" (a middleware)
  std::string action;  // "continue" | "abort" | "timeout" | "released"
  int64_t held_us = 0;
};

/// One HTTP middleware's part in a request, in chain order.
struct MiddlewareNote {
  std::string name;
  std::string type;     // Traefik's type name
  std::string outcome;  // "passed" | "answered"
  std::string detail;   // what it did, in words
  int64_t us = 0;
};

struct Record {
  std::chrono::system_clock::time_point start;
  std::string request_id;
  TraceContext trace;  // ids kept binary; hex on the way out
  std::string client;
  std::string listener;
  std::string client_subject;  // the verified client certificate's subject (mTLS listeners)
  std::string scheme = "http";
  std::string protocol = "HTTP/1.1";  // "HTTP/1.0", "HTTP/1.1", "HTTP/2", or "TCP" (TCP routes)
  uint32_t stream_id = 0;             // the HTTP/2 stream; 0 on HTTP/1
  std::string method;
  std::string host;
  std::string path;           // as sent (normalized), without the query
  std::string upstream_path;  // as forwarded upstream (after strip_prefix); empty if not forwarded
  std::string query;
  std::string route;
  std::string upstream;
  std::string target;
  std::string error;
  // A TCP connection's end: "client_closed", "upstream_closed" (who sent FIN first),
  // "idle_timeout", "client_reset", "upstream_reset", "connect_failed", "no_route".
  std::string end;
  std::shared_ptr<const std::string> config_hash;  // the config that routed it (for explain)
  int status = 0;
  int grpc_status = -1;  // a gRPC call's grpc-status (0 OK ... 16); -1 when not a gRPC answer
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  /// Microseconds since `start` at which each phase happened; -1 when it did not.
  std::array<int64_t, static_cast<size_t>(Phase::Count)> phase_us;
  Headers request_in, request_out, response_in, response_out;
  OutListEdit request_out_edit, response_out_edit;  // how request_out and response_out read
  std::vector<BreakpointNote> breakpoints;
  std::vector<MiddlewareNote> middlewares;

  Record() { phase_us.fill(-1); }
  /// Back to a fresh record, keeping the memory its strings and header blocks hold: workers
  /// reuse finished records. Clears every field above.
  void reset();
  std::string trace_id() const { return trace.trace_id_hex(); }
  std::string span_id() const { return trace.span_id_hex(); }
  /// "" when the trace started here.
  std::string parent_span_id() const { return trace.continued ? trace.parent_span_id_hex() : ""; }
  void mark(Phase phase, int64_t us) { phase_us[static_cast<size_t>(phase)] = us; }
  int64_t at(Phase phase) const { return phase_us[static_cast<size_t>(phase)]; }
  int64_t total_us() const { return at(Phase::Done); }
  /// request_out and response_out with every field, whichever way they were recorded.
  Headers full_request_out() const;
  Headers full_response_out() const;
};

/// "OK", "CANCELLED", ... "UNAUTHENTICATED" for gRPC status codes 0-16; "" for others.
std::string_view grpc_status_name(int code);

/// "HTTP/1.1" -> 1, "HTTP/2" -> 2, "HTTP/1.0" -> 0: the index of a record's protocol in
/// per-protocol counters (protocol_names).
size_t protocol_index(std::string_view protocol);
inline constexpr std::array<std::string_view, 3> protocol_names = {"HTTP/1.0", "HTTP/1.1",
                                                                   "HTTP/2"};

/// Is `name` one of `redacted` (case-insensitive)?
bool is_redacted(std::string_view name, const std::vector<std::string>& redacted);

/// Is `name` secret by bridge's built-in rule: Authorization, Proxy-Authorization, Cookie,
/// Set-Cookie, or a name containing "token", "secret", "password" or "api-key" ("api_key"),
/// case-insensitive. Covers X-Api-Key, X-Auth-Token, access_token, client_secret.
bool is_secret_name(std::string_view name);

/// What records, logs and span exports never keep: the values of header fields and query
/// parameters named in trace.redact_headers, plus the built-in names (is_secret_name) unless
/// trace.redact_defaults = false. Checked for every captured field, so the common case (a
/// name that is neither listed nor secret-looking) costs one pass over the name.
class Redaction {
 public:
  /// The built-in names only.
  Redaction() = default;
  explicit Redaction(std::vector<std::string> names, bool defaults = true);
  bool covers(std::string_view name) const {
    if (defaults_ && is_secret_name(name)) return true;
    if (name.size() < 64 && (lengths_ >> name.size() & 1) == 0) return false;
    return is_redacted(name, names_);
  }
  /// Writes `query` to `out` with the value of each covered parameter replaced by
  /// redacted_value ("a=1&token=<redacted>"). Names are compared percent-decoded.
  void redact_query(std::string_view query, std::string& out) const;
  std::string redact_query(std::string_view query) const {
    std::string out;
    redact_query(query, out);
    return out;
  }
  bool defaults() const { return defaults_; }

 private:
  std::vector<std::string> names_;
  uint64_t lengths_ = 0;  // bit n: some name has n characters (bit 63: 63 or more)
  bool defaults_ = true;
};

constexpr std::string_view redacted_value = "<redacted>";

}  // namespace bridge::trace
