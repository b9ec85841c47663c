// Path normalization: what is routed is what is forwarded.
#include "http/http.hpp"

#include <vector>

namespace bridge::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

struct Structural {
  unsigned char byte;
  bool EncodedCharacters::*allowed;
  std::string_view name;  // the key under listeners[].encoded_characters
};

constexpr Structural structural[] = {
    {'/', &EncodedCharacters::slash, "slash"},
    {'\\', &EncodedCharacters::backslash, "backslash"},
    {'\0', &EncodedCharacters::null, "null"},
    {';', &EncodedCharacters::semicolon, "semicolon"},
    {'%', &EncodedCharacters::percent, "percent"},
    {'?', &EncodedCharacters::question_mark, "question_mark"},
    {'#', &EncodedCharacters::hash, "hash"},
};

void append_escape(std::string& out, unsigned char byte) {
  static constexpr char digits[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(digits[byte >> 4]);
  out.push_back(digits[byte & 0xf]);
}

// Decodes what may be decoded and checks every escape; `refused` says why when one is bad.
std::string resolve_escapes(std::string_view raw, const PathPolicy& policy, std::string& refused) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(raw[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      refused = "malformed percent-encoding in the path (a % must be followed by two hex digits)";
      return {};
    }
    auto byte = static_cast<unsigned char>(hi << 4 | lo);
    bool is_structural = false;
    for (const auto& s : structural) {
      if (s.byte != byte) continue;
      if (!(policy.allowed.*s.allowed)) {
        refused = "encoded " + std::string(s.name) + " (" + std::string(raw.substr(i, 3)) +
                  ") in the path is refused; allow it with listeners[].encoded_characters." +
                  std::string(s.name) + " = true";
        return {};
      }
      is_structural = true;
    }
    if (!policy.sanitize)
      out.append(raw.substr(i, 3));
    else if (!is_structural && unreserved(byte))
      out.push_back(static_cast<char>(byte));
    else
      append_escape(out, byte);
    i += 2;
  }
  return out;
}

// RFC 3986 5.2.4 on an absolute path, with empty segments (repeated slashes) merged.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  bool trailing_slash = false;
  size_t pos = 1;  // past the leading '/'
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(pos, end - pos);
    bool last = end == path.size();
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (segment != "." && !segment.empty()) {
      segments.push_back(segment);
    }
    // "/a/", "/a/." and "/a/b/.." all end in a directory: keep the trailing slash.
    if (last) trailing_slash = segment.empty() || segment == "." || segment == "..";
    pos = end + 1;
  }
  std::string out;
  out.reserve(path.size());
  for (auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty() || trailing_slash) out.push_back('/');
  return out;
}

// Most paths need nothing: no escape, no "//", no "/." (which starts every dot segment).
bool already_normal(std::string_view raw) {
  if (raw.find('%') != std::string_view::npos) return false;
  for (size_t at = raw.find('/'); at != std::string_view::npos; at = raw.find('/', at + 1)) {
    if (at + 1 < raw.size() && (raw[at + 1] == '/' || raw[at + 1] == '.')) return false;
  }
  return true;
}

}  // namespace

NormalizedPath normalize_path(std::string_view raw, const PathPolicy& policy) {
  NormalizedPath result;
  if (already_normal(raw)) {
    result.path = raw;
    result.decoded = raw;
    return result;
  }
  std::string resolved = resolve_escapes(raw, policy, result.refused);
  if (!result.refused.empty()) return result;
  // Only origin-form paths are normalized; "*" (OPTIONS) and the like are kept.
  if (policy.sanitize && resolved.starts_with('/'))
    result.path = remove_dot_segments(resolved);
  else
    result.path = std::move(resolved);
  result.decoded.reserve(result.path.size());
  for (size_t i = 0; i < result.path.size(); ++i) {
    if (result.path[i] == '%') {  // every escape left was checked above
      result.decoded.push_back(
          static_cast<char>(hex_value(result.path[i + 1]) << 4 | hex_value(result.path[i + 2])));
      i += 2;
    } else {
      result.decoded.push_back(result.path[i]);
    }
  }
  return result;
}

}  // namespace bridge::http
