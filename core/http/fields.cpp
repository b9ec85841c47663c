#include "http/fields.hpp"

#include "common/copy.hpp"
#include "common/text.hpp"

#include <algorithm>

namespace bridge::http {

namespace {

// `name` against a known name in lower case, of the same length: a letter matches in either
// case (its case bit set), anything else exactly. Half the work of iequals, which lowers
// both sides.
bool is_name(std::string_view name, std::string_view lower_known) {
  for (size_t i = 0; i < name.size(); ++i) {
    const char k = lower_known[i];
    const char c = k >= 'a' ? static_cast<char>(name[i] | 0x20) : name[i];
    if (c != k) return false;
  }
  return true;
}

}  // namespace

Field field_of(std::string_view name) {
  // Most names are none of these: the length alone rules them out before any comparison.
  switch (name.size()) {
  case 2:
    return is_name(name, "te") ? Field::Te : Field::Other;
  case 4:
    return is_name(name, "host") ? Field::Host : Field::Other;
  case 6:
    if (is_name(name, "expect")) return Field::Expect;
    return is_name(name, "cookie") ? Field::Cookie : Field::Other;
  case 7:
    if (is_name(name, "upgrade")) return Field::Upgrade;
    return is_name(name, "trailer") ? Field::Trailer : Field::Other;
  case 10:
    if (is_name(name, "connection")) return Field::Connection;
    return is_name(name, "keep-alive") ? Field::KeepAlive : Field::Other;
  case 12:
    return is_name(name, "content-type") ? Field::ContentType : Field::Other;
  case 14:
    if (is_name(name, "content-length")) return Field::ContentLength;
    return is_name(name, "http2-settings") ? Field::Http2Settings : Field::Other;
  case 16:
    return is_name(name, "proxy-connection") ? Field::ProxyConnection : Field::Other;
  case 17:
    return is_name(name, "transfer-encoding") ? Field::TransferEncoding : Field::Other;
  case 18:
    return is_name(name, "proxy-authenticate") ? Field::ProxyAuthenticate : Field::Other;
  case 19:
    return is_name(name, "proxy-authorization") ? Field::ProxyAuthorization : Field::Other;
  default:
    return Field::Other;
  }
}

std::string_view field_name(Field known) {
  // field_count ends at Http2Settings: a name added to Field after it moves field_count too.
  static constexpr std::string_view names[field_count] = {"",
                                                          "host",
                                                          "content-length",
                                                          "transfer-encoding",
                                                          "connection",
                                                          "keep-alive",
                                                          "proxy-connection",
                                                          "proxy-authenticate",
                                                          "proxy-authorization",
                                                          "te",
                                                          "trailer",
                                                          "upgrade",
                                                          "expect",
                                                          "content-type",
                                                          "cookie",
                                                          "http2-settings"};
  return names[static_cast<size_t>(known)];
}

std::string_view Fields::get(Field known) const {
  for (const Slot& s : slots_) {
    if (s.known == known) return std::string_view(text_.data() + s.value_at, s.value_size);
  }
  return {};
}

std::string_view Fields::get(std::string_view name) const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    FieldRef f = at(i);
    if (iequals(f.name, name)) return f.value;
  }
  return {};
}

bool Fields::has(Field known) const {
  return std::any_of(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.known == known; });
}

bool Fields::has(std::string_view name) const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (iequals(at(i).name, name)) return true;
  }
  return false;
}

size_t Fields::count(Field known) const {
  return static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.known == known; }));
}

void Fields::add(std::string_view name, std::string_view value) {
  add(name, value, field_of(name));
}

void Fields::add(std::string_view name, std::string_view value, Field known) {
  ++generation_;
  const size_t needed = used_ + name.size() + value.size();
  if (needed > text_.size()) text_.resize(std::max({needed, text_.size() * 2, size_t{512}}));
  const uint32_t name_at = used_;
  const auto value_at = static_cast<uint32_t>(name_at + name.size());
  copy_bytes(copy_bytes(text_.data() + name_at, name), value);
  used_ = static_cast<uint32_t>(needed);
  slots_.push_back({name_at, static_cast<uint32_t>(name.size()), value_at,
                    static_cast<uint32_t>(value.size()), known});
}

void Fields::remove(std::string_view name) {
  const Field known = field_of(name);
  if (known != Field::Other) {
    remove(known);
    return;
  }
  remove_if([&](const FieldRef& f) { return iequals(f.name, name); });
}

void Fields::remove(Field known) {
  ++generation_;
  std::erase_if(slots_, [&](const Slot& s) { return s.known == known; });
}

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace bridge::http
