#pragma once
// Streams a message body from one side to the other through a fixed buffer, so memory stays
// bounded however large the body is. Chunked bodies stay chunked (Beast re-frames them).

#include "proxy/detail/asio.hpp"

namespace bridge::proxy {

enum class RelayResult {
  Done,
  ReadFailed,
  BadInput,  // the body broke HTTP framing (e.g. an invalid chunk size)
  WriteFailed,
  ReadTimeout,
  WriteTimeout,
  BodyTooLarge
};

/// Writes the head of `parser`'s message (already read) to `out`, then relays the body.
/// `before_body` runs once before the first body read (100-continue goes there).
template <class In, class Out, bool isRequest, class BeforeBody>
asio::awaitable<RelayResult> relay_message(In& in, beast::flat_buffer& in_buffer,
                                           http::parser<isRequest, http::buffer_body>& parser,
                                           Out& out, std::chrono::milliseconds read_timeout,
                                           std::chrono::milliseconds write_timeout,
                                           uint64_t& body_bytes, BeforeBody before_body) {
  http::serializer<isRequest, http::buffer_body> serializer{parser.get()};
  char chunk[16384];
  bool first_read = true;
  do {
    if (!parser.is_done()) {
      if (first_read) {
        first_read = false;
        if (!co_await before_body()) co_return RelayResult::WriteFailed;
      }
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      beast::get_lowest_layer(in).expires_after(read_timeout);
      auto [ec, n] = co_await http::async_read_some(in, in_buffer, parser, nothrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::body_limit) co_return RelayResult::BodyTooLarge;
      if (ec == beast::error::timeout) co_return RelayResult::ReadTimeout;
      if (ec.category() == http::make_error_code(http::error::bad_chunk).category()) co_return RelayResult::BadInput;
      if (ec) co_return RelayResult::ReadFailed;
      const size_t got = sizeof chunk - parser.get().body().size;
      // An empty read (only a chunk header arrived) must not reach the serializer as a
      // zero-size buffer: in chunked mode Beast would frame it as "0\r\n", the last chunk.
      parser.get().body().data = got > 0 ? chunk : nullptr;
      parser.get().body().size = got;
      parser.get().body().more = !parser.is_done();
      body_bytes += got;
    } else {
      parser.get().body().data = nullptr;
      parser.get().body().size = 0;
      parser.get().body().more = false;
    }
    beast::get_lowest_layer(out).expires_after(write_timeout);
    auto [wec, wn] = co_await http::async_write(out, serializer, nothrow);
    if (wec == http::error::need_buffer) wec = {};
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
  } while (!parser.is_done() || !serializer.is_done());
  co_return RelayResult::Done;
}

/// Copies bytes both ways until either side closes (used after `101 Switching Protocols`).
template <class A, class B>
asio::awaitable<void> tunnel(A& a, beast::flat_buffer& a_pending, B& b,
                             beast::flat_buffer& b_pending, std::chrono::milliseconds idle);

}  // namespace bridge::proxy
