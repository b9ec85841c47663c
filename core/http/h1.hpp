#pragma once
/// The HTTP/1.1 codec: bytes to protocol-neutral heads and body bytes, and back. A byte
/// transformer without sockets (the proxy reads and writes; this only looks at bytes), so it is
/// fuzzed directly. It is the front door's security boundary: everything a next hop could read
/// differently is refused here (RFC 9112 and the smuggling shapes of RFC 9112 11.2).

#include "http/message.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace bridge::http::h1 {

/// Parses a complete request head: `bytes` is the request line and field lines up to and
/// including the empty line that ends them (the proxy has found that line and bounded the
/// size). Fills `out` (cleared first), content_length and chunked included. Returns "" when
/// the head is valid, else why not, worded for a 400 answer ("bare LF line ending in the
/// request head (CRLF required)", "obsolete line folding in a header", ...).
///
/// Refused: a line ended by LF alone; a method that is not a token; a target with a space,
/// a control character or nothing; a version other than HTTP/1.0 or HTTP/1.1; a field name
/// that is not a token or is followed by whitespace before the colon; a field value with
/// CR, LF, NUL or another control character (HTAB is fine); obsolete line folding;
/// Content-Length that is not digits, overflows, or appears twice with different values;
/// Transfer-Encoding in HTTP/1.0, more than once, or other than "chunked" (any case);
/// Transfer-Encoding together with Content-Length. Leading and trailing whitespace of values
/// is not part of them (RFC 9110 5.5).
std::string parse_request_head(std::string_view bytes, RequestHead& out);

/// The same for a response head from an upstream: the status line (HTTP/1.0 or 1.1, three
/// digits, an optional reason phrase that may be empty) and the fields, refused on the same
/// grounds (Transfer-Encoding other than chunked included: the body's end would be unknown).
std::string parse_response_head(std::string_view bytes, ResponseHead& out);

/// How the body after a head is delimited (RFC 9112 6.3).
struct BodyFraming {
  enum class Kind { None, Length, Chunked, UntilClose };
  Kind kind = Kind::None;
  uint64_t length = 0;  // Kind::Length
};

/// A request: chunked, Content-Length (0 is None) or none.
BodyFraming request_framing(const RequestHead& head);
/// A response to a request whose method was HEAD when `head_request`: none for those, 1xx,
/// 204 and 304; chunked; Content-Length; else until the upstream closes.
BodyFraming response_framing(const ResponseHead& head, bool head_request);

/// Decodes a chunked body (RFC 9112 7.1) as its bytes arrive, in any pieces. Chunk
/// extensions are skipped; trailer fields are kept (trailers()). Strict: every line ends with
/// CRLF, a chunk size is hex digits (at most 16, no sign or whitespace before it), a chunk's
/// data is followed by CRLF, trailers follow the field syntax of a head (no folding).
class ChunkedDecoder {
 public:
  struct Step {
    size_t used = 0;         // bytes of `in` consumed
    size_t produced = 0;     // body bytes written to `out`
    bool done = false;       // the last chunk and the trailers have been read
    std::string_view error;  // non-empty: the body is malformed (a 400 / 502), stop
  };

  /// Consumes bytes of `in` and writes body bytes to `out`, until `in` is used up, `out` is
  /// full, the body ends (bytes after it are left unused: the next message), or an error.
  /// A step with used == 0 and produced == 0 and no error means more input is needed.
  Step decode(std::string_view in, std::span<char> out);

  bool done() const { return state_ == State::Done; }
  /// Data bytes of the current chunk still to come (0 between chunks): a body limit can refuse
  /// a chunk as soon as its size line is in, instead of waiting for its data.
  uint64_t chunk_remaining() const { return state_ == State::Data ? remaining_ : 0; }
  /// The trailer fields, once done().
  const Fields& trailers() const { return trailers_; }
  /// Ready for another body; memory is kept.
  void reset();

  /// Longest chunk-size line (size and extensions) and all trailer lines together.
  static constexpr size_t max_line = 4096;
  static constexpr size_t max_trailers = 64 * 1024;

 private:
  enum class State { Size, Data, DataEnd, Trailers, Done, Failed };
  State state_ = State::Size;
  uint64_t remaining_ = 0;  // of the current chunk's data; in Trailers, trailer bytes so far
  std::string_view error_;  // once Failed
  std::string line_;        // a size line or the trailer block, gathered across pieces
  Fields trailers_;
};

}  // namespace bridge::http::h1
