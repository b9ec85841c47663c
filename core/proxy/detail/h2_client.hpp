#pragma once
// The client side of an exchange on one HTTP/2 stream: the request body comes from the
// stream's DATA (bridge's reads open the flow-control window again, so a slow upstream slows
// the client instead of growing memory), answers go out as HEADERS and DATA. The members are
// those of H1Client; the upstream side is HTTP/1.1 (RFC 9113 8.2.2: connection-specific
// fields removed both ways, Host from :authority).

#include "common/text.hpp"
#include "proxy/detail/buffer_pool.hpp"
#include "proxy/detail/h2_connection.hpp"
#include "proxy/detail/h2_fields.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/wire.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <span>

namespace bridge::proxy {

class H2Client {
 public:
  // Streams of one connection run side by side: a request body may flow with its response.
  static constexpr bool multiplexed = true;

  H2Client(std::shared_ptr<H2Connection> connection, std::shared_ptr<H2Stream> stream)
      : connection_(std::move(connection)), stream_(std::move(stream)) {}

  H2Stream& stream() { return *stream_; }
  bool body_done() const { return stream_->request_ended && stream_->pending_in() == 0; }
  std::optional<uint64_t> content_length() const { return stream_->head.content_length; }
  /// The fields of the request's trailing HEADERS frame, once the body has ended.
  const Fields& request_trailers() const { return stream_->request_trailers; }
  void body_limit(uint64_t max) { stream_->body_limit = max; }
  bool body_too_large() const {
    return stream_->body_limit > 0 && stream_->in_total > stream_->body_limit;
  }

  /// HTTP/2 has no use for 100 Continue here: the client sends its body when it likes.
  asio::awaitable<bool> send_continue() { co_return !stream_->closed; }

  /// Up to `into.size()` request body bytes, waiting until `deadline` for some.
  asio::awaitable<BodyRead> read_body(std::span<char> into, size_t& got,
                                      Clock::time_point deadline = Clock::time_point::max()) {
    got = 0;
    H2Stream& s = *stream_;
    for (;;) {
      if (body_too_large()) co_return BodyRead::TooLarge;
      if (s.pending_in() > 0) {
        got = std::min(into.size(), s.pending_in());
        std::memcpy(into.data(), s.in.data() + s.in_at, got);
        s.in_at += got;
        if (s.in_at == s.in.size()) {
          s.in.clear();
          s.in_at = 0;
        }
        connection_->consumed(s, got);
        co_return BodyRead::Data;
      }
      if (s.request_ended) co_return BodyRead::End;
      if (s.closed || s.body_abandoned) co_return BodyRead::Failed;
      if (!co_await s.readable.wait(deadline)) co_return BodyRead::Timeout;
    }
  }

  /// read_body, waiting at most `timeout` for the bytes.
  asio::awaitable<BodyRead> read_body_within(std::span<char> into, size_t& got,
                                             std::chrono::milliseconds timeout) {
    return read_body(into, got, Clock::now() + timeout);
  }

  /// An answer bridge makes itself.
  asio::awaitable<bool> answer(const ResponseHead& head, const HeadEdit& edit, std::string&,
                               std::string_view body) {
    H2Stream& s = *stream_;
    if (s.closed || s.responded) co_return false;
    h2_response_fields(head, edit, s.head_out, s.unique_field);
    s.out.append(body);
    s.out.ended = true;
    co_return connection_->respond(s, s.head_out.fields, !body.empty());
  }

  /// The request head (HTTP/1.1 on the wire), then the body from DATA frames: chunked unless
  /// the client gave a Content-Length. Hands back the coroutine that writes them (one frame).
  template <class Upstream, class BeforeBody>
  asio::awaitable<RelayResult> send_request(Upstream& upstream, HeadEdit& edit, RelayParams p,
                                            BeforeBody before_body) {
    H2Stream& s = *stream_;
    const bool has_body = !s.request_ended || s.pending_in() > 0;
    const bool chunked = has_body && !content_length();
    if (chunked) edit.make_chunked();
    write_head(s.head, edit, p.wire);
    if (!has_body) return write_head_only(upstream, p);
    return send_request_body(upstream, chunked, p, std::move(before_body));
  }

  /// The upstream's response (`head` read, `body` to come) as HEADERS, its body as DATA.
  template <class Upstream>
  asio::awaitable<RelayResult> relay_response(Upstream& upstream, beast::flat_buffer& from,
                                              const ResponseHead& head, H1Body& body,
                                              const HeadEdit& edit, RelayParams p) {
    H2Stream& s = *stream_;
    if (s.closed || s.responded) co_return RelayResult::WriteFailed;
    h2_response_fields(head, edit, s.head_out, s.unique_field);
    const bool has_body = !body.done();
    if (!connection_->respond(s, s.head_out.fields, has_body)) co_return RelayResult::WriteFailed;
    while (!body.done()) {
      std::string_view bytes = body.buffered_bytes(from);
      std::optional<BodyRead> read;
      if (!bytes.empty()) {
        // Straight from the connection's buffer (untouched until its next read): a body that
        // came with its head needs no relay buffer.
        read = body.consume_buffered(from, bytes.size());
      } else {
        const std::span<char> room = p.chunk.get();
        size_t got = 0;
        read = body.read_buffered(from, room, got);
        if (!read) {
          beast::get_lowest_layer(upstream).expires_after(p.read_timeout);
          read = co_await body.read(upstream, from, room, got);
        }
        bytes = {room.data(), got};
      }
      if (auto ended = relay_end_for(*read)) co_return *ended;
      p.body_bytes += bytes.size();
      s.out.append(bytes);
      if (body.done()) {
        // Chunked trailers become a trailing HEADERS frame.
        add_h2_trailers(body.trailers(), s.out.trailers);
        s.out.ended = true;
      }
      connection_->resume(s);
      // Back-pressure: the client's flow-control window drains stream.out.
      while (s.out.pending() > H2Body::high_water && !s.closed) {
        if (!co_await s.writable.wait(Clock::now() + p.write_timeout))
          co_return RelayResult::WriteTimeout;
      }
      if (s.closed) co_return RelayResult::WriteFailed;
    }
    co_return RelayResult::Done;
  }

  /// The exchange no longer wants the request body (the upstream answered): a pending
  /// read_body returns.
  void abandon_body() {
    stream_->body_abandoned = true;
    stream_->readable.notify();
  }

  /// The head of a response whose body comes in pieces (from an HTTP/2 upstream).
  asio::awaitable<bool> send_head(const ResponseHead& head, const HeadEdit& edit, bool has_body,
                                  std::string&) {
    h2_response_fields(head, edit, stream_->head_out, stream_->unique_field);
    co_return connection_->respond(*stream_, stream_->head_out.fields, has_body);
  }
  asio::awaitable<bool> send_body(std::string_view bytes, std::chrono::milliseconds timeout) {
    H2Stream& s = *stream_;
    if (s.closed) co_return false;
    s.out.append(bytes);
    connection_->resume(s);
    while (s.out.pending() > H2Body::high_water && !s.closed) {
      if (!co_await s.writable.wait(Clock::now() + timeout)) co_return false;
    }
    co_return !s.closed;
  }
  /// The end of the body, with `trailers` in a HEADERS frame of their own (gRPC's status).
  asio::awaitable<bool> finish(const Trailers& trailers) {
    H2Stream& s = *stream_;
    if (s.closed) co_return false;
    s.out.trailers = trailers;
    s.out.ended = true;
    connection_->resume(s);
    co_return true;
  }

  /// HTTP/2 streams never switch protocols (Upgrade is a connection-specific field).
  template <class Upstream>
  asio::awaitable<void> splice_with(Upstream&, beast::flat_buffer&, std::chrono::milliseconds,
                                    BufferPool&) {
    co_return;
  }

 private:
  // The head in `p.wire` and the first body bytes in one write, the rest as they come; the
  // client's trailers in the last chunk.
  template <class Upstream, class BeforeBody>
  asio::awaitable<RelayResult> send_request_body(Upstream& upstream, bool chunked, RelayParams p,
                                                 BeforeBody before_body) {
    H2Stream& s = *stream_;
    if (!co_await before_body()) co_return RelayResult::WriteFailed;
    const ChunkRoom framing(p.chunk.get());
    const std::span<char> room = framing.room;
    bool head_sent = false;
    for (;;) {
      size_t got = 0;
      BodyRead read = co_await read_body(room, got, Clock::now() + p.read_timeout);
      if (read == BodyRead::TooLarge) co_return RelayResult::BodyTooLarge;
      if (read == BodyRead::Timeout) co_return RelayResult::ReadTimeout;
      if (read == BodyRead::Failed || read == BodyRead::Bad) co_return RelayResult::ReadFailed;
      p.body_bytes += got;
      const bool last = read == BodyRead::End;
      // Trailers travel in the last chunk; with a Content-Length, HTTP/1.1 has no place for
      // them and they are dropped (as nginx does).
      const bool with_trailers = last && chunked && !s.request_trailers.empty();
      std::span<char> framed = framing.frame(got, chunked, last && !with_trailers);
      char* begin = framed.data();
      char* end = framed.data() + framed.size();
      std::array<asio::const_buffer, 2> pieces;
      size_t count = 0;
      if (!head_sent) {
        p.wire.append(begin, end);  // the head and the first bytes in one write
        begin = end;
        pieces[count++] = asio::buffer(p.wire);
      }
      if (end != begin) pieces[count++] = asio::buffer(begin, static_cast<size_t>(end - begin));
      std::string trailer_chunk;  // rare: a string of its own
      if (with_trailers) {
        last_chunk_with(s.request_trailers, trailer_chunk);
        pieces[count++] = asio::buffer(trailer_chunk);
      }
      if (count > 0) {
        beast::get_lowest_layer(upstream).expires_after(p.write_timeout);
        auto [ec, n] = co_await asio::async_write(
            upstream, std::span<const asio::const_buffer>(pieces.data(), count), nothrow);
        if (ec) co_return write_outcome(ec);
      }
      head_sent = true;
      if (last) co_return RelayResult::Done;
    }
  }

  std::shared_ptr<H2Connection> connection_;
  std::shared_ptr<H2Stream> stream_;
};

}  // namespace bridge::proxy
