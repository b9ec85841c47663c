#pragma once
// The byte-level syntax both halves of the HTTP/1.1 codec share: byte classes (RFC 9110 5.6.2
// tokens, field text, targets, hex digits) and the field line (name ":" OWS value OWS), used
// for head fields (h1_head.cpp) and chunked trailers (h1_chunked.cpp).

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bridge::http::h1::detail {

inline constexpr auto npos = std::string_view::npos;

// Byte classes, one table lookup per byte: heads are scanned byte by byte on every request.
enum : uint8_t {
  Tchar = 1,       // RFC 9110 5.6.2 token
  FieldChar = 2,   // field-value / reason-phrase: HTAB, SP, VCHAR, obs-text
  TargetChar = 4,  // request-target: no SP, no controls, no DEL; obs-text checked later (UTF-8)
  Hex = 8,
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  constexpr std::string_view token_punct = "!#$%&'*+-.^_`|~";
  for (unsigned c = 0; c < 256; ++c) {
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (digit || alpha || token_punct.find(static_cast<char>(c)) != npos) t[c] |= Tchar;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) t[c] |= FieldChar;
    if (c > 0x20 && c != 0x7f) t[c] |= TargetChar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) t[c] |= Hex;
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> classes = make_classes();

inline bool is(char c, uint8_t cls) { return (classes[static_cast<unsigned char>(c)] & cls) != 0; }
inline bool ows(char c) { return c == ' ' || c == '\t'; }

// Whether every byte is HTAB, SP, VCHAR or obs-text. Values are most of a head's bytes, so
// eight at a time: a word without a byte below 0x20 or equal to 0x7F is fine as it is; one
// with such a byte (HTAB perhaps) is looked at byte by byte.
inline bool field_text(std::string_view s) {
  constexpr uint64_t ones = 0x0101010101010101;
  constexpr uint64_t highs = 0x8080808080808080;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const uint64_t del = w ^ (ones * 0x7f);
    const uint64_t is_del = (del - ones) & ~del & highs;
    if ((below_space | is_del) == 0) continue;
    for (size_t k = i; k < i + 8; ++k) {
      if (!is(s[k], FieldChar)) return false;
    }
  }
  for (; i < s.size(); ++i) {
    if (!is(s[i], FieldChar)) return false;
  }
  return true;
}

enum class FieldLine { Ok, BadName, BadValue };

// name ":" OWS value OWS, the name a token right before the colon (RFC 9112 5.1).
inline FieldLine split_field(std::string_view line, std::string_view& name,
                             std::string_view& value) {
  size_t colon = 0;
  while (colon < line.size() && is(line[colon], Tchar)) ++colon;
  if (colon == 0 || colon == line.size() || line[colon] != ':') return FieldLine::BadName;
  size_t begin = colon + 1;
  size_t end = line.size();
  if (!field_text(line.substr(begin))) return FieldLine::BadValue;
  while (begin < end && ows(line[begin])) ++begin;
  while (end > begin && ows(line[end - 1])) --end;
  name = line.substr(0, colon);
  value = line.substr(begin, end - begin);
  return FieldLine::Ok;
}

}  // namespace bridge::http::h1::detail
