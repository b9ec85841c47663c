#pragma once
/// ASCII text helpers every area shares. HTTP names, rule keywords and unit suffixes are
/// ASCII by definition, so no locale is consulted.

#include <functional>
#include <string>
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

/// The parts with `separator` between them, each through `project` first:
/// join(names) == "a, b"; join(targets, "; ", &Target::url).
template <class Range, class Project = std::identity>
std::string join(const Range& parts, std::string_view separator = ", ", Project project = {}) {
  std::string out;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) out += separator;
    first = false;
    out += std::string_view(std::invoke(project, part));
  }
  return out;
}

}  // namespace bridge
