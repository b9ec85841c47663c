#include "config/detail/toml.hpp"

#include <algorithm>
#include <sstream>
#include <toml++/toml.h>

namespace bridge::config::detail {
namespace {

class Converter {
 public:
  Converter(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  Node convert(const toml::node& in) const {
    Node out;
    place(out.origin, out.span, in.source());
    switch (in.type()) {
    case toml::node_type::table:
      convert_table(*in.as_table(), out);
      break;
    case toml::node_type::array:
      out.kind = Kind::Array;
      for (const auto& item : *in.as_array()) out.items.push_back(convert(item));
      break;
    case toml::node_type::string:
      out.kind = Kind::String;
      out.text = in.as_string()->get();
      break;
    case toml::node_type::integer:
      out.kind = Kind::Integer;
      out.integer = in.as_integer()->get();
      break;
    case toml::node_type::floating_point:
      out.kind = Kind::Float;
      out.number = in.as_floating_point()->get();
      break;
    case toml::node_type::boolean:
      out.kind = Kind::Boolean;
      out.boolean = in.as_boolean()->get();
      break;
    default: {
      std::ostringstream rendered;
      if (auto* d = in.as_date()) rendered << *d;
      if (auto* t = in.as_time()) rendered << *t;
      if (auto* dt = in.as_date_time()) rendered << *dt;
      out.kind = Kind::DateTime;
      out.text = rendered.str();
    }
    }
    return out;
  }

 private:
  void convert_table(const toml::table& in, Node& out) const {
    out.kind = Kind::Table;
    for (auto&& [key, value] : in) {
      Entry e{std::string(key.str()), {}, 1, convert(value)};
      place(e.key_origin, e.key_span, key.source());
      out.entries.push_back(std::move(e));
    }
    // toml++ keeps keys sorted; the user expects the order they wrote.
    std::stable_sort(out.entries.begin(), out.entries.end(), [](const Entry& a, const Entry& b) {
      return std::pair(a.key_origin.line, a.key_origin.column) <
             std::pair(b.key_origin.line, b.key_origin.column);
    });
  }

  void place(Origin& origin, int& span, const toml::source_region& region) const {
    if (source_.empty() || region.begin.line == 0) return;
    origin =
        Origin{source_, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
    if (region.end.line == region.begin.line && region.end.column > region.begin.column) {
      span = static_cast<int>(region.end.column - region.begin.column);
    } else {  // a multi-line value: underline the rest of its first line
      auto line = line_of(text_, origin.line);
      span = std::max(1, static_cast<int>(line.size()) - origin.column + 1);
    }
  }

  std::string_view text_;
  const std::string& source_;
};

}  // namespace

Result<Node> parse_document(std::string_view text, const std::string& source,
                            const Sources& sources) {
  try {
    toml::table table = toml::parse(text, std::string_view(source));
    return Converter(text, source).convert(table);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    Origin where{source, static_cast<int>(at.line), static_cast<int>(at.column)};
    return sources.error("invalid TOML: " + std::string(e.description()), where, 1);
  }
}

std::optional<Node> parse_value(std::string_view text) {
  if (text.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  std::string document = "v = " + std::string(text);
  try {
    toml::table table = toml::parse(document);
    const toml::node* value = table.get("v");
    if (table.size() != 1 || value == nullptr) return std::nullopt;
    static const std::string no_source;
    return Converter(document, no_source).convert(*value);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

}  // namespace bridge::config::detail

namespace bridge::config {

std::string leaf_json(std::string_view toml_value) {
  std::string document = "v = " + std::string(toml_value);
  try {
    toml::table table = toml::parse(document);
    std::ostringstream out;
    out << toml::json_formatter{table};
    // {"v" : VALUE}: the formatter writes one object; cut its single member's value out.
    std::string text = out.str();
    size_t colon = text.find(':');
    size_t close = text.rfind('}');
    if (colon == std::string::npos || close == std::string::npos || close < colon) return {};
    return text.substr(colon + 1, close - colon - 1);
  } catch (const toml::parse_error&) {
    return {};
  }
}

}  // namespace bridge::config
