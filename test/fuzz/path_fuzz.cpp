// Path normalization and the syntax checks for client values (core/http), with the properties
// the front door relies on checked on every input.
//
// Input: byte 0 is the policy (bit 0: sanitize, bits 1-7: the encoded characters allowed, in
// EncodedCharacters order); the rest is the raw path, also fed to the other checks.
#include "fuzz.hpp"

#include "http/http.hpp"

#include <string>

namespace {

using bridge::http::PathPolicy;

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// A second UTF-8 validator written from RFC 3629's definition (decode the code point, then
// reject overlongs, surrogates and values past U+10FFFF) rather than from its byte table.
bool reference_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80             ? 1
               : (c & 0xe0) == 0xc0 ? 2
               : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4
                                    : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    constexpr uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += n;
  }
  return true;
}

void check_normalized(std::string_view raw, const PathPolicy& policy) {
  auto first = bridge::http::normalize_path(raw, policy);
  if (!first.refused.empty()) return;
  const std::string& path = first.path;
  if (!policy.sanitize) BRIDGE_FUZZ_CHECK(path == raw);
  // Every escape left is well formed and `decoded` is the path with all of them decoded;
  // sanitizing leaves only uppercase escapes of bytes that are not unreserved.
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      decoded.push_back(path[i]);
      continue;
    }
    BRIDGE_FUZZ_CHECK(i + 2 < path.size());
    int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
    BRIDGE_FUZZ_CHECK(hi >= 0 && lo >= 0);
    auto byte = static_cast<unsigned char>(hi << 4 | lo);
    if (policy.sanitize) {
      BRIDGE_FUZZ_CHECK(upper_hex(path[i + 1]) && upper_hex(path[i + 2]));
      BRIDGE_FUZZ_CHECK(!unreserved(byte));
    }
    decoded.push_back(static_cast<char>(byte));
    i += 2;
  }
  BRIDGE_FUZZ_CHECK(decoded == first.decoded);
  if (policy.sanitize && raw.starts_with('/')) {
    // What is routed is what is forwarded: no segment a backend would resolve differently.
    BRIDGE_FUZZ_CHECK(path.starts_with('/'));
    BRIDGE_FUZZ_CHECK(path.find("//") == std::string::npos);
    BRIDGE_FUZZ_CHECK(path.find("/./") == std::string::npos);
    BRIDGE_FUZZ_CHECK(path.find("/../") == std::string::npos);
    BRIDGE_FUZZ_CHECK(!path.ends_with("/.") && !path.ends_with("/.."));
    // Idempotent: normalizing what is forwarded changes nothing and refuses nothing.
    auto again = bridge::http::normalize_path(path, policy);
    BRIDGE_FUZZ_CHECK(again.refused.empty());
    BRIDGE_FUZZ_CHECK(again.path == path);
    BRIDGE_FUZZ_CHECK(again.decoded == first.decoded);
  }
}

void check_syntax(std::string_view text) {
  bool utf8 = bridge::http::valid_utf8(text);
  BRIDGE_FUZZ_CHECK(utf8 == reference_utf8(text));
  auto escaped = bridge::http::escape_invalid_utf8(text);
  BRIDGE_FUZZ_CHECK(escaped.has_value() == !utf8);
  if (escaped) {
    BRIDGE_FUZZ_CHECK(bridge::http::valid_utf8(*escaped));
    BRIDGE_FUZZ_CHECK(*escaped != text);
  }

  if (bridge::http::valid_field_name(text)) {
    BRIDGE_FUZZ_CHECK(!text.empty());
    BRIDGE_FUZZ_CHECK(text.find_first_of(":; \t\r\n\"(),/") == std::string_view::npos);
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_value(text));
  }
  if (bridge::http::valid_field_value(text)) {
    BRIDGE_FUZZ_CHECK(text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
  }
  if (bridge::http::valid_host(text)) {
    // A Host that reaches the access log or an upstream cannot forge fields or a path.
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      BRIDGE_FUZZ_CHECK(c > 0x20 && c < 0x7f);
      BRIDGE_FUZZ_CHECK(std::string_view("/\\@?#\"<>{}|^`").find(ch) == std::string_view::npos);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  PathPolicy policy;
  uint8_t bits = data[0];
  policy.sanitize = (bits & 1) != 0;
  bool* allowed[] = {&policy.allowed.slash,   &policy.allowed.backslash,
                     &policy.allowed.null,    &policy.allowed.semicolon,
                     &policy.allowed.percent, &policy.allowed.question_mark,
                     &policy.allowed.hash};
  for (size_t i = 0; i < std::size(allowed); ++i) *allowed[i] = (bits >> (i + 1) & 1) != 0;
  std::string_view raw = bridge::fuzz::as_text(data + 1, size - 1);
  check_normalized(raw, policy);
  check_syntax(raw);
  return 0;
}
