// Responses bridge writes itself: JSON errors and the builtin echo upstream.
#include "common/url.hpp"
#include "middleware/grpc_web.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h1_client.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/head_rules.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/rewrite.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace bridge::proxy {

int64_t micros_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

namespace {

// A gRPC client reads the status from grpc-status, never from HTTP's (gRPC over HTTP/2,
// "HTTP to gRPC status code mapping", read the other way round).
int grpc_status_for(http::status status) {
  switch (status) {
  case http::status::not_found:
    return 12;  // UNIMPLEMENTED: no route for this method
  case http::status::bad_request:
    return 13;  // INTERNAL
  case http::status::unauthorized:
    return 16;  // UNAUTHENTICATED
  case http::status::forbidden:
    return 7;  // PERMISSION_DENIED
  case http::status::payload_too_large:
  case http::status::request_header_fields_too_large:
  case http::status::too_many_requests:
    return 8;  // RESOURCE_EXHAUSTED
  case http::status::gateway_timeout:
    return 4;  // DEADLINE_EXCEEDED
  case http::status::bad_gateway:
  case http::status::service_unavailable:
    return 14;  // UNAVAILABLE
  default:
    return 2;  // UNKNOWN
  }
}

// grpc-message is percent-encoded (all but printable ASCII other than '%').
std::string grpc_message(std::string_view text) {
  return percent_encode(text, [](unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '%'; });
}

bool is_grpc(const RequestHead& head) {
  return head.fields.get(Field::ContentType).starts_with("application/grpc");
}

// A middleware's refusal carries fields of its own (basicAuth's WWW-Authenticate).
void add_answer_fields(const Exchange& ex, ResponseHead& res) {
  if (ex.middleware == nullptr || !ex.middleware->answer) return;
  for (const auto& [name, value] : ex.middleware->answer->fields) res.fields.add(name, value);
}

// The end of every answer bridge writes itself: the head as recorded, then head and body to
// the client; the connection stays open when `keep` and the write went through.
template <class Client>
asio::awaitable<Outcome> write_answer(Client& client, Exchange& ex, ResponseHead& res,
                                      std::string_view body, bool keep) {
  if (ex.recording)
    capture_out_headers(ex.record.response_out, ex.record.response_out_edit, res.fields, ex);
  HeadEdit& edit = ex.scratch.response;
  edit.reset(res.fields);
  bool sent = co_await client.answer(res, edit, ex.scratch.wire, body);
  co_return (!sent || !keep) ? Outcome::Close : Outcome::KeepAlive;
}

}  // namespace

ResponseHead& begin_answer(Exchange& ex, unsigned status, std::string_view content_type) {
  ResponseHead& head = ex.scratch.response_head;
  head.clear();
  head.status = status;
  head.fields.add("Server", "bridge");
  head.fields.add("Content-Type", content_type);
  return head;
}

void end_answer(ResponseHead& head, bool keep, size_t body_size) {
  if (!keep) head.fields.add("Connection", "close");
  char size[24];
  auto [end, ec] = std::to_chars(size, size + sizeof size, body_size);
  head.fields.add("Content-Length", std::string_view(size, static_cast<size_t>(end - size)));
}

template <class Client>
asio::awaitable<Outcome> send_error(Client& client, Exchange& ex) {
  const ErrorReply& reply = ex.error;
  if (is_grpc(ex.head)) {
    // A gRPC answer: HTTP 200 and the status in the head alone ("trailers-only"), which a
    // gRPC-Web client reads as well, from a head of its own content type.
    const middleware::GrpcWebCall* web =
        ex.middleware != nullptr && ex.middleware->grpc_web ? &*ex.middleware->grpc_web : nullptr;
    ResponseHead& res = begin_answer(
        ex, 200,
        web != nullptr ? middleware::grpc_web_content_type_for("application/grpc", web->text)
                       : std::string("application/grpc"));
    if (web != nullptr && web->expose) {
      res.fields.add("Access-Control-Allow-Origin", ex.head.fields.get("Origin"));
      res.fields.add("Access-Control-Allow-Credentials", "true");
      res.fields.add("Access-Control-Expose-Headers",
                     "grpc-status, grpc-message, " + ex.snapshot.config.trace.request_id_header);
    }
    res.fields.add("grpc-status", std::to_string(grpc_status_for(reply.status)));
    res.fields.add("grpc-message", grpc_message(reply.code + ": " + reply.message +
                                                " (request id " + ex.record.request_id + ")"));
    res.fields.add(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
    add_answer_fields(ex, res);
    bool keep = ex.client_keep_alive && !ex.worker.draining();
    end_answer(res, keep, 0);
    ex.record.status = 200;
    ex.record.grpc_status = grpc_status_for(reply.status);
    ex.record.error = reply.code + ": " + reply.message;
    co_return co_await write_answer(client, ex, res, {}, keep);
  }
  nlohmann::json body = {{"error", reply.code},
                         {"status", static_cast<int>(reply.status)},
                         {"message", reply.message},
                         {"request_id", ex.record.request_id}};
  if (!reply.hint.empty()) body["hint"] = reply.hint;
  ResponseHead& res = begin_answer(ex, static_cast<unsigned>(reply.status), "application/json");
  res.fields.add(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  add_answer_fields(ex, res);
  const std::string text =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  end_answer(res, keep, text.size());
  ex.record.status = static_cast<int>(reply.status);
  ex.record.error = reply.code + ": " + reply.message;
  ex.record.bytes_out += text.size();
  co_return co_await write_answer(client, ex, res, text, keep);
}

template <class Client>
asio::awaitable<Outcome> send_middleware_answer(Client& client, Exchange& ex) {
  const middleware::Answer& answer = *ex.middleware->answer;
  const middleware::Step& step = ex.middleware->steps.back();
  ex.record.target = "answered by " + step.name;
  // bridge's JSON error (a gRPC status for gRPC), unless the middleware brings its own page.
  if (answer.status >= 400 && (!answer.body || is_grpc(ex.head))) {
    ex.client_keep_alive = ex.client_keep_alive && client.body_done();
    ex.error = {static_cast<http::status>(answer.status), std::string(step.type), answer.message,
                "the middleware \"" + step.name + "\" (" + std::string(step.type) +
                    ") answered; bridge route test shows why"};
    co_return co_await send_error(client, ex);
  }
  ResponseHead& res = ex.scratch.response_head;
  res.clear();
  res.status = answer.status;
  for (const auto& [name, value] : answer.fields) res.fields.add(name, value);
  if (!res.fields.has("Server")) res.fields.add("Server", "bridge");
  res.fields.add(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  // An unread body would be taken for the next request: close after answering instead.
  bool keep = ex.client_keep_alive && client.body_done() && !ex.worker.draining();
  std::string_view body = answer.body ? std::string_view(*answer.body) : std::string_view();
  if (answer.status == 204 || answer.status == 304) {
    if (!keep) res.fields.add("Connection", "close");  // these never carry Content-Length
    body = {};
  } else {
    end_answer(res, keep, body.size());
  }
  if (ex.head_request) body = {};  // its length was announced, as for a GET
  ex.record.status = static_cast<int>(answer.status);
  ex.record.bytes_out += body.size();
  ex.mark(trace::Phase::FirstByte);
  co_return co_await write_answer(client, ex, res, body, keep);
}

template <class Client>
asio::awaitable<Outcome> answer_echo(Client& client, Exchange& ex) {
  // Drain the body (counting it) so the connection stays usable.
  uint64_t body_bytes = 0;
  char buf[8192];
  for (;;) {
    size_t got = 0;
    BodyRead read = co_await client.read_body(std::span<char>(buf, sizeof buf), got);
    body_bytes += got;
    if (read == BodyRead::End) break;
    if (read == BodyRead::TooLarge) {
      ex.error = {http::status::payload_too_large, "body_too_large",
                  "request body exceeds the configured limit",
                  "raise max_body_bytes for this route"};
      co_return co_await send_error(client, ex);
    }
    if (read == BodyRead::Bad) {
      ex.client_keep_alive = false;
      ex.error = {http::status::bad_request, "bad_request",
                  "malformed request body (invalid chunked encoding)", ""};
      co_return co_await send_error(client, ex);
    }
    if (read == BodyRead::Failed || read == BodyRead::Timeout) co_return Outcome::Close;
  }
  ex.record.bytes_in += body_bytes;
  const auto& req = ex.head;
  nlohmann::json headers = nlohmann::json::object();
  for (const FieldRef field : req.fields) {
    std::string name(field.name);
    std::string value(field.value);
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + ", " + value;
    } else {
      headers[name] = value;
    }
  }
  std::string_view path, query;
  split_target(req.target, path, query);
  nlohmann::json body = {{"method", req.method_name},
                         {"path", std::string(path)},
                         {"query", std::string(query)},
                         {"headers", headers},
                         {"body_bytes", body_bytes}};
  if (!client.request_trailers().empty()) {
    nlohmann::json trailers = nlohmann::json::object();
    for (const FieldRef field : client.request_trailers())
      trailers[std::string(field.name)] = std::string(field.value);
    body["trailers"] = trailers;
  }
  std::string text = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ResponseHead& res = begin_answer(ex, 200, "application/json");
  HeadEdit& edit = ex.scratch.response;
  edit_response_head(res, ex, edit);
  edit.apply(res);
  res.version = 11;
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  end_answer(res, keep, text.size());
  if (ex.head_request) text.clear();
  ex.record.status = 200;
  ex.record.target = "builtin://echo";
  ex.mark(trace::Phase::FirstByte);
  ex.record.bytes_out += text.size();
  co_return co_await write_answer(client, ex, res, text, keep);
}

template asio::awaitable<Outcome> send_middleware_answer(H1Client<DeadlineStream>&, Exchange&);
template asio::awaitable<Outcome> send_middleware_answer(H1Client<TlsClientStream>&, Exchange&);
template asio::awaitable<Outcome> send_middleware_answer(H2Client&, Exchange&);
template asio::awaitable<Outcome> send_error(H1Client<DeadlineStream>&, Exchange&);
template asio::awaitable<Outcome> answer_echo(H1Client<DeadlineStream>&, Exchange&);
template asio::awaitable<Outcome> send_error(H1Client<TlsClientStream>&, Exchange&);
template asio::awaitable<Outcome> answer_echo(H1Client<TlsClientStream>&, Exchange&);
template asio::awaitable<Outcome> send_error(H2Client&, Exchange&);
template asio::awaitable<Outcome> answer_echo(H2Client&, Exchange&);

}  // namespace bridge::proxy
