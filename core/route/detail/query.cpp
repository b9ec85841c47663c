#include "route/detail/query.hpp"

namespace bridge::route::detail {

namespace {
int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte that starts at raw[i], and how many raw bytes it took.
char decode_at(std::string_view raw, size_t i, size_t& used) {
  if (raw[i] == '+') {
    used = 1;
    return ' ';
  }
  if (raw[i] == '%') {
    used = 3;
    return static_cast<char>(hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
  }
  used = 1;
  return raw[i];
}
}  // namespace

bool valid_escapes(std::string_view raw) {
  for (size_t i = raw.find('%'); i != std::string_view::npos; i = raw.find('%', i + 3)) {
    if (i + 2 >= raw.size() || hex(raw[i + 1]) < 0 || hex(raw[i + 2]) < 0) return false;
  }
  return true;
}

bool unescaped_equals(std::string_view raw, std::string_view expected) {
  size_t j = 0;
  for (size_t i = 0, used = 0; i < raw.size(); i += used) {
    if (j >= expected.size() || decode_at(raw, i, used) != expected[j++]) return false;
  }
  return j == expected.size();
}

size_t unescape_into(std::string_view raw, char* out) {
  size_t n = 0;
  for (size_t i = 0, used = 0; i < raw.size(); i += used) out[n++] = decode_at(raw, i, used);
  return n;
}

std::string unescape(std::string_view raw) {
  std::string out(raw.size(), '\0');
  out.resize(unescape_into(raw, out.data()));
  return out;
}

}  // namespace bridge::route::detail
