#pragma once
// The compress middleware's part in forwarding: whether a response qualifies (decided once its
// head is known), the head changes that encoding it makes, and the body relayed through the
// encoder for HTTP/1.1 and HTTP/2 clients alike (their send_head / send_body / finish).

#include "middleware/encoder.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_fields.hpp"

namespace bridge::proxy {

/// What encoding one response took: the encoder, and bytes in and out for the record.
struct ResponseEncoding {
  middleware::EncoderLease encoder;
  uint64_t in_bytes = 0;
  uint64_t out_bytes = 0;
  explicit operator bool() const { return encoder != nullptr; }
};

/// An encoder when a compress middleware chose an encoding for this request and the response
/// (`head`, with `edit` pending) qualifies; then `edit` drops the framing fields and names the
/// encoding (Content-Encoding, Vary, a weak ETag). Otherwise nothing, and the record says why.
ResponseEncoding start_compression(Exchange& ex, const ResponseHead& head, HeadEdit& edit);

/// The compress step's words in the record, once the body went: bytes in and out.
void finish_compression(Exchange& ex, const ResponseEncoding& encoding);

/// `bytes` (the last piece when `last`) to the client, through the encoder when there is one.
template <class Client>
asio::awaitable<bool> send_body_piece(Client& client, ResponseEncoding& encoding,
                                      std::string& scratch, std::string_view bytes, bool last,
                                      std::chrono::milliseconds timeout) {
  if (!encoding) co_return bytes.empty() || co_await client.send_body(bytes, timeout);
  if (bytes.empty() && !last) co_return true;  // nothing new: no empty flush block
  encoding.in_bytes += bytes.size();
  scratch.clear();
  if (!encoding.encoder->encode(bytes, last, scratch)) co_return false;
  encoding.out_bytes += scratch.size();
  co_return scratch.empty() || co_await client.send_body(scratch, timeout);
}

/// The upstream's response (`head` read, `body` to come) as `edit` changes it, the body
/// encoded piece by piece as it arrives.
template <class Client, class Upstream>
asio::awaitable<RelayResult>
relay_encoded(Client& client, Upstream& upstream, beast::flat_buffer& from,
              const ResponseHead& head, H1Body& body, const HeadEdit& edit,
              ResponseEncoding& encoding, std::string& scratch, RelayParams p) {
  if (!co_await client.send_head(head, edit, true, p.wire)) co_return RelayResult::WriteFailed;
  const std::span<char> room = p.chunk.get();
  for (;;) {
    size_t got = 0;
    std::optional<BodyRead> read = body.read_buffered(from, room, got);
    if (!read) {
      beast::get_lowest_layer(upstream).expires_after(p.read_timeout);
      read = co_await body.read(upstream, from, room, got);
    }
    if (auto ended = relay_end_for(*read)) co_return *ended;
    const bool last = body.done();
    if (!co_await send_body_piece(client, encoding, scratch, {room.data(), got}, last,
                                  p.write_timeout))
      co_return RelayResult::WriteFailed;
    if (last) break;
  }
  p.body_bytes += encoding.out_bytes;
  Trailers trailers;
  if (body.chunked()) add_h2_trailers(body.trailers(), trailers);
  co_return co_await client.finish(trailers) ? RelayResult::Done : RelayResult::WriteFailed;
}

}  // namespace bridge::proxy
