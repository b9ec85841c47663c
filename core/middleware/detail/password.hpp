#pragma once
// Checking a password against an htpasswd hash: bcrypt ($2y$, $2a$, $2b$) and crypt's $1$, $5$,
// $6$ through libxcrypt, Apache's apr1 MD5 ($apr1$) and {SHA} through OpenSSL.

#include <string>
#include <string_view>

namespace bridge::middleware::detail {

/// Whether `password` hashes to `hash`; false for a hash of another kind. Compares in
/// constant time.
bool password_matches(std::string_view password, const std::string& hash);

/// Apache's apr1 variant of MD5-crypt for `password` and the salt of `setting` ("$apr1$SALT$..."):
/// the whole "$apr1$SALT$HASH" string.
std::string apr1_crypt(std::string_view password, std::string_view setting);

}  // namespace bridge::middleware::detail
