#include "config/keys.hpp"

#include "config/detail/keys.hpp"

#include <algorithm>
#include <unordered_map>

namespace bridge::config {
namespace {

// "a.b[].c" -> {"a", "b[]", "c"}
std::vector<std::string_view> segments(std::string_view key) {
  std::vector<std::string_view> out;
  while (!key.empty()) {
    size_t dot = key.find('.');
    out.push_back(key.substr(0, dot));
    if (dot == std::string_view::npos) break;
    key.remove_prefix(dot + 1);
  }
  return out;
}

std::string_view bare(std::string_view segment) {
  return segment.ends_with("[]") ? segment.substr(0, segment.size() - 2) : segment;
}

// A segment the user wrote matches the table's when equal without `[]`, or when the table's
// is NAME (a name the user picks).
bool segment_matches(std::string_view written, std::string_view table) {
  return bare(written) == bare(table) || table == "NAME";
}

}  // namespace

std::string_view type_name(KeyType type) {
  switch (type) {
  case KeyType::String:
    return "string";
  case KeyType::Path:
    return "string (path)";
  case KeyType::Bool:
    return "bool";
  case KeyType::Integer:
    return "integer";
  case KeyType::Duration:
    return "duration";
  case KeyType::Seconds:
    return "duration or integer (seconds)";
  case KeyType::Size:
    return "size";
  case KeyType::Strings:
    return "array of strings";
  case KeyType::Integers:
    return "array of integers";
  case KeyType::Table:
    return "table";
  case KeyType::Map:
    return "table of strings";
  case KeyType::IntegerMap:
    return "table of integers";
  case KeyType::Tables:
    return "array of tables";
  }
  return "?";
}

std::span<const KeyInfo> config_keys() {
  static const std::vector<KeyInfo> all = [] {
    std::vector<KeyInfo> keys;
    for (auto part : {detail::profile_keys(), detail::middleware_keys()})
      keys.insert(keys.end(), part.begin(), part.end());
    return keys;
  }();
  return all;
}

namespace {

// Indexes built once: the decoder asks for every key it reads and every table it opens.
struct Index {
  std::unordered_map<std::string_view, const KeyInfo*> by_key;
  std::unordered_map<std::string_view, std::vector<std::string>> inside;  // table -> names

  Index() {
    for (const KeyInfo& k : config_keys()) {
      by_key.emplace(k.key, &k);
      const size_t dot = k.key.rfind('.');
      std::string_view table = dot == std::string_view::npos ? "" : k.key.substr(0, dot);
      std::string name(bare(dot == std::string_view::npos ? k.key : k.key.substr(dot + 1)));
      auto& names = inside[table];
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
};

const Index& index() {
  static const Index built;
  return built;
}

}  // namespace

const KeyInfo* find_key(std::string_view key) {
  auto it = index().by_key.find(key);
  return it != index().by_key.end() ? it->second : nullptr;
}

std::vector<std::string> keys_inside(std::string_view table) {
  auto it = index().inside.find(table);
  return it != index().inside.end() ? it->second : std::vector<std::string>{};
}

std::vector<const KeyInfo*> keys_matching(std::string_view prefix) {
  std::vector<std::string_view> wanted = segments(prefix);
  std::vector<const KeyInfo*> out;
  for (const KeyInfo& k : config_keys()) {
    std::vector<std::string_view> have = segments(k.key);
    if (have.size() < wanted.size()) continue;
    if (std::equal(wanted.begin(), wanted.end(), have.begin(), segment_matches)) out.push_back(&k);
  }
  return out;
}

std::string describe_key(const KeyInfo& info) {
  std::string text = std::string(info.key) + " (" + std::string(type_name(info.type));
  if (info.default_value == "required")
    text += ", required";
  else if (!info.default_value.empty())
    text += ", default " + std::string(info.default_value);
  text += "): " + std::string(info.meaning);
  if (!info.allowed.empty() && info.meaning.find(info.allowed) == std::string_view::npos)
    text += " (" + std::string(info.allowed) + ")";
  return text;
}

}  // namespace bridge::config
