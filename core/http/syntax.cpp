// Syntax checks for values taken from clients: Host, field names and values, UTF-8.
#include "http/http.hpp"

namespace bridge::http {

namespace {

bool alnum(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// unreserved / pct-encoded / sub-delims (RFC 3986 3.2.2); '%' is checked as an escape.
bool reg_name_char(unsigned char c) {
  return alnum(c) ||
         std::string_view("-._~!$&'()*+,;=").find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_reg_name(std::string_view name) {
  for (size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c == '%') {
      if (i + 2 >= name.size() || !hex(name[i + 1]) || !hex(name[i + 2])) return false;
      i += 2;
    } else if (!reg_name_char(c)) {
      return false;
    }
  }
  return true;
}

// IPv6address / IPvFuture between the brackets: the characters they may hold (the address
// itself is checked by the matcher where it matters; here only that nothing else hides).
bool valid_ip_literal(std::string_view inner) {
  if (inner.empty()) return false;
  for (char ch : inner) {
    auto c = static_cast<unsigned char>(ch);
    if (!hex(c) && c != ':' && c != '.' && !(c == 'v' || c == 'V') && !reg_name_char(c))
      return false;
  }
  return true;
}

bool valid_port(std::string_view port) {
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return port.size() <= 5;
}

}  // namespace

bool valid_host(std::string_view host) {
  if (host.empty()) return true;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || !valid_ip_literal(host.substr(1, close - 1)))
      return false;
    std::string_view rest = host.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && valid_port(rest.substr(1)));
  }
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return valid_reg_name(host);
  return valid_reg_name(host.substr(0, colon)) && valid_port(host.substr(colon + 1));
}

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (!alnum(c) && std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos)
      return false;
  }
  return true;
}

bool valid_field_value(std::string_view value) {
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

namespace {

// Length of the valid UTF-8 sequence at `s[i]`, or 0 when it is not one (RFC 3629).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf   ? 2
             : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  unsigned char c1 = b(i + 1);
  if (c == 0xe0 && c1 < 0xa0) return 0;  // overlong
  if (c == 0xed && c1 > 0x9f) return 0;  // surrogate
  if (c == 0xf0 && c1 < 0x90) return 0;  // overlong
  if (c == 0xf4 && c1 > 0x8f) return 0;  // past U+10FFFF
  return n;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::optional<std::string> escape_invalid_utf8(std::string_view text) {
  if (valid_utf8(text)) return std::nullopt;
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8_sequence(text, i);
    if (n > 0) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    static constexpr char digits[] = "0123456789abcdef";
    auto c = static_cast<unsigned char>(text[i++]);
    out += "\\x";
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  return out;
}

}  // namespace bridge::http
