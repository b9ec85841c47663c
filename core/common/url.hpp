#pragma once
/// Percent-encoding for building request targets (admin API paths, Docker Engine filters), and
/// the decoding and splitting of targets that the proxy and the admin API read.

#include <string>
#include <string_view>

namespace bridge {

/// RFC 3986: unreserved characters stay, every other byte becomes %XX.
std::string url_encode(std::string_view text);
/// Percent-encodes every byte for which `keep` is false ("%XX", upper-case hex).
std::string percent_encode(std::string_view text, bool (*keep)(unsigned char));

/// The value of hex digit `c`, or -1 when it is none.
int hex_digit(char c);

/// Decodes %XX escapes (not '+'); an invalid escape is kept as is. Appends to `out`.
void percent_decode(std::string_view text, std::string& out);

/// Splits a request target "/a/b?x=1" into path and query (without '?').
void split_target(std::string_view target, std::string_view& path, std::string_view& query);

}  // namespace bridge
