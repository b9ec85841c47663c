#pragma once
// The buffering middleware's part in forwarding: the request body read whole (into a
// SpooledBody) before anything goes upstream and sent with a Content-Length on every attempt;
// the response body read whole before its head goes to the client, so that an answer its
// retryExpression holds for can be thrown away and the request sent again. For HTTP/1.1 and
// HTTP/2 clients and upstreams alike (the clients' send_head / send_body / finish).

#include "proxy/detail/compress.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/forward_step.hpp"
#include "proxy/detail/h2_fields.hpp"
#include "proxy/detail/worker.hpp"

namespace bridge::proxy {

/// The buffering middleware of this request's chain, or null.
inline const middleware::Buffering* buffering_of(const Exchange& ex) {
  return ex.middleware != nullptr && ex.middleware->buffering ? &*ex.middleware->buffering
                                                              : nullptr;
}

/// Adds `words` to the buffering step's words in the record.
void note_buffering(Exchange& ex, std::string_view words);
/// note_buffering: "`what` N bytes in memory" (or "in a temporary file").
void note_held(Exchange& ex, std::string_view what, const SpooledBody& body);

/// How holding a request body ended: all of it held; refused (ex.error says why: 413 past
/// maxRequestBodyBytes, 400 bad framing, 500 no temporary file); or the client went away.
enum class RequestHold { Held, Refused, ClientGone };

/// ex.error for a request body past maxRequestBodyBytes (`size`: its Content-Length, or 0 when
/// it became too large as it came).
void refuse_request_body(Exchange& ex, uint64_t size);
/// ex.error for a body that could not be held (`body.error()`).
void refuse_unstorable(Exchange& ex, const SpooledBody& body);

/// Reads the request body whole into ex.request_spool, answering 100 Continue first when the
/// client asked for it.
template <class Client>
asio::awaitable<RequestHold> hold_request_body(Client& client, Exchange& ex) {
  const config::BufferingMiddleware& o = *buffering_of(ex)->options;
  const auto max = static_cast<uint64_t>(o.max_request_body_bytes);
  if (max > 0 && client.content_length() && *client.content_length() > max) {
    refuse_request_body(ex, *client.content_length());
    co_return RequestHold::Refused;
  }
  ex.request_spool = std::make_unique<SpooledBody>(o.mem_request_body_bytes);
  SpooledBody& spool = *ex.request_spool;
  if (client.body_done()) co_return RequestHold::Held;
  if (ex.expect_continue) {
    ex.expect_continue = false;
    if (!co_await client.send_continue()) co_return RequestHold::ClientGone;
  }
  const auto idle = ex.snapshot.config.limits.idle_timeout;
  BufferPool::Lease buffer = ex.worker.buffers().take();
  for (;;) {
    size_t got = 0;
    const BodyRead read =
        co_await client.read_body_within({buffer.data(), buffer.size()}, got, idle);
    if (got > 0) {
      if (max > 0 && spool.size() + got > max) {
        refuse_request_body(ex, 0);
        co_return RequestHold::Refused;
      }
      if (!spool.append({buffer.data(), got})) {
        refuse_unstorable(ex, spool);
        co_return RequestHold::Refused;
      }
    }
    switch (read) {
    case BodyRead::Data:
      continue;
    case BodyRead::End:
      ex.record.bytes_in += spool.size();
      note_held(ex, "request", spool);
      co_return RequestHold::Held;
    case BodyRead::TooLarge:
      ex.client_keep_alive = false;
      ex.error = {http::status::payload_too_large, "body_too_large",
                  "request body exceeds the configured limit", "raise max_body_bytes"};
      co_return RequestHold::Refused;
    case BodyRead::Bad:
      ex.client_keep_alive = false;
      ex.error = {http::status::bad_request, "bad_request",
                  "malformed request body (invalid chunked encoding)", ""};
      co_return RequestHold::Refused;
    case BodyRead::Timeout:
    case BodyRead::Failed:
      co_return RequestHold::ClientGone;
    }
  }
}

/// The request head's edits for a held body: its Content-Length, no Transfer-Encoding (the
/// body goes whole, so its length is known).
void frame_held_request(const SpooledBody& body, HeadEdit& edit);

/// Writes the head in `p.wire` and the held body to an HTTP/1.1 upstream.
template <class Upstream>
asio::awaitable<RelayResult> send_held_request(Upstream& upstream, const SpooledBody& body,
                                               RelayParams p) {
  const std::span<char> chunk = p.chunk.get();
  uint64_t at = 0;
  bool head_sent = false;
  do {
    const size_t n = body.read_at(at, chunk);
    if (n == 0 && at < body.size()) co_return RelayResult::WriteFailed;  // the file failed
    if (!head_sent) p.wire.append(chunk.data(), n);  // head and first bytes in one write
    const asio::const_buffer piece =
        head_sent ? asio::buffer(chunk.data(), n) : asio::buffer(p.wire);
    beast::get_lowest_layer(upstream).expires_after(p.write_timeout);
    auto [ec, written] = co_await asio::async_write(upstream, piece, nothrow);
    if (ec) co_return write_outcome(ec);
    head_sent = true;
    at += n;
  } while (at < body.size());
  co_return RelayResult::Done;
}

/// How holding a response body ended.
enum class ResponseHold { Held, TooLarge, Unstorable, UpstreamFailed, UpstreamTimeout };

/// Reads an HTTP/1.1 upstream's response body whole into `into` (at most `max` bytes, 0: no
/// limit).
template <class Upstream>
asio::awaitable<ResponseHold> hold_response_body(Upstream& upstream, beast::flat_buffer& from,
                                                 H1Body& body, SpooledBody& into, uint64_t max,
                                                 RelayParams p) {
  const std::span<char> room = p.chunk.get();
  while (!body.done()) {
    size_t got = 0;
    std::optional<BodyRead> read = body.read_buffered(from, room, got);
    if (!read) {
      beast::get_lowest_layer(upstream).expires_after(p.read_timeout);
      read = co_await body.read(upstream, from, room, got);
    }
    if (*read == BodyRead::Timeout) co_return ResponseHold::UpstreamTimeout;
    if (*read != BodyRead::Data && *read != BodyRead::End) co_return ResponseHold::UpstreamFailed;
    if (max > 0 && into.size() + got > max) co_return ResponseHold::TooLarge;
    if (!into.append({room.data(), got})) co_return ResponseHold::Unstorable;
    if (*read == BodyRead::End) break;
  }
  co_return ResponseHold::Held;
}

/// How an exchange whose response could not be held ends (nothing went to the client yet).
StepResult response_hold_failed(Exchange& ex, ResponseHold hold, const SpooledBody& body);

/// After a response was held whole: Step::Replay when buffering's retryExpression wants the
/// request sent again (the record says why), nullopt to send it. Sets the response edits for a
/// held body (its Content-Length, unless `encoded`).
std::optional<StepResult> after_response_held(Exchange& ex, unsigned status,
                                              const SpooledBody& body, bool encoded,
                                              HeadEdit& edit);

/// The held response to the client: `head` as `edit` changes it, the body (through the encoder
/// when there is one), then `trailers`. False when the client went away.
template <class Client>
asio::awaitable<bool> send_held_response(Client& client, Exchange& ex, const ResponseHead& head,
                                         const HeadEdit& edit, const SpooledBody& body,
                                         const Trailers& trailers, ResponseEncoding& encoding,
                                         std::chrono::milliseconds timeout) {
  const bool has_body = body.size() > 0 || static_cast<bool>(encoding);
  if (!co_await client.send_head(head, edit, has_body || !trailers.empty(), ex.scratch.wire))
    co_return false;
  if (has_body) {
    BufferPool::Lease buffer = ex.worker.buffers().take();
    ex.scratch.encoded.clear();
    uint64_t at = 0;
    do {
      const size_t n = body.read_at(at, {buffer.data(), buffer.size()});
      if (n == 0 && at < body.size()) co_return false;  // the file failed
      at += n;
      // The whole body is at hand: the encoder's output goes out as it gathers.
      if (!co_await send_body_piece(
              client, encoding, ex.scratch.encoded, {buffer.data(), n},
              at == body.size() ? middleware::Then::End : middleware::Then::More, timeout))
        co_return false;
      if (!encoding) ex.record.bytes_out += n;
    } while (at < body.size());
    if (encoding) ex.record.bytes_out += encoding.out_bytes;
  }
  co_return co_await client.finish(trailers);
}

}  // namespace bridge::proxy
