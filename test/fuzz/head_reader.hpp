#pragma once
/// The framing of a message head as the proxy's read_head does it, over MemoryStream (the
/// proxy's is a template over its socket streams, whose deadlines MemoryStream lacks): the
/// http1_request and http1_response harnesses read heads with it.

#include "memory_stream.hpp"

#include "proxy/detail/request_head.hpp"

#include <algorithm>
#include <string_view>

namespace bridge::fuzz {

/// Empty lines before a head are skipped, the head ends at the first CRLF CRLF (or LF LF,
/// which the codec then refuses), a head over `limit` is refused.
inline boost::asio::awaitable<proxy::HeadStatus> read_head(MemoryStream& stream,
                                                           boost::beast::flat_buffer& buffer,
                                                           size_t limit, size_t& head_bytes) {
  size_t scanned = 0;
  for (;;) {
    auto data =
        std::string_view(static_cast<const char*>(buffer.data().data()), buffer.data().size());
    size_t skip = 0;
    while (skip < data.size() && (data[skip] == '\r' || data[skip] == '\n')) ++skip;
    if (skip > 0 && skip == data.size()) {
      buffer.consume(skip);
      data = {};
      scanned = 0;
    } else if (skip > 0) {
      buffer.consume(skip);
      continue;
    }
    if (!data.empty()) {
      size_t from = scanned > 3 ? scanned - 3 : 0;
      size_t end = data.find("\r\n\r\n", from);
      if (end != std::string_view::npos) {
        head_bytes = end + 4;
        co_return head_bytes > limit ? proxy::HeadStatus::TooLarge : proxy::HeadStatus::Ok;
      }
      size_t lf = data.find("\n\n", from);
      if (lf != std::string_view::npos) {
        head_bytes = lf + 2;
        co_return proxy::HeadStatus::Ok;
      }
      scanned = data.size();
      if (data.size() > limit) co_return proxy::HeadStatus::TooLarge;
    }
    size_t want = std::min<size_t>(16384, limit + 4 - std::min(limit, data.size()));
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(std::max<size_t>(want, 512)),
                                                   proxy::nothrow);
    buffer.commit(n);
    if (ec) co_return proxy::HeadStatus::Closed;
  }
}

}  // namespace bridge::fuzz
