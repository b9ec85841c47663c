#pragma once
// Streams a message body from one side to the other through a fixed buffer, so memory stays
// bounded however large the body is. Chunked bodies stay chunked.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/wire.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <type_traits>
#include <utility>

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

/// True when `pending` (bytes the parser could not use yet) holds a line feed without its
/// carriage return. Beast skips bare LFs while it looks for CRLF, so a chunk line ended by LF
/// alone ("0\n\n") would wait for bytes that never come; nginx answers 400 at once.
inline bool has_bare_lf(beast::flat_buffer::const_buffers_type pending) {
  std::string_view bytes(static_cast<const char*>(pending.data()), pending.size());
  for (size_t at = bytes.find('\n'); at != std::string_view::npos; at = bytes.find('\n', at + 1)) {
    if (at == 0 || bytes[at - 1] != '\r') return true;
  }
  return false;
}

/// True when the bytes of a chunked message's last parsing step (an optional CRLF ending the
/// previous chunk, the last-chunk line, the trailer lines, CRLF) hold a folded trailer line.
/// Trailers are not forwarded, but a fold is refused as in a head (RFC 9112 5.2).
inline bool has_folded_trailer(std::string_view last_step) {
  size_t at = last_step.starts_with("\r\n") ? 2 : 0;
  size_t eol = last_step.find("\r\n", at);
  if (eol == std::string_view::npos) return false;
  std::string_view trailers = last_step.substr(eol + 2);
  return trailers.starts_with(' ') || trailers.starts_with('\t') ||
         trailers.find("\n ") != std::string_view::npos ||
         trailers.find("\n\t") != std::string_view::npos;
}

/// True for a stream over another one (TLS over TCP), whose writes go a buffer at a time.
template <class Stream>
constexpr bool layered =
    !std::is_same_v<std::remove_cvref_t<decltype(beast::get_lowest_layer(std::declval<Stream&>()))>,
                    Stream>;

/// One parsing step of a message body: feeds what `buffer` holds to `parser`, reading from
/// `in` only when the parser needs more. Returns once the parser consumed something (body
/// bytes may be in its buffer), or with an error (need_buffer: the body buffer is full).
/// Beast's async_read_some does the same, but sizes its reads by the buffer's spare capacity
/// (512 bytes for a small buffer) and cannot tell a bare-LF chunk line from a partial one.
template <class In, bool isRequest>
asio::awaitable<error_code> read_body_some(In& in, beast::flat_buffer& buffer,
                                           http::parser<isRequest, http::buffer_body>& parser) {
  // A TLS stream returns at most one record (16 KiB) per read: a larger read only grows the
  // connection's buffer, which trim_idle_buffer then frees and the next body allocates again.
  static constexpr size_t read_size = layered<In> ? 16 * 1024 : 64 * 1024;
  for (;;) {
    error_code ec;
    if (buffer.size() > 0) {
      size_t used = parser.put(buffer.data(), ec);
      const bool was_last = parser.is_done() && parser.chunked() && !ec;
      if (was_last && has_folded_trailer({static_cast<const char*>(buffer.data().data()), used})) {
        co_return http::error::bad_chunk;
      }
      buffer.consume(used);
      if (ec != http::error::need_more) co_return ec;
      if (parser.chunked() && has_bare_lf(buffer.data())) co_return http::error::bad_chunk;
    }
    auto [rec, n] = co_await in.async_read_some(buffer.prepare(read_size), nothrow);
    buffer.commit(n);
    if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      parser.put_eof(ec);  // ends a close-delimited body; anything else was cut short
      co_return ec;
    }
    if (rec) co_return rec;
  }
}

/// A connection's read buffer grows to the relay's read size while a body streams through it;
/// between messages it goes back to nothing when empty, so that idle keep-alive connections
/// (client or pooled upstream) do not each hold 64 KiB.
inline void trim_idle_buffer(beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > 32 * 1024) buffer.shrink_to_fit();
}

/// A body buffer with room for chunk framing around the bytes read into its middle, so that a
/// chunk goes out as one contiguous write: one TLS record per write on a TLS stream, where Asio
/// writes a buffer sequence a buffer at a time (a 5-byte record for the size line, then the
/// data, then a 2-byte one for CRLF).
struct ChunkRoom {
  static constexpr size_t front = 24;  // chunk_size_line's buffer
  static constexpr size_t back = crlf.size() + last_chunk.size();
  std::span<char> room;  // where body bytes are read
  /// `chunk` must be larger than front + back (the proxy's are 64 KiB): with no room left, a
  /// relay would wait for body bytes it has nowhere to put.
  explicit ChunkRoom(std::span<char> chunk)
      : room(chunk.subspan(front, chunk.size() - front - back)) {}
  /// The bytes to write for `got` bytes read into `room`: framed as a chunk when `chunked` (an
  /// empty read sends no chunk: an empty one would read as the last), followed by the last
  /// chunk when `last`.
  std::span<char> frame(size_t got, bool chunked, bool last) const {
    char* begin = room.data();
    char* end = room.data() + got;
    if (chunked && got > 0) {
      char size_line[24];
      std::string_view line = chunk_size_line(got, size_line);
      begin -= line.size();
      std::memcpy(begin, line.data(), line.size());
      end = std::copy(crlf.begin(), crlf.end(), end);
    }
    if (chunked && last) end = std::copy(last_chunk.begin(), last_chunk.end(), end);
    return {begin, end};
  }
};

/// How relay_message works besides its two ends: scratch space that outlives the call, the
/// deadlines of each read and write, and where the body bytes are counted.
struct RelayParams {
  std::string& wire;      // the connection's scratch for the head
  std::span<char> chunk;  // the body buffer
  std::chrono::milliseconds read_timeout;
  std::chrono::milliseconds write_timeout;
  uint64_t& body_bytes;  // grows by each body byte relayed
};

/// Writes `head` (already in `p.wire`) and a Content-Length body of `remaining` bytes from `in`
/// to `out`: the bytes the head's read brought along first, then reads straight into
/// `p.chunk`, never past the body's end (a pipelined request stays unread). No parser sees
/// these bytes: it would copy each one from the connection buffer into the body buffer,
/// which was a tenth of the CPU time of a 64 KiB response.
template <class In, class Out, class BeforeBody>
asio::awaitable<RelayResult> relay_sized_body(In& in, beast::flat_buffer& in_buffer,
                                              uint64_t remaining, Out& out, RelayParams p,
                                              BeforeBody before_body) {
  static constexpr size_t read_size = layered<In> ? 16 * 1024 : 64 * 1024;
  std::string& wire = p.wire;
  if (!co_await before_body()) co_return RelayResult::WriteFailed;
  const size_t buffered = static_cast<size_t>(std::min<uint64_t>(in_buffer.size(), remaining));
  const auto* at_hand = static_cast<const char*>(in_buffer.data().data());
  size_t count = 2;
  if (layered<Out>) {
    wire.append(at_hand, buffered);  // head and first bytes in one TLS record
    count = 1;
  }
  std::array<asio::const_buffer, 2> pieces{asio::buffer(wire), asio::buffer(at_hand, buffered)};
  beast::get_lowest_layer(out).expires_after(p.write_timeout);
  auto [hec, hn] = co_await asio::async_write(
      out, std::span<const asio::const_buffer>(pieces.data(), count), nothrow);
  if (hec == beast::error::timeout) co_return RelayResult::WriteTimeout;
  if (hec) co_return RelayResult::WriteFailed;
  in_buffer.consume(buffered);
  remaining -= buffered;
  p.body_bytes += buffered;
  const size_t room = std::min(p.chunk.size(), read_size);
  while (remaining > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(room, remaining));
    beast::get_lowest_layer(in).expires_after(p.read_timeout);
    auto [rec, n] = co_await in.async_read_some(asio::buffer(p.chunk.data(), want), nothrow);
    if (n == 0) {
      if (rec == beast::error::timeout) co_return RelayResult::ReadTimeout;
      co_return RelayResult::ReadFailed;  // closed before the declared length: cut short
    }
    remaining -= n;
    p.body_bytes += n;
    beast::get_lowest_layer(out).expires_after(p.write_timeout);
    auto [wec, wn] = co_await asio::async_write(out, asio::buffer(p.chunk.data(), n), nothrow);
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
  }
  co_return RelayResult::Done;
}

template <class In, class Out, bool isRequest, class BeforeBody>
asio::awaitable<RelayResult> relay_parsed_body(In& in, beast::flat_buffer& in_buffer,
                                               http::parser<isRequest, http::buffer_body>& parser,
                                               Out& out, bool chunked, RelayParams p,
                                               BeforeBody before_body) {
  std::string& wire = p.wire;
  const std::span<char> chunk = p.chunk;
  bool head_sent = false;
  // With no body bytes at hand (a slow upload, a streamed response) the head goes out alone
  // so that the peer sees it at once; otherwise head and first bytes share one write.
  if (parser.is_done() || in_buffer.size() == 0) {
    beast::get_lowest_layer(out).expires_after(p.write_timeout);
    auto [wec, wn] = co_await asio::async_write(out, asio::buffer(wire), nothrow);
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
    head_sent = true;
  }
  const ChunkRoom framing(chunk);
  const std::span<char> room = framing.room;
  bool first_read = true;
  while (!parser.is_done()) {
    if (first_read) {
      first_read = false;
      if (!co_await before_body()) co_return RelayResult::WriteFailed;
    }
    parser.get().body().data = room.data();
    parser.get().body().size = room.size();
    beast::get_lowest_layer(in).expires_after(p.read_timeout);
    error_code ec = co_await read_body_some(in, in_buffer, parser);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) co_return RelayResult::BodyTooLarge;
    if (ec == beast::error::timeout) co_return RelayResult::ReadTimeout;
    if (ec.category() == http::make_error_code(http::error::bad_chunk).category())
      co_return RelayResult::BadInput;
    if (ec) co_return RelayResult::ReadFailed;
    const size_t got = room.size() - parser.get().body().size;
    p.body_bytes += got;
    std::span<char> out_bytes = framing.frame(got, chunked, parser.is_done());
    char* begin = out_bytes.data();
    char* end = out_bytes.data() + out_bytes.size();
    std::array<asio::const_buffer, 2> pieces;
    size_t count = 0;
    if (!head_sent && layered<Out>) {
      wire.append(begin, end);  // head and first bytes in one TLS record
      begin = end;
    }
    if (!head_sent) pieces[count++] = asio::buffer(wire);
    if (end != begin) pieces[count++] = asio::buffer(begin, static_cast<size_t>(end - begin));
    if (count == 0) continue;
    beast::get_lowest_layer(out).expires_after(p.write_timeout);
    auto [wec, wn] = co_await asio::async_write(
        out, std::span<const asio::const_buffer>(pieces.data(), count), nothrow);
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
    head_sent = true;
  }
  co_return RelayResult::Done;
}

/// Writes the head of `parser`'s message (already read), changed by `edit`, to `out`, then
/// relays the body through `p.chunk`. Chunked bodies (or bodies `edit` made chunked) are
/// framed chunk by chunk (the parser decodes them); Content-Length bodies pass untouched
/// (relay_sized_body). `before_body` runs once before the first body read (100-continue goes
/// there).
/// The rest of relay_message when the body goes through the parser (chunked, or none):
/// the head (already in `p.wire`) alone or with the first bytes, then the body framed chunk
/// by chunk.
/// Not a coroutine itself: one coroutine frame fewer per message (a frame is an allocation and
/// a resumption on every request).
template <class In, class Out, bool isRequest, class BeforeBody>
asio::awaitable<RelayResult> relay_message(In& in, beast::flat_buffer& in_buffer,
                                           http::parser<isRequest, http::buffer_body>& parser,
                                           Out& out, const HeadEdit& edit, RelayParams p,
                                           BeforeBody before_body) {
  write_head(parser.get().base(), edit, p.wire);
  const bool chunked = parser.get().chunked() || edit.chunked();
  if (!parser.is_done() && !chunked && parser.content_length_remaining())
    return relay_sized_body(in, in_buffer, *parser.content_length_remaining(), out, p,
                            std::move(before_body));
  return relay_parsed_body(in, in_buffer, parser, out, chunked, p, std::move(before_body));
}

}  // namespace bridge::proxy
