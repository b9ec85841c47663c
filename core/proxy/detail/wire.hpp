#pragma once
// Message heads in wire form (HTTP/1.1): one flat buffer per head, so head and first body
// bytes go out in one writev.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/head_edit.hpp"

#include <string>

namespace bridge::proxy {

/// Replaces `out` with the start line and fields of `head` as `edit` changes them, ending
/// with the empty line.
void write_head(const RequestHead& head, const HeadEdit& edit, std::string& out);
void write_head(const ResponseHead& head, const HeadEdit& edit, std::string& out);

/// The chunk-size line for a chunk of `size` bytes ("1a2b\r\n"), written into `buf`.
std::string_view chunk_size_line(size_t size, char (&buf)[24]);

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace bridge::proxy
