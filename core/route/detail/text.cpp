#include "route/detail/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace bridge::route::detail {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_upper(c);
  return out;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (u < 0x20 || u == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", u);
        out += buf;
      } else {
        out += c;  // UTF-8 passes through so messages stay readable
      }
    }
  }
  out += '"';
  return out;
}

std::string format_argument(std::string_view value) {
  // Go raw strings cannot hold a backtick and drop carriage returns, so those need quotes.
  if (value.find('`') == std::string_view::npos && value.find('\r') == std::string_view::npos) {
    std::string out(1, '`');  // built by appending: GCC 12 -O3 warns on "lit" + std::string&&
    out += value;
    out += '`';
    return out;
  }
  return quoted(value);
}

std::string quoted_list(const std::vector<std::string>& values) {
  return "[" + join(values, ", ", [](const std::string& v) { return quoted(v); }) + "]";
}

namespace {
// Code points in `bytes` (UTF-8 continuation bytes do not start a column).
int code_points(std::string_view bytes) {
  return static_cast<int>(std::count_if(bytes.begin(), bytes.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}
}  // namespace

Error rule_error(std::string_view text, size_t offset, size_t length, std::string message,
                 std::string hint) {
  offset = std::min(offset, text.size());
  length = std::min(length, text.size() - offset);
  size_t line_start = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  size_t line_end = text.find('\n', offset);
  if (line_end != std::string_view::npos) length = std::min(length, line_end - offset);
  int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + line_start, '\n'));
  int column = 1 + code_points(text.substr(line_start, offset - line_start));
  Error error = Error::config(std::move(message), Origin{"rule", line, column}, std::move(hint));
  error.source_line = line_of(text, line);
  error.span = std::max(1, code_points(text.substr(offset, length)));
  return error;
}

std::string bare_argument_hint(std::string_view rule, size_t offset) {
  size_t before = rule.find_last_not_of(" \t", offset == 0 ? std::string_view::npos : offset - 1);
  if (offset == 0 || before == std::string_view::npos ||
      (rule[before] != '(' && rule[before] != ',')) {
    return {};
  }
  size_t end = rule.find_first_of(",)", offset);
  std::string_view word = rule.substr(offset, end == std::string_view::npos ? end : end - offset);
  while (!word.empty() && (word.back() == ' ' || word.back() == '\t')) word.remove_suffix(1);
  if (word.empty() || word.find_first_of("`\"'()\n") != std::string_view::npos) return {};
  // The matcher's name: the identifier just before the "(" that opens this call.
  size_t open = rule.rfind('(', offset);
  if (open == std::string_view::npos) return {};
  size_t name_end = open;
  size_t name_start = name_end;
  while (name_start > 0 && (std::isalnum(static_cast<unsigned char>(rule[name_start - 1])) ||
                            rule[name_start - 1] == '_')) {
    --name_start;
  }
  std::string matcher(rule.substr(name_start, name_end - name_start));
  return "strings go in backticks or double quotes: " + matcher + "(`" + std::string(word) + "`)";
}

}  // namespace bridge::route::detail
