#include "config/detail/decode.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

namespace bridge::config::detail {

Result<void> Decoder::result() const {
  if (first_) return *first_;
  return {};
}

Reader::Reader(Decoder& decoder, const Node& table, std::string path, const std::string& context,
               std::initializer_list<std::string_view> keys)
    : decoder_(decoder), table_(table), path_(std::move(path)) {
  std::vector<std::string> known(keys.begin(), keys.end());
  for (const Entry& e : table.entries) {
    if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
    decoder_.fail(decoder_.sources().error("unknown key \"" + e.key + "\" in " + context,
                                           e.key_origin, e.key_span,
                                           suggest(e.key, known, "known keys: " + join(known))));
    return;
  }
}

std::string Reader::path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool Reader::expect(std::string_view key, const Node& value, Kind kind, std::string_view expected) {
  if (value.is(kind)) return true;
  decoder_.fail(path(key) + ": expected " + std::string(expected) + ", got " +
                    std::string(kind_name(value.kind)),
                value);
  return false;
}

void Reader::string(std::string_view key, std::string& out) {
  if (const Node* v = get(key); v && expect(key, *v, Kind::String, "a string")) out = v->text;
}

void Reader::file(std::string_view key, std::string& out) {
  const Node* v = get(key);
  if (v == nullptr || !expect(key, *v, Kind::String, "a string")) return;
  out = v->text;
  const std::string& source = v->origin.source;
  bool from_file = v->origin.has_position() && !source.starts_with("<");
  if (out.empty() || out.front() == '/' || !from_file) return;
  std::filesystem::path dir = std::filesystem::path(source).parent_path();
  if (!dir.empty()) out = (dir / out).lexically_normal().string();
}

void Reader::boolean(std::string_view key, bool& out) {
  if (const Node* v = get(key); v && expect(key, *v, Kind::Boolean, "a boolean")) out = v->boolean;
}

void Reader::integer(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  const Node* v = get(key);
  if (!v || !expect(key, *v, Kind::Integer, "an integer")) return;
  if (v->integer < min || v->integer > max) {
    decoder_.fail(path(key) + ": " + std::to_string(v->integer) + " is out of range (" +
                      std::to_string(min) + ".." + std::to_string(max) + ")",
                  *v);
    return;
  }
  out = v->integer;
}

void Reader::integer(std::string_view key, int& out, int64_t min, int64_t max) {
  int64_t value = out;
  integer(key, value, min, std::min<int64_t>(max, std::numeric_limits<int>::max()));
  out = static_cast<int>(value);
}

void Reader::integer(std::string_view key, uint64_t& out, int64_t min, int64_t max) {
  auto value = static_cast<int64_t>(out);
  integer(key, value, std::max<int64_t>(min, 0), max);
  out = static_cast<uint64_t>(value);
}

void Reader::duration(std::string_view key, Duration& out, bool positive) {
  const Node* v = get(key);
  if (!v) return;
  if (!v->is(Kind::String)) {
    decoder_.fail(path(key) + ": expected a duration string like \"30s\", got " +
                      std::string(kind_name(v->kind)),
                  *v, "write \"5s\" or \"250ms\"");
    return;
  }
  auto parsed = parse_duration(v->text);
  if (!parsed) {
    decoder_.fail(path(key) + ": " + parsed.error().message, *v, parsed.error().hint);
  } else if (positive && parsed->count() == 0) {
    decoder_.fail(path(key) + ": must be more than 0", *v, "e.g. \"30s\"");
  } else {
    out = *parsed;
  }
}

void Reader::size(std::string_view key, uint64_t& out) {
  const Node* v = get(key);
  if (!v) return;
  if (v->is(Kind::Integer)) return integer(key, out, 0, std::numeric_limits<int64_t>::max());
  if (!v->is(Kind::String)) {
    decoder_.fail(path(key) + ": expected a size like \"64KiB\" or an integer, got " +
                      std::string(kind_name(v->kind)),
                  *v);
    return;
  }
  auto parsed = parse_size(v->text);
  if (!parsed)
    return decoder_.fail(path(key) + ": " + parsed.error().message, *v, parsed.error().hint);
  out = *parsed;
}

void Reader::size(std::string_view key, std::optional<uint64_t>& out) {
  if (!get(key)) return;
  uint64_t value = 0;
  bool was_ok = !decoder_.failed();
  size(key, value);
  if (was_ok && !decoder_.failed()) out = value;
}

bool Reader::check_choice(std::string_view key, const Node& value,
                          std::span<const std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value.text) != allowed.end()) return true;
  std::vector<std::string> names(allowed.begin(), allowed.end());
  decoder_.fail(path(key) + ": expected one of " + join(names) + ", got \"" + value.text + "\"",
                value, suggest(value.text, names));
  return false;
}

void Reader::choice(std::string_view key, std::string& out,
                    std::span<const std::string_view> allowed) {
  const Node* v = get(key);
  if (v && expect(key, *v, Kind::String, "a string") && check_choice(key, *v, allowed))
    out = v->text;
}

void Reader::strings(std::string_view key, std::vector<std::string>& out,
                     std::span<const std::string_view> allowed) {
  const Node* v = get(key);
  if (v != nullptr && v->is(Kind::String)) {
    // The usual slip on the command line: a bare value where TOML wants an array.
    bool flag = v->origin.source == "--set";
    std::string example = "[\"" + v->text + "\"]";
    decoder_.fail(path(key) + ": expected an array of strings, got a string", *v,
                  flag ? "write it as a TOML array: --set '" + path(key) + "=" + example + "'"
                       : "write it as an array: " + std::string(key) + " = " + example);
    return;
  }
  if (!v || !expect(key, *v, Kind::Array, "an array of strings")) return;
  std::vector<std::string> values;
  for (size_t i = 0; i < v->items.size(); ++i) {
    const Node& item = v->items[i];
    std::string at = std::string(key) + "[" + std::to_string(i) + "]";
    if (!expect(at, item, Kind::String, "a string")) return;
    if (!allowed.empty() && !check_choice(key, item, allowed)) return;
    values.push_back(item.text);
  }
  out = std::move(values);
}

const Node* Reader::table(std::string_view key) {
  const Node* v = get(key);
  if (!v || !expect(key, *v, Kind::Table, "a table")) return nullptr;
  return v;
}

bool Reader::require(std::string_view key, const std::string& owner, std::string hint) {
  if (get(key)) return true;
  decoder_.fail(owner + ": missing \"" + std::string(key) + "\"", table_, std::move(hint));
  return false;
}

}  // namespace bridge::config::detail
