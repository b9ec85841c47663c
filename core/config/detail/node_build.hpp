#pragma once
/// Building provenance trees (detail/node.hpp) by hand, as the [[sources]] providers do when
/// they rewrite what they read into Traefik's or bridge's shape: each value keeps the origin of
/// what it was made from.

#include "config/detail/node.hpp"

#include <string>
#include <utility>

namespace bridge::config::detail {

inline Node node_of(Kind kind, const Origin& origin, int span = 1) {
  Node n;
  n.kind = kind;
  n.origin = origin;
  n.span = span;
  return n;
}

inline Node string_node(std::string text, const Origin& origin, int span = 1) {
  Node n = node_of(Kind::String, origin, span);
  n.text = std::move(text);
  return n;
}

inline Node integer_node(int64_t value, const Origin& origin) {
  Node n = node_of(Kind::Integer, origin);
  n.integer = value;
  return n;
}

inline Node boolean_node(bool value, const Origin& origin) {
  Node n = node_of(Kind::Boolean, origin);
  n.boolean = value;
  return n;
}

inline Node table_node(const Origin& origin) { return node_of(Kind::Table, origin); }
inline Node array_node(const Origin& origin) { return node_of(Kind::Array, origin); }

/// Appends `key` = `value` to `table`, the key at `key_origin`.
inline void put(Node& table, std::string key, Node value, const Origin& key_origin,
                int key_span = 1) {
  Entry e;
  e.key = std::move(key);
  e.key_origin = key_origin;
  e.key_span = key_span;
  e.value = std::move(value);
  table.entries.push_back(std::move(e));
}

/// The same, the key where the value is.
inline void put(Node& table, std::string key, Node value) {
  const Origin origin = value.origin;
  const int span = value.span;
  put(table, std::move(key), std::move(value), origin, span);
}

}  // namespace bridge::config::detail
