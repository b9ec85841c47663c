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

// yaml-cpp 0.7's LoadAll never returns on some malformed streams (a "," where a document
// starts: the fuzzer found it), so each document between "---" (or "...") lines is parsed on
// its own, after as many empty lines as precede it so that its marks are the file's.
Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& source,
                                               const Sources& sources) {
  std::vector<Node> out;
  size_t start = 0, start_line = 0;
  auto parse = [&](size_t end) -> Result<void> {
    std::string piece(start_line, '\n');
    piece.append(text.substr(start, end - start));
    auto document = parse_yaml_document(piece, source, sources);
    BRIDGE_TRY(document);
    if (!document->entries.empty()) out.push_back(std::move(*document));
    return {};
  };
  size_t line = 0;
  for (size_t pos = 0; pos < text.size(); ++line) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view l = text.substr(pos, eol - pos);
    const bool end = l.starts_with("...");
    if ((l.starts_with("---") || end) &&
        (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r')) {
      if (pos != start) BRIDGE_TRY(parse(pos));
      start = end ? std::min(text.size(), eol + 1) : pos;  // "..." ends one; "---" starts one
      start_line = end ? line + 1 : line;
    }
    pos = eol + 1;
  }
  if (start < text.size()) BRIDGE_TRY(parse(text.size()));
  return out;
}

}  // namespace bridge::config::detail
