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

// Where the first byte below 0x20 or equal to 0x7F is in the eight bytes of `w` (8: none).
inline unsigned first_control(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101;
  constexpr uint64_t highs = 0x8080808080808080;
  const uint64_t below_space = (w - ones * 0x20) & ~w & highs;
  const uint64_t del = w ^ (ones * 0x7f);
  const uint64_t is_del = (del - ones) & ~del & highs;
  const uint64_t found = below_space | is_del;
  // Borrows only run towards higher bytes, so the lowest flag is exact (little-endian).
  return found == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(found)) / 8;
}

// Whether every byte is HTAB, SP, VCHAR or obs-text. Values are most of a head's bytes, so
// eight at a time: a word without a byte below 0x20 or equal to 0x7F is fine as it is; one
// with such a byte (HTAB perhaps) is looked at byte by byte.
inline bool field_text(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    if (first_control(w) == 8) continue;
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

// The usual field line at the front of `rest`, taken in one pass: a token, ':', field text
// (HTAB, SP, VCHAR, obs-text) and CRLF. False, taking nothing, for anything else (the empty
// line, folding, a bare LF, a bad byte, no line end yet): the caller then reads the line by
// next_line and split_field, which name what is wrong. What this takes, they take the same.
inline bool take_plain_field(std::string_view& rest, std::string_view& name,
                             std::string_view& value) {
  const char* const begin = rest.data();
  const char* const end = begin + rest.size();
  const char* at = begin;
  while (at < end && is(*at, Tchar)) ++at;
  if (at == begin || at == end || *at != ':') return false;
  const char* const colon = at++;
  for (;;) {
    if (end - at >= 8) {
      uint64_t w = 0;
      std::memcpy(&w, at, 8);
      const unsigned skip = first_control(w);
      at += skip;
      if (skip == 8) continue;
    } else {
      while (at < end && static_cast<unsigned char>(*at) >= 0x20 && *at != 0x7f) ++at;
      if (at == end) return false;
    }
    if (*at == '\t') {
      ++at;
      continue;
    }
    if (*at != '\r' || end - at < 2 || at[1] != '\n') return false;
    break;
  }
  const char* first = colon + 1;
  const char* last = at;
  while (first < last && ows(*first)) ++first;
  while (last > first && ows(last[-1])) --last;
  name = {begin, static_cast<size_t>(colon - begin)};
  value = {first, static_cast<size_t>(last - first)};
  rest.remove_prefix(static_cast<size_t>(at + 2 - begin));
  return true;
}

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
