#pragma once
// Reading and vetting a request head before anything is forwarded.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/deadline_stream.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace bridge::proxy {

enum class HeadStatus { Ok, Closed, Timeout, TooLarge };

/// Reads bytes until the end of a request head ("\r\n\r\n") is in `buffer`.
/// Returns the head's length in `head_bytes`. Leading empty lines are skipped (RFC 9112 2.2).
template <class Stream>
asio::awaitable<HeadStatus> read_head(Stream& stream, beast::flat_buffer& buffer, size_t limit,
                                      std::chrono::milliseconds idle_timeout,
                                      std::chrono::milliseconds header_timeout, size_t& head_bytes);

/// Checks a parsed head for request smuggling shapes and targets a reverse proxy must refuse.
/// `raw` is the head as received. Returns the reason to answer 400, or nullopt when fine.
/// May rewrite an absolute-form target to origin-form.
std::optional<std::string> vet_request_head(http::request_header<>& head, std::string_view raw);

}  // namespace bridge::proxy
