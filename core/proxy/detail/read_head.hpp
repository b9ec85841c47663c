#pragma once
// read_head's definition, for the streams it runs on: the proxy's socket streams (instantiated
// in request_head.cpp) and the fuzz harnesses' in-memory stream, which read heads exactly as
// the proxy does.

#include "proxy/detail/request_head.hpp"

#include <algorithm>
#include <string_view>

namespace bridge::proxy {

template <class Stream>
asio::awaitable<HeadStatus> read_head(Stream& stream, beast::flat_buffer& buffer, size_t limit,
                                      std::chrono::milliseconds idle_timeout,
                                      std::chrono::milliseconds header_timeout, size_t& head_bytes,
                                      error_code& failure) {
  bool started = false;
  size_t scanned = 0;
  for (;;) {
    auto data =
        std::string_view(static_cast<const char*>(buffer.data().data()), buffer.data().size());
    // Skip empty lines that some clients send between pipelined requests.
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
        co_return head_bytes > limit ? HeadStatus::TooLarge : HeadStatus::Ok;
      }
      // A line ended by LF alone never completes a CRLF head: hand over what came, so that
      // the client gets its 400 now instead of a timeout.
      for (size_t lf = data.find('\n', from); lf != std::string_view::npos;
           lf = data.find('\n', lf + 1)) {
        if (lf == 0 || data[lf - 1] != '\r') {
          head_bytes = data.size();
          co_return HeadStatus::Ok;
        }
      }
      scanned = data.size();
      if (data.size() > limit) co_return HeadStatus::TooLarge;
    }
    if (!started && !data.empty()) {
      started = true;
      beast::get_lowest_layer(stream).expires_after(header_timeout);
    } else if (!started) {
      beast::get_lowest_layer(stream).expires_after(idle_timeout);
    }
    size_t want = std::min<size_t>(16384, limit + 4 - std::min(limit, data.size()));
    auto [ec, n] =
        co_await stream.async_read_some(buffer.prepare(std::max<size_t>(want, 512)), nothrow);
    buffer.commit(n);
    if (n > 0 && !started) {
      started = true;
      beast::get_lowest_layer(stream).expires_after(header_timeout);
    }
    if (ec == beast::error::timeout) co_return HeadStatus::Timeout;
    if (ec) {
      failure = ec;
      co_return HeadStatus::Closed;
    }
  }
}

}  // namespace bridge::proxy
