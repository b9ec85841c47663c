#pragma once
/// The protocol-neutral message heads every codec decodes into and encodes from: HTTP/1.1
/// (h1.hpp) and HTTP/2 (the proxy's nghttp2 sessions). Routing, rewrites, ids, records,
/// breakpoints and error answers are written once against these.

#include "http/fields.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridge::http {

/// The methods the proxy treats specially; any other token is Method::Other.
enum class Method : uint8_t { Other, Get, Head, Post, Put, Delete, Connect, Options, Trace, Patch };

Method method_of(std::string_view token);

/// A request head. HTTP/2's :authority arrives as a Host field and its version as 20.
struct RequestHead {
  std::string method_name;  // as sent: a token (RFC 9110 9.1)
  Method method = Method::Other;
  std::string target;     // as sent (origin-, absolute- or asterisk-form)
  unsigned version = 11;  // 10, 11, or 20 for HTTP/2
  Fields fields;
  // Body framing, as the codec read it from the fields (an HTTP/1.1 head) or the stream (h2).
  std::optional<uint64_t> content_length;
  bool chunked = false;

  void set_method(std::string_view token) {
    method_name.assign(token);
    method = method_of(token);
  }
  /// Empties the head; its memory stays for the next request.
  void clear();
};

/// A response head.
struct ResponseHead {
  unsigned status = 200;
  std::string reason;  // may be empty (RFC 9112 4)
  unsigned version = 11;
  Fields fields;
  std::optional<uint64_t> content_length;
  bool chunked = false;

  void clear();
};

/// Whether a connection stays open after a message of `version` with these fields: HTTP/1.1
/// unless Connection says close, HTTP/1.0 only when it says keep-alive (RFC 9112 9.3).
bool keep_alive(unsigned version, const Fields& fields);

/// The registered reason phrase of `status`, or "" for a code without one.
std::string_view reason_phrase(unsigned status);

}  // namespace bridge::http
