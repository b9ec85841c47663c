#include "config/detail/layer.hpp"
#include "config/detail/toml.hpp"

namespace bridge::config::detail {
namespace {

constexpr std::string_view env_prefix = "BRIDGE_SET_";    // BRIDGE_SET_anything=path=value
constexpr std::string_view env_path_prefix = "BRIDGE__";  // BRIDGE__LIMITS__CONNECT_TIMEOUT=2s

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The name of an existing entry of `array` that `segment` stands for: itself, or one equal to
// it ignoring case once '-' and '.' are read as '_'; else `segment` (a new entry).
std::string entry_name(const Node& tree, const std::string& array, const std::string& segment) {
  auto fold = [](std::string name) {
    for (char& c : name)
      if (c == '-' || c == '.') c = '_';
    return lower(std::move(name));
  };
  const Node* entries = tree.find(array);
  if (entries == nullptr || !entries->is(Kind::Array)) return segment;
  std::string match;
  for (const Node& item : entries->items) {
    const Node* name = item.find("name");
    if (name == nullptr || !name->is(Kind::String)) continue;
    if (name->text == segment) return segment;
    if (match.empty() && fold(name->text) == fold(segment)) match = name->text;
  }
  return match.empty() ? segment : match;
}

// BRIDGE__ROUTES__orders_api__UPSTREAM -> routes.orders-api.upstream; empty when malformed.
std::string env_path(std::string_view name, const Node& tree) {
  std::vector<std::string> segments;
  std::string_view rest = name.substr(env_path_prefix.size());
  for (;;) {
    auto cut = rest.find("__");
    segments.emplace_back(rest.substr(0, cut));
    if (segments.back().empty()) return {};
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + 2);
  }
  std::string path;
  for (size_t i = 0; i < segments.size(); ++i) {
    bool is_name = i == 1 && is_named_array(lower(segments[0]));
    std::string segment =
        is_name ? entry_name(tree, lower(segments[0]), segments[i]) : lower(segments[i]);
    path += (i == 0 ? "" : ".") +
            (segment.find('.') == std::string::npos ? segment : "\"" + segment + "\"");
  }
  return path;
}

// Splits `routes.api.request_headers.set."X.Y"` on dots outside double quotes.
std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> segments(1);
  bool quoted = false;
  for (char c : path) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      segments.emplace_back();
    } else {
      segments.back() += c;
    }
  }
  if (quoted) return std::nullopt;
  for (const auto& s : segments)
    if (s.empty()) return std::nullopt;
  return segments;
}

Node table_at(const Origin& origin) {
  Node table;
  table.origin = origin;
  return table;
}

// Wraps `value` in tables for each segment from `first` on: {a = {b = value}}.
Node nest(const std::vector<std::string>& segments, size_t first, Node value,
          const Origin& origin) {
  for (size_t i = segments.size(); i-- > first;) {
    Node table = table_at(origin);
    table.entries.push_back(Entry{segments[i], origin, 1, std::move(value)});
    value = std::move(table);
  }
  return value;
}

}  // namespace

std::vector<Override> collect_overrides(const LoadOptions& options, const Node& tree) {
  std::vector<Override> out;
  if (options.use_environment)
    for (auto& [name, value] : environment_of(options)) {
      if (name.starts_with(env_prefix) && name.size() > env_prefix.size())
        out.push_back(Override{value, Origin{"env:" + name, 0, 0}});
      if (name.starts_with(env_path_prefix) && name.size() > env_path_prefix.size())
        out.push_back(Override{env_path(name, tree) + "=" + value, Origin{"env:" + name, 0, 0}});
    }
  for (const auto& text : options.overrides) out.push_back(Override{text, Origin{"--set", 0, 0}});
  return out;
}

Result<Node> override_document(const Override& setting, const Sources& sources) {
  const Origin& origin = setting.origin;
  std::string flag = origin.source == "--set" ? "--set" : origin.source;
  if (origin.source.starts_with("env:") && setting.text.starts_with('='))
    return sources.error(flag + ": not a config path: segments are separated by two "
                                "underscores and none may be empty",
                         origin, 1,
                         "e.g. BRIDGE__LIMITS__CONNECT_TIMEOUT=2s or "
                         "BRIDGE__ROUTES__orders_api__UPSTREAM=http://127.0.0.1:3000");
  auto eq = setting.text.find('=');
  auto segments = split_path(std::string_view(setting.text).substr(0, eq));
  if (eq == std::string::npos || !segments)
    return sources.error(flag + " \"" + setting.text + "\": expected path=value", origin, 1,
                         "e.g. --set bridge.workers=2 or --set routes.web.upstream=http://"
                         "127.0.0.1:3000");
  std::string_view text = std::string_view(setting.text).substr(eq + 1);
  // A TOML value when it parses as one (2, true, ["w3c", "b3"]), else the plain string.
  Node value;
  if (auto parsed = parse_value(text)) {
    value = std::move(*parsed);
  } else {
    value.kind = Kind::String;
    value.text = std::string(text);
  }
  stamp(value, origin);

  const auto& path = *segments;
  Node document = table_at(origin);
  if (is_named_array(path[0])) {
    if (path.size() < 3)
      return sources.error(flag + " \"" + setting.text + "\": name a field of the entry", origin, 1,
                           "e.g. --set " + path[0] + "." + (path.size() > 1 ? path[1] : "NAME") +
                               ".enabled=false");
    Node entry = nest(path, 2, std::move(value), origin);
    Node name;
    name.kind = Kind::String;
    name.text = path[1];
    name.origin = origin;
    entry.entries.insert(entry.entries.begin(), Entry{"name", origin, 1, std::move(name)});
    Node array = table_at(origin);
    array.kind = Kind::Array;
    array.items.push_back(std::move(entry));
    document.entries.push_back(Entry{path[0], origin, 1, std::move(array)});
  } else {
    document = nest(path, 0, std::move(value), origin);
  }
  return document;
}

}  // namespace bridge::config::detail
