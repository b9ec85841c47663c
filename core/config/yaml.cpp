// yaml-cpp nodes to provenance trees (detail/yaml.hpp). yaml-cpp's marks are 0-based.
#include "config/detail/yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

namespace bridge::config::detail {

namespace {

Origin origin_of(const YAML::Mark& mark, const std::string& source) {
  return Origin{source, mark.line + 1, mark.column + 1};
}

void scalar(const YAML::Node& in, Node& out) {
  const std::string& text = in.Scalar();
  out.span = static_cast<int>(std::max<size_t>(1, text.size()));
  // A quoted scalar ("8080", '1') is a string, whatever it reads as.
  if (in.Tag() != "!") {
    int64_t integer = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
    if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
      out.kind = Kind::Integer;
      out.integer = integer;
      return;
    }
    if (text == "true" || text == "false") {
      out.kind = Kind::Boolean;
      out.boolean = text == "true";
      return;
    }
    double number = 0;
    auto [fend, fec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!text.empty() && fec == std::errc() && fend == text.data() + text.size()) {
      out.kind = Kind::Float;
      out.number = number;
      return;
    }
  }
  out.kind = Kind::String;
  out.text = text;
}

Node convert(const YAML::Node& in, const std::string& source) {
  Node out;
  out.origin = origin_of(in.Mark(), source);
  switch (in.Type()) {
  case YAML::NodeType::Map:
    out.kind = Kind::Table;
    for (const auto& pair : in) {
      Entry entry;
      entry.key = pair.first.Scalar();
      entry.key_origin = origin_of(pair.first.Mark(), source);
      entry.key_span = static_cast<int>(std::max<size_t>(1, entry.key.size()));
      entry.value = convert(pair.second, source);
      out.entries.push_back(std::move(entry));
    }
    break;
  case YAML::NodeType::Sequence:
    out.kind = Kind::Array;
    for (const auto& item : in) out.items.push_back(convert(item, source));
    break;
  case YAML::NodeType::Scalar:
    scalar(in, out);
    break;
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    out.kind = Kind::Table;  // `key:` with nothing after it: an empty table, as Traefik reads it
    break;
  }
  return out;
}

}  // namespace

Result<Node> parse_yaml_document(std::string_view text, const std::string& source,
                                 const Sources& sources) {
  try {
    const YAML::Node document = YAML::Load(std::string(text));
    if (!document.IsDefined() || document.IsNull()) {
      Node empty;
      empty.origin = Origin{source, 1, 1};
      return empty;
    }
    if (!document.IsMap())
      return sources.error("expected a mapping at the top of the file",
                           origin_of(document.Mark(), source));
    return convert(document, source);
  } catch (const YAML::Exception& e) {
    return sources.error("invalid YAML: " + e.msg, origin_of(e.mark, source));
  }
}

Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& source,
                                               const Sources& sources) {
  try {
    std::vector<Node> out;
    for (const YAML::Node& document : YAML::LoadAll(std::string(text))) {
      if (!document.IsDefined() || document.IsNull()) continue;
      if (!document.IsMap())
        return sources.error("expected a mapping at the top of the document",
                             origin_of(document.Mark(), source));
      out.push_back(convert(document, source));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return sources.error("invalid YAML: " + e.msg, origin_of(e.mark, source));
  }
}

}  // namespace bridge::config::detail
