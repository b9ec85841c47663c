#pragma once
/// Percent-encoding for building request targets (admin API paths, Docker Engine filters), and
/// the decoding and splitting of targets that the proxy and the admin API read.

#include <optional>
#include <string>
#include <string_view>

namespace bridge {

/// RFC 3986: unreserved characters stay, every other byte becomes %XX.
std::string url_encode(std::string_view text);
/// Go's url.QueryEscape, which Traefik's headers use: url_encode, but a space is '+'.
std::string query_escape(std::string_view text);
/// Percent-encodes every byte for which `keep` is false ("%XX", upper-case hex).
std::string percent_encode(std::string_view text, bool (*keep)(unsigned char));

/// The value of hex digit `c`, or -1 when it is none.
int hex_digit(char c);

/// Decodes %XX escapes (not '+'); an invalid escape is kept as is. Appends to `out`.
void percent_decode(std::string_view text, std::string& out);

/// Splits a request target "/a/b?x=1" into path and query (without '?').
void split_target(std::string_view target, std::string_view& path, std::string_view& query);

/// An absolute http:// or https:// URL taken apart: what a client needs to ask it.
struct HttpAddress {
  bool tls = false;
  std::string host;       // without brackets
  std::string port;       // the scheme's default when the URL names none
  std::string target;     // "/path?query", "/" when empty
  std::string authority;  // host[:port] as written, for Host
};

/// Parses "http://auth.local:9091/verify?x=1"; nullopt for anything else (another scheme, no
/// host, a port that is not 1-65535, user info, a fragment).
std::optional<HttpAddress> parse_http_address(std::string_view url);

}  // namespace bridge
