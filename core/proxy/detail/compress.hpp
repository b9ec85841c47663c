#pragma once
// The compress middleware's part in forwarding: whether a response qualifies (decided once its
// head is known), the head changes that encoding it makes, and the body relayed through the
// encoder for HTTP/1.1 and HTTP/2 clients alike (their send_head / send_body / finish).

#include "middleware/encoder.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_fields.hpp"

namespace bridge::proxy {

/// What encoding one response took, and bytes in and out for the record. The encoder is taken
/// for the first piece and given back with the last, not held from the head on: while a
/// response waits to send its head, other responses then reuse the encoder whose state is
/// still in cache, and a worker needs about as many encoders as it encodes bodies at once.
struct ResponseEncoding {
  std::optional<middleware::Encoding> encoding;
  std::optional<uint64_t> length;  // the body's Content-Length: sizes zstd's and brotli's tables
  middleware::EncoderLease encoder;
  uint64_t in_bytes = 0;
  uint64_t out_bytes = 0;
  bool unflushed = false;  // bytes went in since the last flush
  explicit operator bool() const { return encoding.has_value(); }
};

/// How much encoded output may gather in the scratch before it is written while more of the
/// body is at hand.
inline constexpr size_t encoded_write_size = 32 * 1024;

/// An encoder when a compress middleware chose an encoding for this request and the response
/// (`head`, with `edit` pending) qualifies; then `edit` drops the framing fields and names the
/// encoding (Content-Encoding, Vary, a weak ETag). Otherwise nothing, and the record says why.
ResponseEncoding start_compression(Exchange& ex, const ResponseHead& head, HeadEdit& edit);

/// The compress step's words in the record, once the body went: bytes in and out.
void finish_compression(Exchange& ex, const ResponseEncoding& encoding);

/// `bytes` to the client, through the encoder when there is one; `then` says what follows
/// them. With more at hand the encoder's output gathers in `scratch` (up to
/// encoded_write_size): a write lets the event loop run every other connection's ready work,
/// and the encoder's state (hundreds of KiB) comes back from memory, not cache, after it.
/// Before a wait everything encoded goes out, flushed.
template <class Client>
asio::awaitable<bool> send_body_piece(Client& client, ResponseEncoding& encoding,
                                      std::string& scratch, std::string_view bytes,
                                      middleware::Then then, std::chrono::milliseconds timeout) {
  if (!encoding) co_return bytes.empty() || co_await client.send_body(bytes, timeout);
  using middleware::Then;
  // Nothing new since the last flush: no empty flush block.
  if (!bytes.empty() || then == Then::End || (then == Then::Wait && encoding.unflushed)) {
    if (!encoding.encoder) {
      encoding.encoder = middleware::take_encoder(*encoding.encoding);
      if (encoding.encoder && encoding.length) encoding.encoder->size_hint(*encoding.length);
    }
    encoding.in_bytes += bytes.size();
    if (!encoding.encoder || !encoding.encoder->encode(bytes, then, scratch)) {
      scratch.clear();  // no memory for an encoder, or the library failed
      co_return false;
    }
    encoding.unflushed = then == Then::More;
    if (then == Then::End) encoding.encoder.reset();  // back to the spares, its state warm
  }
  if (then == Then::More && scratch.size() < encoded_write_size) co_return true;
  encoding.out_bytes += scratch.size();
  const bool sent = scratch.empty() || co_await client.send_body(scratch, timeout);
  scratch.clear();
  co_return sent;
}

/// The upstream's response (`head` read, `body` to come) as `edit` changes it, the body
/// encoded as it arrives: what is at hand without waiting is encoded in one go (a 100 KB JSON
/// answer on loopback, whole), flushed and written before the next wait.
template <class Client, class Upstream>
asio::awaitable<RelayResult>
relay_encoded(Client& client, Upstream& upstream, beast::flat_buffer& from,
              const ResponseHead& head, H1Body& body, const HeadEdit& edit,
              ResponseEncoding& encoding, std::string& scratch, RelayParams p) {
  using middleware::Then;
  if (!co_await client.send_head(head, edit, true, p.wire)) co_return RelayResult::WriteFailed;
  const std::span<char> room = p.chunk.get();
  scratch.clear();
  for (;;) {
    size_t got = 0;
    std::optional<BodyRead> read = body.read_ready(upstream, from, room, got);
    if (!read) {
      if (!co_await send_body_piece(client, encoding, scratch, {}, Then::Wait, p.write_timeout))
        co_return RelayResult::WriteFailed;
      beast::get_lowest_layer(upstream).expires_after(p.read_timeout);
      read = co_await body.read(upstream, from, room, got);
    }
    if (auto ended = relay_end_for(*read)) co_return *ended;
    const bool last = body.done();
    if (!co_await send_body_piece(client, encoding, scratch, {room.data(), got},
                                  last ? Then::End : Then::More, p.write_timeout))
      co_return RelayResult::WriteFailed;
    if (last) break;
  }
  p.body_bytes += encoding.out_bytes;
  Trailers trailers;
  if (body.chunked()) add_h2_trailers(body.trailers(), trailers);
  co_return co_await client.finish(trailers) ? RelayResult::Done : RelayResult::WriteFailed;
}

}  // namespace bridge::proxy
