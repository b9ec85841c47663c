#pragma once
// Streams an HTTP/1.1 message body from one side to the other through a fixed buffer, so
// memory stays bounded however large the body is. Chunked bodies stay chunked.

#include "http/h1.hpp"
#include "net/owned_socket.hpp"
#include "proxy/detail/asio.hpp"
#include "proxy/detail/buffer_pool.hpp"
#include "proxy/detail/wire.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
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

/// How a read of a message body ended.
enum class BodyRead { Data, End, TooLarge, Bad, Timeout, Failed };

/// How relaying a response ends when a read of the upstream's body did not bring data (nullopt:
/// it did, go on). An upstream body over a limit is the upstream failing.
inline std::optional<RelayResult> relay_end_for(BodyRead read) {
  switch (read) {
  case BodyRead::Data:
  case BodyRead::End:
    return std::nullopt;
  case BodyRead::Timeout:
    return RelayResult::ReadTimeout;
  case BodyRead::Bad:
    return RelayResult::BadInput;
  case BodyRead::TooLarge:
  case BodyRead::Failed:
    break;
  }
  return RelayResult::ReadFailed;
}

/// True for a stream over another one (TLS over TCP), whose writes go a buffer at a time.
template <class Stream>
constexpr bool layered =
    !std::is_same_v<std::remove_cvref_t<decltype(beast::get_lowest_layer(std::declval<Stream&>()))>,
                    Stream>;

/// The body of an HTTP/1.1 message whose head has been read, as its framing delimits it: the
/// bytes the head's read brought along first (in the connection's buffer), then the
/// connection. Chunked bodies go through the codec's decoder; the others are copied once,
/// from the socket straight into the caller's buffer.
class H1Body {
 public:
  using Kind = bridge::http::h1::BodyFraming::Kind;

  /// Starts a body framed as `framing`; no limit until limit() sets one.
  void start(const bridge::http::h1::BodyFraming& framing) {
    kind_ = framing.kind;
    remaining_ = framing.length;
    total_ = 0;
    limit_ = 0;
    done_ = kind_ == Kind::None || (kind_ == Kind::Length && remaining_ == 0);
    if (kind_ == Kind::Chunked) decoder_.reset();
  }
  bool done() const { return done_; }
  bool chunked() const { return kind_ == Kind::Chunked; }
  /// The body is delimited by Content-Length: how many bytes are still to come.
  std::optional<uint64_t> length_remaining() const {
    return kind_ == Kind::Length && !done_ ? std::optional<uint64_t>(remaining_) : std::nullopt;
  }
  /// Body bytes past `max` make the read TooLarge (0: no limit).
  void limit(uint64_t max) { limit_ = max; }
  /// The caller relays the rest of a Content-Length body itself (relay_sized_body).
  void take_over() { done_ = true; }
  /// The trailer fields of a chunked body, once done.
  const Fields& trailers() const { return decoder_.trailers(); }

  /// The body bytes `buffer` already holds, as they came, when the body needs no decoding
  /// (Content-Length, or until close; empty when chunked or done): a relay can pass them on
  /// straight from the connection's buffer, then consume_buffered() them.
  std::string_view buffered_bytes(const beast::flat_buffer& buffer) const {
    if (done_ || kind_ == Kind::Chunked) return {};
    size_t n = buffer.size();
    if (kind_ == Kind::Length) n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
    return {static_cast<const char*>(buffer.data().data()), n};
  }
  /// `n` of the buffered_bytes() were passed on.
  BodyRead consume_buffered(beast::flat_buffer& buffer, size_t n) {
    buffer.consume(n);
    if (kind_ == Kind::Length) {
      remaining_ -= n;
      done_ = remaining_ == 0;
    }
    return counted(n);
  }

  /// read() without waiting: what the connection's buffer already holds (or the end of the
  /// body). nullopt when the next bytes must come from the connection; then call read(). A
  /// caller that tries this first needs no coroutine frame for a body that came with its head.
  std::optional<BodyRead> read_buffered(beast::flat_buffer& buffer, std::span<char> out,
                                        size_t& got) {
    got = 0;
    if (done_) return BodyRead::End;
    if (buffer.size() == 0) return std::nullopt;
    if (kind_ == Kind::Chunked) {
      const std::string_view pending(static_cast<const char*>(buffer.data().data()), buffer.size());
      const auto step = decoder_.decode(pending, out);
      buffer.consume(step.used);
      if (!step.error.empty()) return BodyRead::Bad;
      got = step.produced;
      done_ = step.done;
      if (got > 0 || done_ || step.used > 0) return counted(got);
      return std::nullopt;  // a piece of framing too short to decode: more must come
    }
    const std::string_view at_hand = buffered_bytes(buffer);
    got = std::min(out.size(), at_hand.size());
    std::memcpy(out.data(), at_hand.data(), got);
    return consume_buffered(buffer, got);
  }

  /// Up to `out.size()` body bytes into `out` (`got` of them). Data may come with got == 0 (a
  /// step of chunk framing, or the end of a body delimited by closing: done() then says so).
  template <class In>
  asio::awaitable<BodyRead> read(In& in, beast::flat_buffer& buffer, std::span<char> out,
                                 size_t& got) {
    // A TLS stream returns at most one record (16 KiB) per read: a larger read only grows the
    // connection's buffer, which trim_idle_buffer then frees and the next body allocates again.
    static constexpr size_t read_size = layered<In> ? 16 * 1024 : 64 * 1024;
    for (;;) {
      if (auto read = read_buffered(buffer, out, got)) co_return *read;
      if (kind_ == Kind::Chunked) {
        auto [ec, n] = co_await in.async_read_some(buffer.prepare(read_size), nothrow);
        buffer.commit(n);
        if (n == 0) co_return failed(ec);
        continue;
      }
      auto [ec, n] = co_await in.async_read_some(asio::buffer(out.data(), wanted(out)), nothrow);
      co_return took(n, ec, got);
    }
  }

  /// read() without waiting: what the connection's buffer holds, else what a plain TCP
  /// connection's socket holds now (one recv() that does not block). nullopt when the next
  /// bytes are not there yet, and always past the buffer for TLS (its records are decoded by
  /// the asynchronous read).
  template <class In>
  std::optional<BodyRead> read_ready(In& in, beast::flat_buffer& buffer, std::span<char> out,
                                     size_t& got) {
    if (auto read = read_buffered(buffer, out, got)) return read;
    if constexpr (requires {
                    { in.socket() } -> std::same_as<tcp::socket&>;
                  }) {
      error_code ec;
      if (kind_ == Kind::Chunked) {
        const asio::mutable_buffer room = buffer.prepare(64 * 1024);
        const size_t n = net::read_now(in.socket(), room.data(), room.size(), ec);
        if (ec == asio::error::would_block) return std::nullopt;
        buffer.commit(n);
        if (n == 0) return failed(ec);
        return read_buffered(buffer, out, got);
      }
      const size_t n = net::read_now(in.socket(), out.data(), wanted(out), ec);
      if (ec == asio::error::would_block) return std::nullopt;
      return took(n, n == 0 && !ec ? error_code(asio::error::eof) : ec, got);
    } else {
      return std::nullopt;
    }
  }

 private:
  // How much of `out` a read may fill: no further than the body's end.
  size_t wanted(std::span<char> out) const {
    return kind_ == Kind::Length ? static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_))
                                 : out.size();
  }
  // After a read of `n` body bytes into the caller's buffer that ended with `ec`.
  BodyRead took(size_t n, const error_code& ec, size_t& got) {
    got = n;
    if (n == 0) {
      if (kind_ == Kind::UntilClose && is_end_of_stream(ec)) {
        done_ = true;  // the end of a body delimited by closing
        return BodyRead::Data;
      }
      return failed(ec);
    }
    if (kind_ == Kind::Length) {
      remaining_ -= got;
      done_ = remaining_ == 0;
    }
    return counted(got);
  }

  static bool is_end_of_stream(const error_code& ec) {
    return ec == asio::error::eof || ec == ssl::error::stream_truncated;
  }
  static BodyRead failed(const error_code& ec) {
    return ec == beast::error::timeout ? BodyRead::Timeout : BodyRead::Failed;
  }
  BodyRead counted(size_t got) {
    total_ += got;
    // A chunk whose size says it crosses the limit is refused before its data comes.
    const uint64_t announced = kind_ == Kind::Chunked ? decoder_.chunk_remaining() : 0;
    return limit_ > 0 && (total_ > limit_ || announced > limit_ - total_) ? BodyRead::TooLarge
                                                                          : BodyRead::Data;
  }

  Kind kind_ = Kind::None;
  uint64_t remaining_ = 0;
  uint64_t total_ = 0;
  uint64_t limit_ = 0;
  bool done_ = true;
  bridge::http::h1::ChunkedDecoder decoder_;
};

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

/// The last chunk with `trailers` (RFC 9112 7.1.2), appended to `out`. The names the codec
/// recognises (framing, Host, connection-specific fields and the like) are left out: a
/// trailer must not carry them (RFC 9110 6.5.1).
inline void last_chunk_with(const Fields& trailers, std::string& out) {
  out.append("0\r\n");
  for (const FieldRef f : trailers) {
    if (f.known != Field::Other) continue;
    out.append(f.name).append(": ").append(f.value).append(crlf);
  }
  out.append(crlf);
}

/// A relay with nothing to do before the body (a response): no coroutine to call.
struct NoBeforeBody {};

/// How relay_message works besides its two ends: scratch space that outlives the call, the
/// deadlines of each read and write, and where the body bytes are counted.
struct RelayParams {
  std::string& wire;   // the connection's scratch for the head
  RelayBuffer& chunk;  // the body buffer, taken when a body needs one
  std::chrono::milliseconds read_timeout;
  std::chrono::milliseconds write_timeout;
  uint64_t& body_bytes;  // grows by each body byte relayed
};

/// How a write ended, as a relay reports it.
inline RelayResult write_outcome(const error_code& ec) {
  if (ec == beast::error::timeout) return RelayResult::WriteTimeout;
  return ec ? RelayResult::WriteFailed : RelayResult::Done;
}

/// Writes the head in `p.wire` of a message without a body.
template <class Out>
asio::awaitable<RelayResult> write_head_only(Out& out, RelayParams p) {
  beast::get_lowest_layer(out).expires_after(p.write_timeout);
  auto [ec, n] = co_await asio::async_write(out, asio::buffer(p.wire), nothrow);
  co_return write_outcome(ec);
}

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
  if constexpr (!std::is_same_v<BeforeBody, NoBeforeBody>) {
    if (!co_await before_body()) co_return RelayResult::WriteFailed;
  }
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
  if (remaining == 0) co_return RelayResult::Done;  // it came with the head: no buffer needed
  const std::span<char> chunk = p.chunk.get();
  const size_t room = std::min(chunk.size(), read_size);
  while (remaining > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(room, remaining));
    beast::get_lowest_layer(in).expires_after(p.read_timeout);
    auto [rec, n] = co_await in.async_read_some(asio::buffer(chunk.data(), want), nothrow);
    if (n == 0) {
      if (rec == beast::error::timeout) co_return RelayResult::ReadTimeout;
      co_return RelayResult::ReadFailed;  // closed before the declared length: cut short
    }
    remaining -= n;
    p.body_bytes += n;
    beast::get_lowest_layer(out).expires_after(p.write_timeout);
    auto [wec, wn] = co_await asio::async_write(out, asio::buffer(chunk.data(), n), nothrow);
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
  }
  co_return RelayResult::Done;
}

template <class In, class Out, class BeforeBody>
asio::awaitable<RelayResult> relay_framed_body(In& in, beast::flat_buffer& in_buffer, H1Body& body,
                                               Out& out, bool chunked, RelayParams p,
                                               BeforeBody before_body) {
  std::string& wire = p.wire;
  const std::span<char> chunk = p.chunk.get();
  bool head_sent = false;
  // With no body bytes at hand (a slow upload, a streamed response) the head goes out alone
  // so that the peer sees it at once; otherwise head and first bytes share one write.
  if (body.done() || in_buffer.size() == 0) {
    beast::get_lowest_layer(out).expires_after(p.write_timeout);
    auto [wec, wn] = co_await asio::async_write(out, asio::buffer(wire), nothrow);
    if (wec == beast::error::timeout) co_return RelayResult::WriteTimeout;
    if (wec) co_return RelayResult::WriteFailed;
    head_sent = true;
  }
  const ChunkRoom framing(chunk);
  const std::span<char> room = framing.room;
  [[maybe_unused]] bool first_read = true;
  while (!body.done()) {
    if constexpr (!std::is_same_v<BeforeBody, NoBeforeBody>) {
      if (first_read) {
        first_read = false;
        if (!co_await before_body()) co_return RelayResult::WriteFailed;
      }
    }
    size_t got = 0;
    std::optional<BodyRead> read = body.read_buffered(in_buffer, room, got);
    if (!read) {
      beast::get_lowest_layer(in).expires_after(p.read_timeout);
      read = co_await body.read(in, in_buffer, room, got);
    }
    switch (*read) {
    case BodyRead::Data:
    case BodyRead::End:
      break;
    case BodyRead::TooLarge:
      co_return RelayResult::BodyTooLarge;
    case BodyRead::Timeout:
      co_return RelayResult::ReadTimeout;
    case BodyRead::Bad:
      co_return RelayResult::BadInput;
    case BodyRead::Failed:
      co_return RelayResult::ReadFailed;
    }
    p.body_bytes += got;
    // A chunked body's trailers go with its last chunk, written below rather than by frame().
    const bool trailers = body.done() && body.chunked() && chunked && !body.trailers().empty();
    std::span<char> out_bytes = framing.frame(got, chunked, body.done() && !trailers);
    char* begin = out_bytes.data();
    char* end = out_bytes.data() + out_bytes.size();
    std::array<asio::const_buffer, 2> pieces;
    size_t count = 0;
    if (trailers) {
      // The body bytes and the last chunk with its fields follow the head in `wire` (free
      // again when the head already went): one write, and trailers are rare.
      if (head_sent) wire.clear();
      wire.append(begin, end);
      last_chunk_with(body.trailers(), wire);
      pieces[count++] = asio::buffer(wire);
    } else {
      if (!head_sent && layered<Out>) {
        wire.append(begin, end);  // head and first bytes in one TLS record
        begin = end;
      }
      if (!head_sent) pieces[count++] = asio::buffer(wire);
      if (end != begin) pieces[count++] = asio::buffer(begin, static_cast<size_t>(end - begin));
    }
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

/// Writes `head` (already read), changed by `edit`, to `out`, then relays `body` through
/// `p.chunk`. Chunked bodies (or bodies `edit` made chunked) are framed chunk by chunk (the
/// codec decodes them); Content-Length bodies pass untouched (relay_sized_body).
/// `before_body` runs once before the first body read (100-continue goes there), unless it is
/// NoBeforeBody.
/// Not a coroutine itself: one coroutine frame fewer per message (a frame is an allocation and
/// a resumption on every request).
template <class In, class Out, class Head, class BeforeBody>
asio::awaitable<RelayResult> relay_message(In& in, beast::flat_buffer& in_buffer, const Head& head,
                                           H1Body& body, Out& out, const HeadEdit& edit,
                                           RelayParams p, BeforeBody before_body) {
  write_head(head, edit, p.wire);
  if (body.done()) return write_head_only(out, p);
  const bool chunked = body.chunked() || edit.chunked();
  if (auto remaining = body.length_remaining(); remaining && !chunked) {
    body.take_over();
    return relay_sized_body(in, in_buffer, *remaining, out, p, std::move(before_body));
  }
  return relay_framed_body(in, in_buffer, body, out, chunked, p, std::move(before_body));
}

}  // namespace bridge::proxy
