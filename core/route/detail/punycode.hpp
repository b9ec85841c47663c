#pragma once
/// Punycode (RFC 3492) for the "non-ASCII host" hint: Host(`bücher.test`) -> xn--bcher-kva.test.

#include <optional>
#include <string>
#include <string_view>

namespace bridge::route::detail {

/// Each non-ASCII label of `host` as "xn--" + punycode; nullopt for invalid UTF-8.
/// Only ASCII letters are case-folded: this is a hint, not a full IDNA mapping.
std::optional<std::string> punycode_host(std::string_view host);

}  // namespace bridge::route::detail
