#pragma once
/// Go's url.ParseQuery, one pair at a time and without allocating, so Query() matches what
/// Traefik sees: split on '&', '+' is a space, pairs holding ';' or a bad %-escape are dropped.

#include <cstddef>
#include <string>
#include <string_view>

namespace bridge::route::detail {

/// True when every '%' in `raw` starts a %XX escape (what Go's QueryUnescape accepts).
bool valid_escapes(std::string_view raw);
/// True when `raw` (already checked with valid_escapes) decodes to exactly `expected`.
bool unescaped_equals(std::string_view raw, std::string_view expected);
/// Decodes `raw` into `out`, which holds at least raw.size() bytes; returns the length.
size_t unescape_into(std::string_view raw, char* out);
std::string unescape(std::string_view raw);

/// Calls `visit(raw_key, raw_value)` for each pair Go keeps, in order, until it returns true.
template <class Visit>
bool for_each_query_pair(std::string_view query, Visit&& visit) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty() || pair.find(';') != std::string_view::npos) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (!valid_escapes(key) || !valid_escapes(value)) continue;
    if (visit(key, value)) return true;
  }
  return false;
}

}  // namespace bridge::route::detail
