// The exchange over an HTTP/2 upstream: the request on a stream of the target's session, the
// response head, body and trailers back through the client's codec.
#include "proxy/detail/buffering.hpp"
#include "proxy/detail/compress.hpp"
#include "proxy/detail/content_sniff.hpp"
#include "proxy/detail/error_page.hpp"
#include "proxy/detail/forward_step.hpp"
#include "proxy/detail/grpc_web.hpp"
#include "proxy/detail/h1_client.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/head_rules.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"

#include "middleware/grpc_web.hpp"

#include <charconv>
#include <utility>

namespace bridge::proxy {

namespace {

// grpc-status as a number (0..16 and beyond, as the peer sent it); -1 when absent or not one.
int grpc_status_of(std::string_view value) {
  int code = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), code);
  return ec == std::errc{} && end == value.data() + value.size() && code >= 0 ? code : -1;
}

}  // namespace

template <class Client>
asio::awaitable<StepResult> exchange_over_h2(Client& client, Exchange& ex,
                                             H2UpstreamSession& session, std::string_view scheme) {
  const auto route_timeout = ex.route->config->timeout;
  const auto idle = ex.snapshot.config.limits.idle_timeout;
  H2FieldList fields;
  h2_request_fields(ex.head, ex.scratch.request, scheme, fields,
                    ex.snapshot.config.trace.request_id_header);
  // A gRPC-Web call goes up as gRPC: with "te: trailers", its text body base64-decoded.
  const middleware::GrpcWebCall* web =
      ex.middleware != nullptr && ex.middleware->grpc_web ? &*ex.middleware->grpc_web : nullptr;
  std::optional<middleware::Base64Decoder> decoder;
  if (web != nullptr) {
    const bool has_te = std::any_of(fields.fields.begin(), fields.fields.end(), [](const auto& f) {
      return std::string_view(reinterpret_cast<const char*>(f.name), f.namelen) == "te";
    });
    if (!has_te) fields.fields.push_back(h2_field("te", "trailers"));
    if (web->text) decoder.emplace();
  }
  // A buffering middleware's body goes from its spool, on every attempt.
  SpooledBody* const spool = ex.request_spool.get();
  const bool has_body = spool != nullptr ? spool->size() > 0 : !client.body_done();
  std::shared_ptr<H2UpstreamStream> up = session.open(fields.fields, has_body);
  if (!up) {
    StepResult retry;
    retry.step = Step::Retry;  // the session filled up or is going away: another one
    co_return retry;
  }
  ex.mark(trace::Phase::RequestSent);
  // The request body. An HTTP/1.x client's comes whole before its response is read; an
  // HTTP/2 client's keeps coming while the response streams.
  BodyRead body_end = BodyRead::End;  // how the request body ended
  bool pumping = has_body;
  Signal pump_done(ex.worker.context().get_executor());
  auto pump_body = [&]() -> asio::awaitable<void> {
    BufferPool::Lease buffer = ex.worker.buffers().take();
    uint64_t spooled_at = 0;
    for (;;) {
      size_t got = 0;
      BodyRead read = BodyRead::End;
      if (spool != nullptr) {
        got = spool->read_at(spooled_at, std::span<char>(buffer.data(), buffer.size()));
        spooled_at += got;
        read = spooled_at == spool->size() ? BodyRead::End
               : got == 0                  ? BodyRead::Failed  // the file failed
                                           : BodyRead::Data;
      } else {
        read = co_await client.read_body(std::span<char>(buffer.data(), buffer.size()), got);
        ex.record.bytes_in += got;
      }
      std::string_view bytes(buffer.data(), got);
      std::string decoded;  // a gRPC-Web text body's bytes
      if (decoder &&
          (!decoder->decode(bytes, decoded) || (read == BodyRead::End && !decoder->complete()))) {
        body_end = BodyRead::Bad;
        session.cancel(*up);
        break;
      }
      if (decoder) bytes = decoded;
      if (!bytes.empty() && !up->closed) {
        up->out.append(bytes);
        session.resume(*up);
        while (up->out.pending() > H2Body::high_water && !up->closed) {
          if (!co_await up->writable.wait(Clock::now() + idle)) break;
        }
      }
      if (read == BodyRead::End) {
        add_h2_trailers(client.request_trailers(), up->out.trailers);
        up->out.ended = true;
        session.resume(*up);
        break;
      }
      if (read != BodyRead::Data || up->closed) {
        if (!up->closed) body_end = read;
        session.cancel(*up);
        break;
      }
    }
    pumping = false;
    pump_done.notify();
  };
  // However this exchange ends, the pump (which refers to this frame) ends first.
  auto stop_pump = [&]() -> asio::awaitable<void> {
    if constexpr (Client::multiplexed) {
      if (!pumping) co_return;
      client.abandon_body();
      up->writable.notify();
      // NOLINTNEXTLINE(bugprone-infinite-loop): the pump coroutine clears `pumping`
      while (pumping) co_await pump_done.wait();
    }
  };
  // A body bridge refused is answered as such, not as the upstream's reset it caused.
  auto body_refusal = [&]() -> std::optional<StepResult> {
    ex.client_keep_alive = false;
    if (body_end == BodyRead::TooLarge)
      return failed({http::status::payload_too_large, "body_too_large",
                     "request body exceeds the configured limit", "raise max_body_bytes"});
    if (body_end == BodyRead::Bad)
      return failed({http::status::bad_request, "bad_request",
                     decoder ? "malformed gRPC-Web text body (not base64)"
                             : "malformed request body (invalid chunked encoding)",
                     ""});
    return std::nullopt;
  };
  if (has_body) {
    if constexpr (Client::multiplexed) {
      asio::co_spawn(ex.worker.context(), pump_body(), asio::detached);
    } else {
      co_await pump_body();
      if (body_end != BodyRead::End) {
        if (auto refused = body_refusal()) co_return std::move(*refused);
        co_return StepResult{};  // the client went away mid-body
      }
    }
  }
  const auto deadline = Clock::now() + route_timeout;
  while (!up->head_done && !up->closed) {
    if (!co_await up->readable.wait(deadline)) break;
  }
  if (!up->head_done) {
    co_await stop_pump();
    if (body_end != BodyRead::End) {
      if (auto refused = body_refusal()) co_return std::move(*refused);
    }
    if (!up->closed) {
      session.cancel(*up);
      co_return failed(
          {http::status::gateway_timeout, "upstream_timeout",
           "upstream did not answer within " + std::to_string(route_timeout.count()) + " ms",
           "raise the route's timeout or check the upstream"});
    }
    if (up->refused && !has_body) {
      StepResult retry;
      retry.step = Step::Retry;  // GOAWAY or REFUSED_STREAM: not processed, try again
      co_return retry;
    }
    co_return failed_unanswered(
        {http::status::bad_gateway, "upstream_error",
         std::string("upstream reset the HTTP/2 stream before responding (") +
             nghttp2_http2_strerror(up->error_code) + ")",
         ""});
  }
  ex.mark(trace::Phase::FirstByte);
  ResponseHead& head = up->head;
  ex.record.status = static_cast<int>(head.status);
  // A trailers-only gRPC answer has its status in the head.
  if (head.fields.has("grpc-status"))
    ex.record.grpc_status = grpc_status_of(head.fields.get("grpc-status"));
  if (ex.recording) capture_in_headers(ex.record.response_in, ex.response_in_from, head.fields, ex);
  HeadEdit& edit = ex.scratch.response;
  edit_response_head(head, ex, edit);
  if (ex.breakpoint) {
    edit.apply(head);
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Response, head.fields,
                                              static_cast<int>(head.status));
    if (action == Decision::Action::Abort) {
      session.cancel(*up);
      co_await stop_pump();
      co_return failed(std::move(ex.error));
    }
  }
  if (const auto* pages = error_pages_wanted(ex, head.status)) {
    const unsigned status = head.status;
    if (auto page = co_await fetch_error_page(ex, *pages, status)) {
      session.cancel(*up);  // its body is left unread
      co_await stop_pump();
      StepResult replaced;
      replaced.outcome = co_await send_error_page(client, ex, *pages, status, *page);
      co_return replaced;
    }
  }
  if (wants_content_type(ex, head)) {
    if (up->pending_in() == 0 && !up->ended && !up->closed)
      co_await up->readable.wait(Clock::now() + route_timeout);
    add_sniffed_content_type(ex, edit,
                             std::string_view(up->in.data() + up->in_at, up->pending_in()));
  }
  // A gRPC-Web answer carries the trailers in its body: one more frame, unless the status came
  // in the head (trailers-only), which a gRPC-Web client reads there.
  if (web != nullptr) grpc_web_response_head(*web, head, edit);
  const bool upstream_body = !(up->ended && up->pending_in() == 0);
  const bool has_response_body =
      (upstream_body || (web != nullptr && !head.fields.has("grpc-status"))) && !ex.head_request &&
      head.status != 204 && head.status != 304;
  // A trailers-only gRPC-Web answer: an HTTP/1.1 client must know there is no body.
  if (web != nullptr && !has_response_body) edit.set("Content-Length", "0");
  ResponseEncoding encoding;
  if (has_response_body) encoding = start_compression(ex, head, edit);
  std::unique_ptr<SpooledBody> held;  // the whole response body, for a buffering middleware
  // (A gRPC-Web answer streams: its frames are translated as they come.)
  if (const auto* buffering = buffering_of(ex); buffering != nullptr && web == nullptr) {
    held = std::make_unique<SpooledBody>(buffering->options->mem_response_body_bytes);
    const auto max = static_cast<uint64_t>(buffering->options->max_response_body_bytes);
    ResponseHold hold = ResponseHold::Held;
    while (has_response_body && hold == ResponseHold::Held) {
      if (up->pending_in() > 0) {
        const std::string_view bytes(up->in.data() + up->in_at, up->pending_in());
        if (max > 0 && held->size() + bytes.size() > max)
          hold = ResponseHold::TooLarge;
        else if (!held->append(bytes))
          hold = ResponseHold::Unstorable;
        session.consumed(*up, bytes.size());
        up->in.clear();
        up->in_at = 0;
        continue;
      }
      if (up->ended) break;
      if (up->closed)
        hold = ResponseHold::UpstreamFailed;
      else if (!co_await up->readable.wait(Clock::now() + route_timeout))
        hold = ResponseHold::UpstreamTimeout;
    }
    std::optional<StepResult> ended;
    if (hold != ResponseHold::Held)
      ended = response_hold_failed(ex, hold, *held);
    else
      ended = after_response_held(ex, head.status, *held, static_cast<bool>(encoding), edit);
    if (ended) {
      if (!up->ended) session.cancel(*up);
      co_await stop_pump();
      co_return std::move(*ended);
    }
  }
  if (ex.recording) {
    capture_out_headers(ex.record.response_out, ex.record.response_out_edit, head.fields, edit,
                        ex.response_in_from, ex);
  }
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  if (has_response_body &&
      (encoding || web != nullptr || (!held && !head.fields.has(Field::ContentLength)))) {
    if (ex.head.version >= 11)
      edit.make_chunked();
    else
      keep = false;
  }
  state_keep_alive(edit, ex.head.version, keep);
  StepResult result;
  result.outcome = keep ? Outcome::KeepAlive : Outcome::Close;
  if (held) {
    for (const auto& [name, value] : up->trailers)
      if (name == "grpc-status") ex.record.grpc_status = grpc_status_of(value);
    if (!co_await send_held_response(client, ex, head, edit, *held, up->trailers, encoding, idle)) {
      if (ex.record.error.empty()) ex.record.error = "client closed during response";
      result.outcome = Outcome::Close;
    }
    finish_compression(ex, encoding);
    co_await stop_pump();
    co_return result;
  }
  bool sent = co_await client.send_head(
      head, edit, has_response_body || (web == nullptr && !up->trailers.empty()), ex.scratch.wire);
  std::string taken;  // the body bytes being sent (swapped with up->in: no copy)
  ex.scratch.encoded.clear();
  std::optional<middleware::Base64Encoder> text;  // a gRPC-Web text answer's body
  if (web != nullptr && web->text) text.emplace();
  while (sent && has_response_body) {
    if (up->pending_in() > 0) {
      // Taken out of the stream before the write waits: DATA that arrives meanwhile appends
      // to up->in (which may reallocate), and must not be cleared with these bytes.
      taken.clear();
      std::swap(taken, up->in);
      const size_t at = std::exchange(up->in_at, 0);
      const std::string_view bytes(taken.data() + at, taken.size() - at);
      if (text) {
        ex.scratch.encoded.clear();
        text->encode(bytes, ex.scratch.encoded);
        sent = co_await client.send_body(ex.scratch.encoded, idle);  // none under 3 bytes
      } else {
        sent = co_await send_body_piece(client, encoding, ex.scratch.encoded, bytes,
                                        middleware::Then::Wait, idle);
      }
      if (!encoding) ex.record.bytes_out += bytes.size();
      session.consumed(*up, bytes.size());
      continue;
    }
    if (up->ended) break;
    if (up->closed || !co_await up->readable.wait(Clock::now() + route_timeout)) {
      ex.record.error = "upstream failed mid-response";
      session.cancel(*up);
      sent = false;
    }
  }
  if (sent && encoding) {
    sent = co_await send_body_piece(client, encoding, ex.scratch.encoded, {}, middleware::Then::End,
                                    idle);
    ex.record.bytes_out += encoding.out_bytes;
    finish_compression(ex, encoding);
  }
  for (const auto& [name, value] : up->trailers)
    if (name == "grpc-status") ex.record.grpc_status = grpc_status_of(value);
  if (web != nullptr) {
    if (sent && has_response_body) {
      const std::string last = grpc_web_body_end(up->trailers, text ? &*text : nullptr);
      ex.record.bytes_out += last.size();
      sent = co_await client.send_body(last, idle);
    }
    if (sent) sent = co_await client.finish({});
  } else if (sent) {
    sent = co_await client.finish(up->trailers);
  }
  if (!sent) {
    if (ex.record.error.empty()) ex.record.error = "client closed during response";
    session.cancel(*up);
    result.outcome = Outcome::Close;
  }
  co_await stop_pump();
  co_return result;
}

template asio::awaitable<StepResult> exchange_over_h2(H1Client<DeadlineStream>&, Exchange&,
                                                      H2UpstreamSession&, std::string_view);
template asio::awaitable<StepResult> exchange_over_h2(H1Client<TlsClientStream>&, Exchange&,
                                                      H2UpstreamSession&, std::string_view);
template asio::awaitable<StepResult> exchange_over_h2(H2Client&, Exchange&, H2UpstreamSession&,
                                                      std::string_view);

}  // namespace bridge::proxy
