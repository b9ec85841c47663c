#include "proxy/detail/head_edit.hpp"

#include "proxy/rewrite.hpp"

#include <algorithm>
#include <utility>

namespace bridge::proxy {

void HeadEdit::reset(const http::fields& parsed) {
  parsed_ = &parsed;
  dropped_.assign(static_cast<size_t>(std::distance(parsed.begin(), parsed.end())), 0);
  added_.clear();
  owned_.clear();
  target_.clear();
  has_target_ = false;
  version_ = 0;
  chunked_ = false;
}

namespace {
// Every connection-specific field has a Beast field code: a switch, not nine string compares.
bool is_hop_by_hop(http::field name) {
  switch (name) {
  case http::field::connection:
  case http::field::keep_alive:
  case http::field::proxy_connection:
  case http::field::proxy_authenticate:
  case http::field::proxy_authorization:
  case http::field::te:
  case http::field::trailer:
  case http::field::transfer_encoding:
  case http::field::upgrade:
    return true;
  default:
    return false;
  }
}
}  // namespace

void HeadEdit::drop_hop_by_hop(std::string_view connection, bool keep_upgrade) {
  drop_if([&](const auto& f) {
    const http::field known = f.name();
    // Framing fields and Host stay even when a client lists them in Connection: dropping
    // Host would send the request to the upstream's default site.
    if (known == http::field::transfer_encoding || known == http::field::content_length ||
        known == http::field::host) {
      return false;
    }
    if (keep_upgrade && (known == http::field::upgrade || known == http::field::connection)) {
      return false;
    }
    return is_hop_by_hop(known) ||
           (!connection.empty() && connection_has_token(connection, f.name_string()));
  });
}

void HeadEdit::remove(std::string_view name) {
  drop_if([&](const auto& f) { return iequals(f.name_string(), name); });
  std::erase_if(added_, [&](const Added& a) { return iequals(a.name, name); });
}

void HeadEdit::add(std::string_view name, std::string_view value) {
  added_.push_back({name, value});
}

void HeadEdit::add_copy(std::string_view name, std::initializer_list<std::string_view> pieces) {
  const size_t at = owned_.size();
  for (std::string_view piece : pieces) owned_.append(piece);
  added_.push_back({name, {}, at, owned_.size() - at});
}

void HeadEdit::apply_fields(http::fields& fields) {
  // Added values may point into fields about to be erased: copy them out first.
  std::vector<std::pair<std::string, std::string>> added;
  added.reserve(added_.size());
  for (const auto& a : added_) added.emplace_back(a.name, value_of(a));
  size_t i = 0;
  for (auto it = fields.begin(); it != fields.end(); ++i) {
    if (i < dropped_.size() && dropped_[i] != 0)
      it = fields.erase(it);
    else
      ++it;
  }
  for (const auto& [name, value] : added) fields.insert(name, value);
}

void HeadEdit::apply(http::request_header<>& head) {
  apply_fields(head);
  if (has_target_) head.target(target_);
  if (version_ != 0) head.version(version_);
  reset(head);
}

void HeadEdit::apply(http::response_header<>& head) {
  apply_fields(head);
  if (version_ != 0) head.version(version_);
  reset(head);
}

}  // namespace bridge::proxy
