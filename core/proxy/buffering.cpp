// The buffering middleware's words, refusals and retry decisions (detail/buffering.hpp has the
// reading and writing, templates over the client and upstream).
#include "proxy/detail/buffering.hpp"

namespace bridge::proxy {

namespace {

const std::string& middleware_name(const Exchange& ex) {
  static const std::string none;
  const auto* b = buffering_of(ex);
  return b != nullptr && b->step < ex.middleware->steps.size() ? ex.middleware->steps[b->step].name
                                                               : none;
}

}  // namespace

void note_held(Exchange& ex, std::string_view what, const SpooledBody& body) {
  note_buffering(ex, std::string(what) + " " + std::to_string(body.size()) + " bytes " +
                         std::string(body.where()));
}

void note_buffering(Exchange& ex, std::string_view words) {
  const auto* b = buffering_of(ex);
  if (b == nullptr || b->step >= ex.record.middlewares.size()) return;
  std::string& detail = ex.record.middlewares[b->step].detail;
  if (!detail.empty()) detail += "; ";
  detail += words;
}

void refuse_request_body(Exchange& ex, uint64_t size) {
  const auto max = buffering_of(ex)->options->max_request_body_bytes;
  ex.client_keep_alive = false;  // the rest of the body stays unread
  ex.error = {http::status::payload_too_large, "body_too_large",
              (size > 0 ? "request body of " + std::to_string(size) + " bytes exceeds"
                        : std::string("request body exceeds")) +
                  " maxRequestBodyBytes (" + std::to_string(max) +
                  ") of the buffering middleware " + "\"" + middleware_name(ex) + "\"",
              "send a smaller body, or raise maxRequestBodyBytes"};
  note_buffering(ex, "request body over " + std::to_string(max) + " bytes: 413");
}

void refuse_unstorable(Exchange& ex, const SpooledBody& body) {
  ex.client_keep_alive = false;
  ex.error = {http::status::internal_server_error, "buffering_failed",
              "cannot hold the request body: " + body.error(),
              "check the space in $TMPDIR (or /tmp), or raise memRequestBodyBytes"};
  note_buffering(ex, body.error());
}

void frame_held_request(const SpooledBody& body, HeadEdit& edit) {
  edit.remove("Transfer-Encoding");
  edit.set_copy("Content-Length", {std::to_string(body.size())});
}

StepResult response_hold_failed(Exchange& ex, ResponseHold hold, const SpooledBody& body) {
  const auto max = buffering_of(ex)->options->max_response_body_bytes;
  switch (hold) {
  case ResponseHold::TooLarge:
    note_buffering(ex, "response body over " + std::to_string(max) + " bytes: 500");
    // Traefik's answer: the upstream's is not sent at all.
    return failed({http::status::internal_server_error, "response_too_large",
                   "the upstream's response body exceeds maxResponseBodyBytes (" +
                       std::to_string(max) + ") of the buffering middleware " + "\"" +
                       middleware_name(ex) + "\"",
                   "raise maxResponseBodyBytes, or leave buffering off this route"});
  case ResponseHold::Unstorable:
    note_buffering(ex, body.error());
    return failed({http::status::internal_server_error, "buffering_failed",
                   "cannot hold the response body: " + body.error(),
                   "check the space in $TMPDIR (or /tmp), or raise memResponseBodyBytes"});
  case ResponseHold::UpstreamTimeout:
    return failed({http::status::gateway_timeout, "upstream_timeout",
                   "upstream stopped sending its response body for " +
                       std::to_string(ex.route->config->timeout.count()) + " ms",
                   "raise the route's timeout or check the upstream"});
  case ResponseHold::UpstreamFailed:
  case ResponseHold::Held:
    break;
  }
  // Nothing reached the client yet: a network error a retry may try again.
  return failed_unanswered(
      {http::status::bad_gateway, "upstream_error", "upstream failed mid-response", ""});
}

std::optional<StepResult> after_response_held(Exchange& ex, unsigned status,
                                              const SpooledBody& body, bool encoded,
                                              HeadEdit& edit) {
  const middleware::Buffering& b = *buffering_of(ex);
  if (middleware::retry_wanted(*b.options, ex.attempt, status)) {
    note_buffering(ex, "attempt " + std::to_string(ex.attempt) + " answered " +
                           std::to_string(status) + ", sent again (" + b.options->retry_expression +
                           ")");
    StepResult replay;
    replay.step = Step::Replay;
    replay.upstream_reusable = true;  // the whole response was read
    return replay;
  }
  note_held(ex, "response", body);
  const bool bodiless = ex.head_request || status < 200 || status == 204 || status == 304;
  if (!encoded && !bodiless) {
    edit.remove("Transfer-Encoding");
    edit.set_copy("Content-Length", {std::to_string(body.size())});
  }
  return std::nullopt;
}

}  // namespace bridge::proxy
