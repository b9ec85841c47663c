#include "proxy/detail/head_edit.hpp"

#include "proxy/rewrite.hpp"

#include <algorithm>
#include <utility>

namespace bridge::proxy {

void HeadEdit::reset(const Fields& parsed) {
  parsed_ = &parsed;
  dropped_.assign(parsed.size(), 0);
  added_.clear();
  owned_.clear();
  target_.clear();
  has_target_ = false;
  version_ = 0;
  chunked_ = false;
}

namespace {
bool is_hop_by_hop(Field name) {
  switch (name) {
  case Field::Connection:
  case Field::KeepAlive:
  case Field::ProxyConnection:
  case Field::ProxyAuthenticate:
  case Field::ProxyAuthorization:
  case Field::Te:
  case Field::Trailer:
  case Field::TransferEncoding:
  case Field::Upgrade:
    return true;
  default:
    return false;
  }
}
}  // namespace

void HeadEdit::drop_hop_by_hop(std::string_view connection, bool keep_upgrade) {
  drop_if([&](const FieldRef& f) {
    // Framing fields and Host stay even when a client lists them in Connection: dropping
    // Host would send the request to the upstream's default site.
    if (f.known == Field::TransferEncoding || f.known == Field::ContentLength ||
        f.known == Field::Host) {
      return false;
    }
    if (keep_upgrade && (f.known == Field::Upgrade || f.known == Field::Connection)) {
      return false;
    }
    return is_hop_by_hop(f.known) ||
           (!connection.empty() && bridge::http::has_token(connection, f.name));
  });
}

void HeadEdit::remove(std::string_view name) {
  drop_if([&](const FieldRef& f) { return iequals(f.name, name); });
  std::erase_if(added_, [&](const Added& a) { return iequals(a.name, name); });
}

void HeadEdit::remove_all(std::span<const std::string_view> names) {
  auto named = [&](std::string_view name) {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return iequals(name, n); });
  };
  drop_if([&](const FieldRef& f) { return named(f.name); });
  std::erase_if(added_, [&](const Added& a) { return named(a.name); });
}

void HeadEdit::add(std::string_view name, std::string_view value) {
  added_.push_back({name, value});
}

void HeadEdit::add_copy(std::string_view name, std::initializer_list<std::string_view> pieces) {
  const size_t at = owned_.size();
  for (std::string_view piece : pieces) owned_.append(piece);
  added_.push_back({name, {}, at, owned_.size() - at});
}

void HeadEdit::apply_fields(Fields& fields) {
  // Added values may point into the fields' own text, which adding to them may move: copy
  // them out first.
  std::vector<std::pair<std::string, std::string>> added;
  added.reserve(added_.size());
  for (const auto& a : added_) added.emplace_back(a.name, value_of(a));
  size_t i = 0;
  fields.remove_if([&](const FieldRef&) {
    const bool drop = i < dropped_.size() && dropped_[i] != 0;
    ++i;
    return drop;
  });
  for (const auto& [name, value] : added) fields.add(name, value);
}

void HeadEdit::apply(RequestHead& head) {
  apply_fields(head.fields);
  if (has_target_) head.target = target_;
  if (version_ != 0) head.version = version_;
  reset(head.fields);
}

void HeadEdit::apply(ResponseHead& head) {
  apply_fields(head.fields);
  if (version_ != 0) head.version = version_;
  reset(head.fields);
}

}  // namespace bridge::proxy
