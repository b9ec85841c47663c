#pragma once
// Message heads in wire form, written by bridge itself rather than Beast's serializer: one
// flat buffer per head instead of a buffer sequence per field (the serializer was a third
// of the proxy's instructions per request), so head and first body bytes go out in one
// writev.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/head_edit.hpp"

#include <string>

namespace bridge::proxy {

/// Replaces `out` with the start line and fields of `head` as `edit` changes them, ending
/// with the empty line.
void write_head(const http::request_header<>& head, const HeadEdit& edit, std::string& out);
void write_head(const http::response_header<>& head, const HeadEdit& edit, std::string& out);

/// The chunk-size line for a chunk of `size` bytes ("1a2b\r\n"), written into `buf`.
std::string_view chunk_size_line(size_t size, char (&buf)[24]);

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace bridge::proxy
