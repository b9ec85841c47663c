#pragma once
/// Header fields of one message, protocol-neutral: the HTTP/1.1 codec fills them from a head's
/// bytes, the HTTP/2 sessions from HPACK. Names and values are copied into one text buffer the
/// list keeps between messages, so a warm list allocates nothing per field (a node per field
/// and a sorted index was a sixth of the instructions of a proxied request with Beast's).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::http {

/// The field names the proxy looks at, recognised once when a field is added.
enum class Field : uint8_t {
  Other,
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  KeepAlive,
  ProxyConnection,
  ProxyAuthenticate,
  ProxyAuthorization,
  Te,
  Trailer,
  Upgrade,
  Expect,
  ContentType,
  Cookie,
  Http2Settings,
};

inline constexpr size_t field_count = static_cast<size_t>(Field::Http2Settings) + 1;

/// Which known name `name` is (any case), else Field::Other.
Field field_of(std::string_view name);
/// The known name in lower case ("" for Field::Other): field_of(field_name(f)) == f.
std::string_view field_name(Field known);

/// One field as the list holds it.
struct FieldRef {
  std::string_view name;
  std::string_view value;
  Field known = Field::Other;
};

class Fields {
 public:
  class iterator {
   public:
    using value_type = FieldRef;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    iterator(const Fields* fields, size_t at) : fields_(fields), at_(at) {}
    FieldRef operator*() const { return fields_->at(at_); }
    iterator& operator++() {
      ++at_;
      return *this;
    }
    iterator operator++(int) {
      iterator was = *this;
      ++at_;
      return was;
    }
    bool operator==(const iterator& other) const { return at_ == other.at_; }
    size_t index() const { return at_; }

   private:
    const Fields* fields_ = nullptr;
    size_t at_ = 0;
  };

  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, slots_.size()}; }
  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  /// At least the bytes of every name and value in the list together (removed fields may
  /// still count): a bound for a copy of the list.
  size_t text_bytes() const { return used_; }
  FieldRef at(size_t i) const {
    const Slot& s = slots_[i];
    return {std::string_view(text_.data() + s.name_at, s.name_size),
            std::string_view(text_.data() + s.value_at, s.value_size), s.known};
  }

  /// The first value of a field, or "" when there is none.
  std::string_view get(Field known) const;
  std::string_view get(std::string_view name) const;
  /// Whether a field is there (with any value, "" included).
  bool has(Field known) const;
  bool has(std::string_view name) const;
  size_t count(Field known) const;

  /// Appends a field (a copy of both); `known` when the caller already knows it.
  void add(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value, Field known);
  /// Removes every field named `name` (any case).
  void remove(std::string_view name);
  void remove(Field known);
  /// remove + add: the field ends up once, last.
  void set(std::string_view name, std::string_view value) {
    remove(name);
    add(name, value);
  }
  /// Removes the fields for which `pred(FieldRef)` holds, keeping the order of the others.
  template <class Pred>
  void remove_if(Pred pred) {
    ++generation_;
    size_t kept = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (!pred(at(i))) slots_[kept++] = slots_[i];
    }
    slots_.resize(kept);
  }
  /// Empties the list; its memory stays for the next message.
  void clear() {
    ++generation_;
    used_ = 0;
    slots_.clear();
  }
  /// Changes with every change to the list: whoever saw it at one generation can tell later
  /// whether it is still the same list (a recorded head and the one forwarded, say).
  uint32_t generation() const { return generation_; }

 private:
  struct Slot {
    uint32_t name_at;
    uint32_t name_size;
    uint32_t value_at;
    uint32_t value_size;
    Field known;
  };
  // Names and values back to back in text_'s first used_ bytes; the rest is room for more,
  // so that adding a field is one capacity check and two copies (no terminator, no fill).
  std::string text_;
  uint32_t used_ = 0;
  std::vector<Slot> slots_;
  uint32_t generation_ = 0;
};

/// Whether a comma-separated field value (Connection, TE, ...) lists `token` (any case).
bool has_token(std::string_view list, std::string_view token);

}  // namespace bridge::http
