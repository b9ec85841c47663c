#pragma once
// Reading and vetting a request head before anything is forwarded.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/head_edit.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace bridge::proxy {

enum class HeadStatus { Ok, Closed, Timeout, TooLarge };

/// Reads bytes until the end of a message head ("\r\n\r\n") is in `buffer` (a request's, or
/// an HTTP/1.1 upstream's response). Returns the head's length in `head_bytes`; a line ended by
/// LF alone returns what came at once, for the codec to refuse. Leading empty lines are
/// skipped (RFC 9112 2.2). `failure` gets the read's error when the result is Closed.
template <class Stream>
asio::awaitable<HeadStatus> read_head(Stream& stream, beast::flat_buffer& buffer, size_t limit,
                                      std::chrono::milliseconds idle_timeout,
                                      std::chrono::milliseconds header_timeout, size_t& head_bytes,
                                      error_code& failure);

/// Checks a decoded head for what a reverse proxy refuses beyond the codec's syntax: Host
/// (one, required in HTTP/1.1, a host), a target that is not UTF-8, CONNECT, fragments and
/// target forms. Returns the reason to answer 400, or nullopt when fine. May rewrite an
/// absolute-form target to origin-form.
std::optional<std::string> vet_request_head(RequestHead& head);

}  // namespace bridge::proxy
