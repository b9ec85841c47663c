#pragma once
/// What bridge changes on the way upstream: pure functions shared by the proxy and by
/// `bridge route test`, so the explanation and the real request never disagree.

#include "common/text.hpp"
#include "common/url.hpp"

#include <string>
#include <string_view>

namespace bridge::proxy {

using bridge::percent_decode;  // common/url.hpp, shared with the admin API
using bridge::split_target;

/// Traefik's StripPrefix on a raw target: removes `prefix` from the path when the decoded
/// path starts with it, keeps the query, and makes sure the result starts with '/'.
/// Returns false (and leaves `out` empty) when the path does not start with the prefix.
bool strip_prefix(std::string_view target, std::string_view prefix, std::string& out);

/// Connection-level headers that a proxy must not forward (RFC 9110 7.6.1).
bool is_hop_by_hop(std::string_view name);

using bridge::iequals;

}  // namespace bridge::proxy
