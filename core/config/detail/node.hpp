#pragma once
/// The provenance tree: TOML values that remember where they were written. toml++ drops
/// source regions when nodes are copied or merged, so layering works on this tree instead.

#include "common/error.hpp"
#include "common/text.hpp"  // join, used with every "known keys: ..." hint

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

/// `s` in double quotes, as messages name a key or value. Call it qualified (detail::quoted)
/// where the argument is a std::string: std::quoted would win by argument-dependent lookup.
inline std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

enum class Kind { Table, Array, String, Integer, Float, Boolean, DateTime };

struct Entry;

struct Node {
  Kind kind = Kind::Table;
  std::string text;  // String: the value; DateTime: its TOML rendering
  int64_t integer = 0;
  double number = 0;
  bool boolean = false;
  std::vector<Entry> entries;  // Table, in document order
  std::vector<Node> items;     // Array
  Origin origin;               // where the value starts (the opening quote of a string)
  int span = 1;                // characters of the value on its first line

  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  bool is(Kind k) const { return kind == k; }
};

struct Entry {
  std::string key;
  Origin key_origin;
  int key_span = 1;
  Node value;
};

/// "a string", "an integer", ... for "expected X, got Y" messages.
std::string_view kind_name(Kind kind);

/// Renders a value as TOML: strings quoted and escaped, arrays as `["a", "b"]`.
std::string render(const Node& node);
/// A TOML basic string: "a \"b\"".
std::string render_string(std::string_view text);
/// A key as it would be written in TOML: bare when possible, else quoted.
std::string render_key(std::string_view key);
/// Gives every node of `node` the same origin (values that came from --set or env).
void stamp(Node& node, const Origin& origin);

/// The top-level arrays whose entries merge by `name`.
bool is_named_array(std::string_view key);

/// The text of every file read, so errors can quote the offending line.
class Sources {
 public:
  void add(std::string name, std::string text) { texts_[std::move(name)] = std::move(text); }
  const std::string* text(std::string_view name) const;
  /// A config error at `where`, with its source line filled in when `where` is in a file.
  Error error(std::string message, const Origin& where, int span = 1, std::string hint = {}) const;
  Error error_at(std::string message, const Node& node, std::string hint = {}) const {
    return error(std::move(message), node.origin, node.span, std::move(hint));
  }

 private:
  std::map<std::string, std::string, std::less<>> texts_;
};

/// `did you mean "x"?` when something is close, else `fallback`.
std::string suggest(std::string_view word, const std::vector<std::string>& candidates,
                    std::string fallback = {});

}  // namespace bridge::config::detail

/// Returns the error of a failed Result from the enclosing function.
#define BRIDGE_TRY(expr)                                                                           \
  do {                                                                                             \
    auto&& bridge_try_result_ = (expr);                                                            \
    if (!bridge_try_result_) return bridge_try_result_.error();                                    \
  } while (false)
