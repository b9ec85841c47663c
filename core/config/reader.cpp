#include "config/detail/decode.hpp"
#include "config/keys.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

namespace bridge::config::detail {

Result<void> Decoder::result() const {
  if (first_) return *first_;
  return {};
}

namespace {

// Which reads agree with which types of the key table.
bool agrees(KeyRead read, KeyType type) {
  switch (read) {
  case KeyRead::Raw:
    return true;
  case KeyRead::String:
    return type == KeyType::String;
  case KeyRead::Path:
    return type == KeyType::Path;
  case KeyRead::Bool:
    return type == KeyType::Bool;
  case KeyRead::Integer:
    return type == KeyType::Integer || type == KeyType::Seconds;
  case KeyRead::Duration:
    return type == KeyType::Duration || type == KeyType::Seconds;
  case KeyRead::Size:
    return type == KeyType::Size;
  case KeyRead::Strings:
    return type == KeyType::Strings;
  case KeyRead::Table:
    return type == KeyType::Table || type == KeyType::Map || type == KeyType::IntegerMap ||
           type == KeyType::Tables;
  }
  return false;
}

std::string range(int64_t min, int64_t max) {
  return std::to_string(min) + ".." + std::to_string(max);
}

std::string schema_of(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
}

}  // namespace

void Decoder::audit(const std::string& key, KeyRead read, std::string_view allowed,
                    const Node& at) {
  const KeyInfo* info = find_key(key);
  std::string why;
  if (info == nullptr)
    why = "the key table has no " + key;
  else if (!agrees(read, info->type))
    why =
        key + " is read as another type than the key table's " + std::string(type_name(info->type));
  // A Seconds key's allowed range is its integer read's; its duration read has none.
  else if (read != KeyRead::Raw && info->allowed != allowed &&
           !(read == KeyRead::Duration && info->type == KeyType::Seconds))
    why = key + " allows " + detail::quoted(std::string(allowed)) + ", the key table says " +
          detail::quoted(std::string(info->allowed));
  if (audit_ != nullptr) {
    audit_->read.insert(key);
    if (!why.empty()) audit_->disagreements.push_back(why);
  }
  if (!why.empty()) fail("internal error: " + why, at, "this is a bug in bridge: please report it");
}

Reader::Reader(Decoder& decoder, const Node& table, std::string path, const std::string& context,
               std::string schema)
    : decoder_(decoder), table_(table), path_(std::move(path)), schema_(std::move(schema)) {
  std::vector<std::string> known = keys_inside(schema_);
  for (const Entry& e : table.entries) {
    if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
    Error error =
        decoder_.sources().error("unknown key \"" + e.key + "\" in " + context, e.key_origin,
                                 e.key_span, suggest(e.key, known, "known keys: " + join(known)));
    if (std::string near = nearest(e.key, known); !near.empty())
      if (const KeyInfo* info = find_key(schema_of(schema_, near)))
        error.note = describe_key(*info);
    decoder_.fail(std::move(error));
    return;
  }
}

Reader::Reader(Reader& parent, std::string_view key, const Node& table, std::string path)
    : Reader(parent.decoder_, table, path.empty() ? parent.path(key) : path,
             path.empty() ? parent.path(key) : path, schema_of(parent.schema_, key)) {}

void Reader::audit(std::string_view key, KeyRead read, std::string_view allowed) const {
  decoder_.audit(schema_of(schema_, key), read, allowed, table_);
}

const Node* Reader::get(std::string_view key) const {
  audit(key, KeyRead::Raw);
  return table_.find(key);
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
  audit(key, KeyRead::String);
  if (const Node* v = table_.find(key); v && expect(key, *v, Kind::String, "a string"))
    out = v->text;
}

void Reader::file(std::string_view key, std::string& out) {
  audit(key, KeyRead::Path);
  const Node* v = table_.find(key);
  if (v == nullptr || !expect(key, *v, Kind::String, "a string")) return;
  out = v->text;
  const std::string& source = v->origin.source;
  bool from_file = v->origin.has_position() && !source.starts_with("<");
  if (out.empty() || out.front() == '/' || !from_file) return;
  std::filesystem::path dir = std::filesystem::path(source).parent_path();
  if (!dir.empty()) out = (dir / out).lexically_normal().string();
}

void Reader::boolean(std::string_view key, bool& out) {
  audit(key, KeyRead::Bool);
  if (const Node* v = table_.find(key); v && expect(key, *v, Kind::Boolean, "a boolean"))
    out = v->boolean;
}

void Reader::integer(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  audit(key, KeyRead::Integer, range(min, max));
  read_integer(key, out, min, max);
}

void Reader::read_integer(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  const Node* v = table_.find(key);
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
  audit(key, KeyRead::Duration);
  const Node* v = table_.find(key);
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
  audit(key, KeyRead::Size);
  const Node* v = table_.find(key);
  if (!v) return;
  if (v->is(Kind::Integer)) {
    auto value = static_cast<int64_t>(out);
    read_integer(key, value, 0, std::numeric_limits<int64_t>::max());
    out = static_cast<uint64_t>(value);
    return;
  }
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
  audit(key, KeyRead::Size);
  if (!table_.find(key)) return;
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
  audit(key, KeyRead::String, join(allowed));
  const Node* v = table_.find(key);
  if (v && expect(key, *v, Kind::String, "a string") && check_choice(key, *v, allowed))
    out = v->text;
}

void Reader::strings(std::string_view key, std::vector<std::string>& out,
                     std::span<const std::string_view> allowed) {
  audit(key, KeyRead::Strings, join(allowed));
  const Node* v = table_.find(key);
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
  audit(key, KeyRead::Table);
  const Node* v = table_.find(key);
  if (!v || !expect(key, *v, Kind::Table, "a table")) return nullptr;
  return v;
}

bool Reader::require(std::string_view key, const std::string& owner, std::string hint) {
  if (get(key)) return true;
  decoder_.fail(owner + ": missing \"" + std::string(key) + "\"", table_, std::move(hint));
  return false;
}

}  // namespace bridge::config::detail
