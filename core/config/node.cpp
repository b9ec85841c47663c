#include "config/detail/node.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace bridge::config::detail {

const Node* Node::find(std::string_view key) const {
  for (const auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

Node* Node::find(std::string_view key) {
  for (auto& e : entries)
    if (e.key == key) return &e.value;
  return nullptr;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
  case Kind::Table:
    return "a table";
  case Kind::Array:
    return "an array";
  case Kind::String:
    return "a string";
  case Kind::Integer:
    return "an integer";
  case Kind::Float:
    return "a float";
  case Kind::Boolean:
    return "a boolean";
  case Kind::DateTime:
    return "a date/time";
  }
  return "a value";
}

namespace {

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
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
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string render_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string out(buf, ec == std::errc{} ? end : buf);
  // TOML needs a '.' or an exponent to read it back as a float.
  if (out.find_first_of(".eE") == std::string::npos) out += ".0";
  return out;
}

}  // namespace

std::string render_string(std::string_view text) { return quote(text); }

std::string render_key(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) bare = false;
  return bare ? std::string(key) : quote(key);
}

std::string render(const Node& node) {
  switch (node.kind) {
  case Kind::String:
    return quote(node.text);
  case Kind::Integer:
    return std::to_string(node.integer);
  case Kind::Float:
    return render_float(node.number);
  case Kind::Boolean:
    return node.boolean ? "true" : "false";
  case Kind::DateTime:
    return node.text;
  case Kind::Array: {
    std::string out = "[";
    for (size_t i = 0; i < node.items.size(); ++i) out += (i ? ", " : "") + render(node.items[i]);
    return out + "]";
  }
  case Kind::Table: {
    if (node.entries.empty()) return "{}";
    std::string out = "{ ";
    for (size_t i = 0; i < node.entries.size(); ++i)
      out +=
          (i ? ", " : "") + render_key(node.entries[i].key) + " = " + render(node.entries[i].value);
    return out + " }";
  }
  }
  return {};
}

void stamp(Node& node, const Origin& origin) {
  node.origin = origin;
  node.span = 1;
  for (auto& item : node.items) stamp(item, origin);
  for (auto& e : node.entries) {
    e.key_origin = origin;
    e.key_span = 1;
    stamp(e.value, origin);
  }
}

bool is_named_array(std::string_view key) {
  return key == "listeners" || key == "routes" || key == "upstreams" || key == "tcp_routes";
}

const std::string* Sources::text(std::string_view name) const {
  auto it = texts_.find(name);
  return it == texts_.end() ? nullptr : &it->second;
}

Error Sources::error(std::string message, const Origin& where, int span, std::string hint) const {
  Error e = Error::config(std::move(message), where, std::move(hint));
  if (where.has_position())
    if (const std::string* text = this->text(where.source))
      e.source_line = line_of(*text, where.line);
  e.span = span < 1 ? 1 : span;
  return e;
}

std::string suggest(std::string_view word, const std::vector<std::string>& candidates,
                    std::string fallback) {
  std::string best = nearest(word, candidates);
  if (best.empty() || best == word) return fallback;
  return "did you mean \"" + best + "\"?";
}

}  // namespace bridge::config::detail
