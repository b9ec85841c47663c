// Forwarding one request to an upstream target and relaying the response back: choose a
// target (balancer.cpp), connect or reuse, then the exchange in three steps (send the request,
// read the response head, relay the response), retried on a pooled connection the upstream
// had already closed.
#include "proxy/detail/balancer.hpp"
#include "proxy/detail/buffering.hpp"
#include "proxy/detail/compress.hpp"
#include "proxy/detail/content_sniff.hpp"
#include "proxy/detail/error_page.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/forward_step.hpp"
#include "proxy/detail/h1_client.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/h2_upstream.hpp"
#include "proxy/detail/head_rules.hpp"
#include "proxy/detail/request_head.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/front_door.hpp"
#include "proxy/rewrite.hpp"

namespace bridge::proxy {

namespace {

std::string sni_for(const Target& target, const Exchange& ex) {
  const auto& tls = ex.route->upstream->config.tls;
  if (!tls.sni.empty()) return tls.sni;
  const std::string& rewrite = ex.route->config->host_rewrite;
  if (!rewrite.empty())
    return rewrite.substr(0, rewrite.rfind(':') == std::string::npos ||
                                     rewrite.find(']') != std::string::npos
                                 ? rewrite.size()
                                 : rewrite.rfind(':'));
  return target.host;
}

bool is_stale_connection_error(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

// An upstream's response head may be larger than a client's request head (cookies, CSP).
constexpr size_t max_response_head_bytes = 64 * 1024;

// How the request went upstream (step 1): nullopt once all of it went; otherwise how the
// exchange ends. `body_started` says whether the client may have sent body bytes (after which
// a retry on another connection is impossible).
std::optional<StepResult> request_sent(RelayResult sent, Exchange& ex,
                                       const UpstreamConnection& conn, bool body_started) {
  switch (sent) {
  case RelayResult::Done:
    ex.mark(trace::Phase::RequestSent);
    return std::nullopt;
  case RelayResult::BodyTooLarge:
    ex.client_keep_alive = false;
    return failed({http::status::payload_too_large, "body_too_large",
                   "request body exceeds the configured limit", "raise max_body_bytes"});
  case RelayResult::BadInput:
    ex.client_keep_alive = false;
    return failed({http::status::bad_request, "bad_request",
                   "malformed request body (invalid chunked encoding)", ""});
  case RelayResult::ReadFailed:
  case RelayResult::ReadTimeout:
    return StepResult{};  // the client went away mid-body: nothing to answer
  case RelayResult::WriteFailed:
  case RelayResult::WriteTimeout:
    break;
  }
  StepResult result = failed_unanswered({http::status::bad_gateway, "upstream_error",
                                         "upstream closed the connection while receiving the "
                                         "request",
                                         ""});
  if (conn.reused && !body_started) result.step = Step::Retry;
  return result;
}

// What read_head brought (step 2): the upstream's response head parsed into
// ex.scratch.response_head, its body framed in ex.scratch.response_body. nullopt once a final
// head is there, with `interim` set for a 1xx answer to skip; otherwise how the exchange ends.
std::optional<StepResult> response_head_read(HeadStatus status, const error_code& ec,
                                             size_t head_bytes, bool first, Exchange& ex,
                                             UpstreamConnection& conn, bool body_started,
                                             bool& interim) {
  const auto route_timeout = ex.route->config->timeout;
  ResponseHead& head = ex.scratch.response_head;
  interim = false;
  if (status == HeadStatus::Closed) {
    if (first && conn.reused && !body_started && conn.buffer.size() == 0 &&
        is_stale_connection_error(ec)) {
      StepResult retry;
      retry.step = Step::Retry;
      return retry;
    }
    return failed_unanswered(
        {http::status::bad_gateway, "upstream_error",
         "upstream failed before responding: " +
             (ec == asio::error::eof ? std::string("end of stream") : ec.message()),
         ""});
  }
  if (status == HeadStatus::Timeout) {
    return failed(
        {http::status::gateway_timeout, "upstream_timeout",
         "upstream did not answer within " + std::to_string(route_timeout.count()) + " ms",
         "raise the route's timeout or check the upstream"});
  }
  if (status == HeadStatus::TooLarge) {
    return failed(
        {http::status::bad_gateway, "upstream_error",
         "upstream response head exceeds " + std::to_string(max_response_head_bytes) + " bytes",
         "check the upstream"});
  }
  const std::string bad = bridge::http::h1::parse_response_head(
      {static_cast<const char*>(conn.buffer.data().data()), head_bytes}, head);
  conn.buffer.consume(head_bytes);
  if (!bad.empty()) {
    return failed({http::status::bad_gateway, "upstream_error",
                   "upstream failed before responding: " + printable(bad), ""});
  }
  ex.scratch.response_body.start(bridge::http::h1::response_framing(head, ex.head_request));
  const int code = static_cast<int>(head.status);
  if (code < 100) {
    // Three digits, so the parser took it, but no status (RFC 9110 15): "HTTP/1.1 20 OK"
    // would reach the client.
    return failed({http::status::bad_gateway, "upstream_error",
                   "upstream answered with status code " + std::to_string(code) +
                       ", which is not one (100-999)",
                   "check the upstream"});
  }
  if (code == 101 && !ex.upgrade) {
    // A switch nobody asked for: relayed, the client would take its next bytes as another
    // protocol's.
    return failed({http::status::bad_gateway, "upstream_error",
                   "upstream answered 101 Switching Protocols to a request without Upgrade",
                   "check the upstream"});
  }
  interim = code >= 100 && code < 200 && code != 101;
  return std::nullopt;
}

// The final response head has come (step 3 begins): recorded as it arrived and edited for the
// client. A response breakpoint holds it after this.
StepResult response_arrived(Exchange& ex) {
  ResponseHead& head = ex.scratch.response_head;
  ex.mark(trace::Phase::FirstByte);
  ex.record.status = static_cast<int>(head.status);
  StepResult result;
  result.upstream_reusable = bridge::http::keep_alive(head.version, head.fields) && !ex.upgrade;
  if (ex.recording) capture_in_headers(ex.record.response_in, ex.response_in_from, head.fields, ex);
  edit_response_head(head, ex, ex.scratch.response);
  return result;
}

// How the response goes to the client, once past any breakpoint: its head as sent recorded,
// framing and keep-alive settled. Whether the connection keeps going is `keep`. An `encoded`
// body has no length until it ends: chunked, or delimited by closing for HTTP/1.0.
bool frame_response(Exchange& ex, StepResult& result, bool switching, bool encoded,
                    bool held = false) {
  ResponseHead& head = ex.scratch.response_head;
  HeadEdit& edit = ex.scratch.response;
  if (ex.recording) {
    capture_out_headers(ex.record.response_out, ex.record.response_out_edit, head.fields, edit,
                        ex.response_in_from, ex);
  }
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  const bool has_body = !ex.head_request && head.status != 204 && head.status != 304 && !switching;
  if (has_body && !head.chunked && !head.content_length) result.upstream_reusable = false;
  // A held body has a Content-Length now (after_response_held).
  if (has_body && (encoded || (!held && !head.chunked && !head.content_length))) {
    // Close-delimited upstream body: re-frame as chunked so the client can keep the connection.
    if (ex.head.version >= 11)
      edit.make_chunked();
    else
      keep = false;
  }
  if (switching)
    ex.scratch.response_body.start({});  // what follows the 101 is the other protocol's
  if (!switching) state_keep_alive(edit, ex.head.version, keep);
  return keep;
}

// The exchange over an HTTP/1.1 upstream connection, in three steps: send the request, read
// the response head (interim 1xx answers are skipped), relay the response (held first at a
// response breakpoint, replaced by an errors middleware's page when its status calls for one;
// after a 101 the bytes of both directions until either side closes).
// One coroutine: the steps' decisions are plain functions above, so a request allocates and
// resumes one frame here rather than one per step.
template <class Client, class UpstreamStream>
asio::awaitable<StepResult> exchange_with(Client& client, Exchange& ex, UpstreamStream& upstream,
                                          UpstreamConnection& conn) {
  if (ex.middleware != nullptr && ex.middleware->grpc_web) {
    // gRPC needs HTTP/2's trailers: the call is not sent over this connection.
    co_return failed({http::status::bad_gateway, "upstream_protocol",
                      "a gRPC-Web call (grpcWeb middleware) needs an HTTP/2 upstream, and " +
                          ex.record.target + " speaks HTTP/1.1",
                      "give the gRPC service an h2c:// target, or protocol = \"h2c\" on its "
                      "upstream"});
  }
  RelayBuffer chunk(ex.worker.buffers());
  const auto& limits = ex.snapshot.config.limits;
  const auto route_timeout = ex.route->config->timeout;
  bool body_started = false;
  auto send_continue = [&]() -> asio::awaitable<bool> {
    body_started = true;
    if (!ex.expect_continue) co_return true;
    co_return co_await client.send_continue();
  };
  RelayResult sent = RelayResult::Done;
  if (ex.request_spool) {
    // A buffering middleware's body, counted as it came: the same on every attempt.
    uint64_t resent_bytes = 0;
    write_head(ex.head, ex.scratch.request, ex.scratch.wire);
    sent = co_await send_held_request(
        upstream, *ex.request_spool,
        RelayParams{ex.scratch.wire, chunk, limits.idle_timeout, route_timeout, resent_bytes});
  } else {
    sent = co_await client.send_request(
        upstream, ex.scratch.request,
        RelayParams{ex.scratch.wire, chunk, limits.idle_timeout, route_timeout, ex.record.bytes_in},
        send_continue);
  }
  if (auto ended = request_sent(sent, ex, conn, body_started)) co_return std::move(*ended);

  for (bool first = true, interim = true; interim; first = false) {
    size_t head_bytes = 0;
    error_code ec;
    const HeadStatus status = co_await read_head(upstream, conn.buffer, max_response_head_bytes,
                                                 route_timeout, route_timeout, head_bytes, ec);
    if (auto ended =
            response_head_read(status, ec, head_bytes, first, ex, conn, body_started, interim))
      co_return std::move(*ended);
  }

  ResponseHead& head = ex.scratch.response_head;
  StepResult result = response_arrived(ex);
  const bool switching = ex.upgrade && head.status == 101;
  if (ex.breakpoint) {
    ex.scratch.response.apply(head);  // the breakpoint shows and edits real fields
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Response, head.fields,
                                              static_cast<int>(head.status));
    // The upstream body is unread: that connection is done.
    if (action == Decision::Action::Abort) co_return failed(std::move(ex.error));
  }
  if (const auto* pages = error_pages_wanted(ex, head.status)) {
    const unsigned status = head.status;
    if (auto page = co_await fetch_error_page(ex, *pages, status)) {
      result.upstream_reusable = false;  // its body is left unread
      result.outcome = co_await send_error_page(client, ex, *pages, status, *page);
      co_return result;
    }
  }
  if (!switching)
    co_await sniff_content_type(ex, upstream, conn.buffer, head, ex.scratch.response,
                                route_timeout);
  ResponseEncoding encoding;
  if (!switching) encoding = start_compression(ex, head, ex.scratch.response);
  uint64_t out_bytes = 0;
  const RelayParams params{ex.scratch.wire, chunk, route_timeout, limits.idle_timeout, out_bytes};
  std::unique_ptr<SpooledBody> held;  // the whole response body, for a buffering middleware
  if (const auto* buffering = buffering_of(ex); buffering != nullptr && !switching) {
    held = std::make_unique<SpooledBody>(buffering->options->mem_response_body_bytes);
    const ResponseHold hold = co_await hold_response_body(
        upstream, conn.buffer, ex.scratch.response_body, *held,
        static_cast<uint64_t>(buffering->options->max_response_body_bytes), params);
    if (hold != ResponseHold::Held) co_return response_hold_failed(ex, hold, *held);
    if (auto replay = after_response_held(ex, head.status, *held, static_cast<bool>(encoding),
                                          ex.scratch.response)) {
      replay->upstream_reusable = result.upstream_reusable;
      co_return std::move(*replay);
    }
  }
  const bool keep =
      frame_response(ex, result, switching, static_cast<bool>(encoding), held != nullptr);
  RelayResult relayed = RelayResult::Done;
  if (held) {
    Trailers trailers;
    if (ex.scratch.response_body.chunked())
      add_h2_trailers(ex.scratch.response_body.trailers(), trailers);
    if (!co_await send_held_response(client, ex, head, ex.scratch.response, *held, trailers,
                                     encoding, limits.idle_timeout))
      relayed = RelayResult::WriteFailed;
  } else {
    relayed =
        encoding
            ? co_await relay_encoded(client, upstream, conn.buffer, head, ex.scratch.response_body,
                                     ex.scratch.response, encoding, ex.scratch.encoded, params)
            : co_await client.relay_response(upstream, conn.buffer, head, ex.scratch.response_body,
                                             ex.scratch.response, params);
  }
  ex.record.bytes_out += out_bytes;
  finish_compression(ex, encoding);
  if (relayed != RelayResult::Done) {
    // Head already sent: the only honest signal left is closing the client connection.
    ex.record.error = relayed == RelayResult::WriteFailed ? "client closed during response"
                                                          : "upstream failed mid-response";
    result.upstream_reusable = false;
    co_return result;
  }
  if (switching) {
    result.upstream_reusable = false;
    co_await client.splice_with(upstream, conn.buffer, limits.idle_timeout, ex.worker.buffers());
    co_return result;
  }
  result.outcome = keep ? Outcome::KeepAlive : Outcome::Close;
  co_return result;
}

ErrorReply no_target_error(const UpstreamSet& upstream) {
  std::string detail, hint;
  for (const auto& t : upstream.targets) {
    detail += (detail.empty() ? "" : "; ") + t->url;
    if (!t->dynamic()) continue;
    if (!t->source) {
      detail += ": discovery is not running";
      continue;
    }
    auto res = t->source->current();
    if (!res->error.empty())
      detail += ": " + res->error;
    else
      detail += res->state == discovery::State::Pending ? ": not resolved yet" : ": no address";
    if (t->scheme == Scheme::K8s) {
      hint = "the kubectl port-forward is not up (" + tunnel_state(*res) +
             "); see `bridge route list`";
    } else if (hint.empty()) {
      hint = "see `bridge route list` for where each target resolves";
    }
  }
  return {http::status::bad_gateway, "upstream_unreachable",
          "no usable target in upstream \"" + upstream.name + "\" (" + detail + ")", hint};
}

ErrorReply unreachable_error(const UpstreamSet& upstream, const Chosen& chosen,
                             const ConnectResult& connected) {
  const bool timeout = connected.failure == ConnectFailure::Timeout;
  std::string hint = "is the service running? check it with: curl -v " + chosen.target->url;
  if (chosen.parent->dynamic() && chosen.parent->source) {
    if (chosen.parent->scheme == Scheme::K8s) {
      hint = "the kubectl port-forward is restarting (" +
             tunnel_state(*chosen.parent->source->current()) +
             "); retry in a moment, or check `bridge route list`";
    } else {
      hint = "is the container running? check `docker compose ps` and `bridge route list`";
    }
  }
  return {timeout ? http::status::gateway_timeout : http::status::bad_gateway,
          timeout ? "upstream_timeout" : "upstream_unreachable",
          "cannot reach upstream \"" + upstream.name + "\" at " + chosen.describe() + ": " +
              connected.message,
          hint};
}

// The retry step's words in the record: how many tries, and what the failed ones came to.
trace::MiddlewareNote* retry_note(Exchange& ex, const middleware::RetryPolicy* retry) {
  if (retry == nullptr || retry->step >= ex.record.middlewares.size()) return nullptr;
  return &ex.record.middlewares[retry->step];
}

void note_retry_success(Exchange& ex, const middleware::RetryPolicy* retry, int64_t tries,
                        const std::string& tried) {
  if (tries == 1 && tried.empty()) return;  // the usual case: nothing to tell
  if (auto* note = retry_note(ex, retry))
    note->detail = "answered on attempt " + std::to_string(tries) + " of " +
                   std::to_string(retry->attempts) + " (" + tried + ")";
}

void note_retry_failure(Exchange& ex, const middleware::RetryPolicy* retry, int64_t tries,
                        const std::string& tried, const char* final_because) {
  if (auto* note = retry_note(ex, retry))
    note->detail =
        (final_because != nullptr ? "not retried, " + std::string(final_because) + " ("
                                  : "gave up after " + std::to_string(tries) + " of " +
                                        std::to_string(retry->attempts) + " attempts (") +
        tried + ")";
}

// bridge's own answer when no upstream answered (ex.error): an errors middleware's page when
// its status calls for one (Traefik's pages cover its own 502s too), else the JSON error. The
// record keeps why either way.
template <class Client>
asio::awaitable<Outcome> answer_failure(Client& client, Exchange& ex) {
  const auto status = static_cast<unsigned>(ex.error.status);
  if (const auto* pages = error_pages_wanted(ex, status)) {
    if (auto page = co_await fetch_error_page(ex, *pages, status)) {
      ex.record.error = ex.error.code + ": " + ex.error.message;
      co_return co_await send_error_page(client, ex, *pages, status, *page);
    }
  }
  co_return co_await send_error(client, ex);
}

}  // namespace

template <class Client>
asio::awaitable<Outcome> forward(Client& client, Exchange& ex) {
  auto& request_head = ex.head;
  HeadEdit& edit = ex.scratch.request;
  const middleware::Buffering* buffering = buffering_of(ex);
  if (buffering != nullptr) {
    // The whole body before anything goes upstream; sent from the spool on every attempt.
    switch (co_await hold_request_body(client, ex)) {
    case RequestHold::Held:
      break;
    case RequestHold::Refused:
      co_return co_await send_error(client, ex);
    case RequestHold::ClientGone:
      co_return Outcome::Close;
    }
  }
  edit_request_head(request_head, ex, edit);
  if (ex.request_spool &&
      (ex.request_spool->size() > 0 || request_head.content_length || request_head.chunked))
    frame_held_request(*ex.request_spool, edit);
  std::string_view forwarded_path, forwarded_query;
  split_target(edit.target(request_head.target), forwarded_path, forwarded_query);
  // Usually the path as received (already printable): reuse its buffer, build nothing.
  if (forwarded_path == ex.record.path)
    ex.record.upstream_path.assign(ex.record.path);
  else
    ex.record.upstream_path = printable(forwarded_path);
  const UpstreamSet& upstream = *ex.route->upstream;
  auto& pools = ex.worker.pools();
  // A coroutine (an allocation) only when no target is up yet.
  const Target* picked = pick_target(upstream);
  if (picked == nullptr)
    picked = co_await wait_for_target(upstream, ex.snapshot.config.limits.connect_timeout);
  if (picked == nullptr) {
    ex.error = no_target_error(upstream);
    co_return co_await answer_failure(client, ex);
  }
  ex.mark(trace::Phase::UpstreamResolved);
  ex.record.target = picked->url;  // shown while held at a breakpoint
  if (ex.breakpoint) {
    // A breakpoint (either phase) shows and edits the request as sent: real fields.
    edit.apply(request_head);
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Request, request_head.fields, 0);
    if (action == Decision::Action::Abort) {
      ex.client_keep_alive = ex.client_keep_alive && client.body_done();
      co_return co_await send_error(client, ex);
    }
  }
  // A breakpoint (here, or at a middleware) sent this request elsewhere.
  if (ex.override_target) picked = ex.override_target.get();
  if (ex.recording) {
    capture_out_headers(ex.record.request_out, ex.record.request_out_edit, request_head.fields,
                        edit, ex.request_in_from, ex);
  }
  if (picked->scheme == Scheme::Echo) {
    edit.apply(request_head);  // echo answers with the request as it would be sent
    co_return co_await answer_echo(client, ex);
  }
  const middleware::RetryPolicy* retry =
      ex.middleware != nullptr && ex.middleware->retry ? &*ex.middleware->retry : nullptr;
  // A request body goes up as it comes: once some of it went, there is no copy to send again.
  const bool has_body = !client.body_done();
  std::string tried;  // what the tries before this one came to, for the retry step's words
  for (int64_t tries = 1;; ++tries) {
    ex.attempt = tries;
    Chosen chosen = choose_endpoint(picked, ex.endpoint_targets);
    ConnectResult connected;
    StepResult failure;   // how this try failed, once the upstream got the request
    bool replay = false;  // answered, but buffering's retryExpression wants it sent again
    for (int attempt = 0; attempt < 3 && chosen.target != nullptr; ++attempt) {
      const Target* target = chosen.target;
      chosen.describe(ex.record.target);
      ex.mark(trace::Phase::UpstreamResolved);
      const std::string_view scheme = target->scheme == Scheme::Https ? "https" : "http";
      const bool h2_expected =
          target->h2c || upstream.config.protocol == "h2" || pools.speaks_h2(*target);
      if (h2_expected) co_await pools.wait_h2_connect(*target);
      std::shared_ptr<H2UpstreamSession> session = pools.h2_session(*target);
      std::unique_ptr<UpstreamConnection> connection;
      if (!session) connection = pools.take(*target);
      if (session || connection) ex.mark(trace::Phase::Reused);
      if (!session && !connection) {
        // The first stream to an HTTP/2 target opens the connection; the others wait for it.
        std::shared_ptr<void> announced;
        if (h2_expected) announced = pools.announce_h2_connect(*target);
        std::string sni = sni_for(*target, ex);
        connected = co_await pools.connect(*target, upstream, sni,
                                           ex.snapshot.config.limits.connect_timeout);
        if (!connected.connection) {
          if (upstream.series != nullptr) {
            upstream.series->connect_errors.fetch_add(1, std::memory_order_relaxed);
          }
          if (retry != nullptr)
            tried.append(tried.empty() ? "" : "; ")
                .append(ex.record.target + " " + connected.message);
          // A target set at a breakpoint is the one asked for: no other stands in for it.
          if ((connected.failure == ConnectFailure::Refused ||
               connected.failure == ConnectFailure::Resolve) &&
              !ex.override_target && fail_over(chosen, upstream, ex.endpoint_targets)) {
            // targets = ["compose://orders:8080", "builtin://echo"]: the echo stands in.
            if (chosen.target->scheme == Scheme::Echo) {
              chosen.describe(ex.record.target);
              edit.apply(request_head);
              co_return co_await answer_echo(client, ex);
            }
            continue;
          }
          break;
        }
        connection = std::move(connected.connection);
        ex.mark(trace::Phase::Connected);
        if (connection->h2) {
          session = pools.adopt_h2(*target, std::move(connection));
          connection.reset();  // the session owns it now
          announced.reset();   // the streams waiting for this connection may use it now
          if (!session) break;
        }
      }
      if (session) {
        StepResult step = co_await exchange_over_h2(client, ex, *session, scheme);
        if (step.step == Step::Retry) continue;
        if (step.step == Step::Replay) {
          replay = true;
          break;
        }
        if (step.step == Step::Failed) {
          failure = std::move(step);
          break;
        }
        note_retry_success(ex, retry, tries, tried);
        co_return step.outcome;
      }
      chosen.parent->active.fetch_add(1, std::memory_order_relaxed);
      StepResult step = co_await std::visit(
          [&](auto& stream) { return exchange_with(client, ex, stream, *connection); },
          connection->stream);
      chosen.parent->active.fetch_sub(1, std::memory_order_relaxed);
      if (step.step == Step::Retry) continue;  // a pooled connection the upstream had closed
      if (!connection->reused) pools.remember_tls_session(*connection);
      if (step.upstream_reusable && step.step != Step::Failed) {
        pools.give_back(*target, std::move(connection), upstream.config.max_idle);
      }
      if (step.step == Step::Replay) {
        replay = true;
        break;
      }
      if (step.step == Step::Failed) {
        // A tunnel that breaks mid-request (kubectl's "lost connection to pod"): restart it.
        if (chosen.parent->dynamic() && chosen.parent->source &&
            step.error->status == http::status::bad_gateway) {
          chosen.parent->source->report_failure(chosen.endpoint);
        }
        failure = std::move(step);
        break;
      }
      note_retry_success(ex, retry, tries, tried);
      co_return step.outcome;
    }
    if (replay) {
      picked = pick_target(upstream);
      if (picked == nullptr) {
        ex.error = no_target_error(upstream);
        co_return co_await answer_failure(client, ex);
      }
      continue;
    }
    // Tried again: never sent (no target, or none could be reached), or broken before any
    // answer and with no body that went.
    const char* final_because = !failure.error        ? nullptr
                                : !failure.unanswered ? "not a connection failure"
                                : has_body            ? "the request body was sent"
                                                      : nullptr;
    const bool again = final_because == nullptr;
    ErrorReply error = failure.error              ? std::move(*failure.error)
                       : chosen.target == nullptr ? no_target_error(upstream)
                                                  : unreachable_error(upstream, chosen, connected);
    if (retry != nullptr && failure.error)
      tried.append(tried.empty() ? "" : "; ").append(ex.record.target + " " + error.message);
    if (buffering != nullptr &&
        middleware::retry_wanted(*buffering->options, tries, static_cast<unsigned>(error.status))) {
      // bridge's own 502/504 (or 500) is an answer to buffering's retryExpression too.
      note_buffering(ex, "attempt " + std::to_string(tries) + " failed (" + error.message +
                             "), sent again (" + buffering->options->retry_expression + ")");
      picked = pick_target(upstream);
      if (picked != nullptr) continue;
    }
    if (retry == nullptr || tries >= retry->attempts || !again) {
      note_retry_failure(ex, retry, tries, tried, final_because);
      ex.error = std::move(error);
      co_return co_await answer_failure(client, ex);
    }
    asio::steady_timer pause(co_await asio::this_coro::executor, retry->delay_before(tries));
    co_await pause.async_wait(nothrow);
    tried.append(" (then " + std::to_string(retry->delay_before(tries).count()) + " ms)");
    picked = pick_target(upstream);
    if (picked == nullptr) {
      note_retry_failure(ex, retry, tries, tried, nullptr);
      ex.error = no_target_error(upstream);
      co_return co_await answer_failure(client, ex);
    }
  }
}

template asio::awaitable<Outcome> forward(H1Client<DeadlineStream>&, Exchange&);
template asio::awaitable<Outcome> forward(H1Client<TlsClientStream>&, Exchange&);
template asio::awaitable<Outcome> forward(H2Client&, Exchange&);

}  // namespace bridge::proxy
