#pragma once
// The head bridge sends on, described as edits to the head it parsed: which parsed fields go,
// which fields are appended, and a new target or version. The outgoing head is written
// straight from the parsed fields plus the edits, so the parsed head is never rewritten per
// request. Where a consumer needs real fields (a breakpoint that shows and edits them, the
// echo upstream), `apply` turns the edits into changes to the parsed head.

#include "http/message.hpp"

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::proxy {

// The protocol-neutral heads of core/http, by their short names.
using bridge::http::Field;
using bridge::http::FieldRef;
using bridge::http::Fields;
using bridge::http::Method;
using bridge::http::RequestHead;
using bridge::http::ResponseHead;

class HeadEdit {
 public:
  /// Starts over for `parsed`, which must outlive the edits. Capacity is kept: one HeadEdit
  /// serves every request on a connection without allocating again.
  void reset(const Fields& parsed);

  /// Drops every parsed field for which `pred(field)` holds.
  template <class Pred>
  void drop_if(Pred pred) {
    for (size_t i = 0; i < parsed_->size(); ++i) {
      if (pred(parsed_->at(i))) dropped_[i] = 1;
    }
  }
  /// Drops the connection-specific fields (RFC 9110 7.6.1) and those `connection` (the parsed
  /// Connection value) lists. Content-Length and Transfer-Encoding stay: the body is relayed
  /// as it was framed. `keep_upgrade` keeps Upgrade and Connection (a 101 switching protocols).
  void drop_hop_by_hop(std::string_view connection, bool keep_upgrade = false);
  /// Drops the parsed fields and the earlier additions named `name` (any case).
  void remove(std::string_view name);
  /// remove for each of `names`, in one pass over the fields.
  void remove_all(std::span<const std::string_view> names);
  /// Appends a field; both views must outlive the edit (config, the record, the parsed head).
  void add(std::string_view name, std::string_view value);
  /// Appends a field whose value, the pieces joined, the edit keeps a copy of.
  void add_copy(std::string_view name, std::initializer_list<std::string_view> pieces);
  /// remove + add: the field ends up once, after the parsed ones.
  void set(std::string_view name, std::string_view value) {
    remove(name);
    add(name, value);
  }
  void set_copy(std::string_view name, std::initializer_list<std::string_view> pieces) {
    remove(name);
    add_copy(name, pieces);
  }
  void set_target(std::string_view target) {
    target_.assign(target);
    has_target_ = true;
  }
  void set_version(unsigned version) { version_ = version; }
  /// Declares the body chunked (an upstream body delimited by closing, re-framed).
  void make_chunked() {
    add("Transfer-Encoding", "chunked");
    chunked_ = true;
  }

  std::string_view target(std::string_view parsed) const {
    return has_target_ ? std::string_view(target_) : parsed;
  }
  unsigned version(unsigned parsed) const { return version_ != 0 ? version_ : parsed; }
  bool chunked() const { return chunked_; }

  /// Calls `fn(name, value)` for every outgoing field, in the order they are sent.
  template <class Fn>
  void for_each(const Fields& parsed, Fn fn) const {
    for_each_field(parsed, [&](const FieldRef& f) { fn(f.name, f.value); });
  }
  /// for_each with the parsed fields' known names (added fields are Field::Other).
  template <class Fn>
  void for_each_field(const Fields& parsed, Fn fn) const {
    for (size_t i = 0; i < parsed.size(); ++i) {
      if (i >= dropped_.size() || dropped_[i] == 0) fn(parsed.at(i));
    }
    for (const auto& a : added_) fn(FieldRef{a.name, value_of(a), Field::Other});
  }
  /// The fields the edits are to (reset's), and their change: `fn(index)` for each dropped
  /// parsed field in order, `fn(name, value)` for each added one. for_each is both together.
  const Fields* parsed() const { return parsed_; }
  template <class Fn>
  void for_each_dropped(Fn fn) const {
    for (size_t i = 0; i < dropped_.size(); ++i) {
      if (dropped_[i] != 0) fn(i);
    }
  }
  template <class Fn>
  void for_each_added(Fn fn) const {
    for (const auto& a : added_) fn(a.name, value_of(a));
  }

  /// Makes the edits on the parsed head itself, then starts over with no edits.
  void apply(RequestHead& head);
  void apply(ResponseHead& head);

 private:
  struct Added {
    std::string_view name;
    std::string_view value;  // when borrowed
    size_t owned_at = npos;  // else the value's offset in owned_
    size_t owned_size = 0;
  };
  static constexpr size_t npos = static_cast<size_t>(-1);
  std::string_view value_of(const Added& a) const {
    return a.owned_at == npos ? a.value : std::string_view(owned_).substr(a.owned_at, a.owned_size);
  }
  void apply_fields(Fields& fields);

  const Fields* parsed_ = nullptr;
  std::vector<unsigned char> dropped_;  // one flag per parsed field, in list order
  std::vector<Added> added_;
  std::string owned_;
  std::string target_;
  bool has_target_ = false;
  unsigned version_ = 0;
  bool chunked_ = false;
};

}  // namespace bridge::proxy
