#pragma once
/// Percent-encoding for building request targets (admin API paths, Docker Engine filters).

#include <string>
#include <string_view>

namespace bridge {

/// RFC 3986: unreserved characters stay, every other byte becomes %XX.
std::string url_encode(std::string_view text);

}  // namespace bridge
