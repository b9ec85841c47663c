#pragma once
/// The protocol-neutral request pieces every codec shares: path normalization and the
/// syntax checks for Host and header fields. Pure code (no Asio, no sockets), fuzzed directly.

#include <optional>
#include <string>
#include <string_view>

namespace bridge::http {

/// Percent-encoded characters that change a path's structure, refused unless allowed
/// (Traefik's entry point option `encodedCharacters`; TOML `listeners[].encoded_characters`).
struct EncodedCharacters {
  bool slash = false;          // %2F
  bool backslash = false;      // %5C
  bool null = false;           // %00
  bool semicolon = false;      // %3B
  bool percent = false;        // %25
  bool question_mark = false;  // %3F
  bool hash = false;           // %23
};

struct PathPolicy {
  bool sanitize = true;  // decode unreserved escapes, remove dot segments, merge slashes
  EncodedCharacters allowed;
};

/// The outcome of normalize_path: the path to route on and to forward, or why it is refused.
struct NormalizedPath {
  std::string path;     // what is forwarded (allowed structural escapes stay encoded)
  std::string decoded;  // `path` fully percent-decoded: what rules see
  std::string refused;  // non-empty: the 400 reason, and `path`/`decoded` are meaningless
};

/// Normalizes the path of an origin-form target (no query). With `policy.sanitize`:
/// percent-encoded unreserved characters are decoded (RFC 3986 6.2.2.2), hex digits of the
/// other escapes are uppercased, dot segments removed (5.2.4) and repeated slashes merged.
/// Without it the raw path is kept. Either way an escape that is malformed, or that encodes a
/// structural character the policy does not allow, refuses the request.
NormalizedPath normalize_path(std::string_view raw, const PathPolicy& policy);

/// RFC 3986 reg-name, IPv4 or IP-literal, then an optional ":port" (digits only). An empty
/// value is valid (RFC 9112 3.2 for targets without an authority).
bool valid_host(std::string_view host);

/// RFC 9110 token: a header field name.
bool valid_field_name(std::string_view name);

/// A field value without CR, LF, NUL or other control characters (HTAB is fine).
bool valid_field_value(std::string_view value);

/// When `text` is valid UTF-8, nullopt; else `text` with each invalid byte as "\xHH", for
/// messages and logs built from client bytes.
std::optional<std::string> escape_invalid_utf8(std::string_view text);

/// True when `text` is valid UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view text);

}  // namespace bridge::http
