#pragma once
/// ASCII text helpers every area shares. HTTP names, rule keywords and unit suffixes are
/// ASCII by definition, so no locale is consulted.

#include <string_view>

namespace bridge {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

/// ASCII case-insensitive equality (Go's strings.EqualFold restricted to ASCII).
constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a == b) return true;  // the usual case (a lowercase host against a lowercase rule): memcmp
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace bridge
