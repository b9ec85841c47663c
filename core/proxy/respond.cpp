// Responses bridge writes itself: JSON errors and the builtin echo upstream.
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/head_rules.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/rewrite.hpp"

#include <nlohmann/json.hpp>

namespace bridge::proxy {

int64_t micros_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

template <class ClientStream>
asio::awaitable<Outcome> send_error(ClientStream& client, Exchange& ex) {
  const ErrorReply& reply = ex.error;
  nlohmann::json body = {{"error", reply.code},
                         {"status", static_cast<int>(reply.status)},
                         {"message", reply.message},
                         {"request_id", ex.record.request_id}};
  if (!reply.hint.empty()) body["hint"] = reply.hint;
  http::response<http::string_body> res{reply.status, 11};
  res.set(http::field::server, "bridge");
  res.set(http::field::content_type, "application/json");
  res.set(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  res.keep_alive(keep);
  res.prepare_payload();
  ex.record.status = static_cast<int>(reply.status);
  ex.record.error = reply.code + ": " + reply.message;
  ex.record.bytes_out += res.body().size();
  if (ex.recording) capture_headers(ex.record.response_out, res.base(), ex);
  // Our own head writer, as for relayed answers: Beast's would say "418 <unknown-status>".
  HeadEdit& edit = ex.scratch.response;
  edit.reset(res.base());
  write_head(res.base(), edit, ex.scratch.wire);
  std::array<asio::const_buffer, 2> pieces{asio::buffer(ex.scratch.wire), asio::buffer(res.body())};
  auto [ec, n] = co_await asio::async_write(client, pieces, nothrow);
  co_return (ec || !keep) ? Outcome::Close : Outcome::KeepAlive;
}

template <class ClientStream>
asio::awaitable<Outcome> answer_echo(ClientStream& client, Exchange& ex) {
  // Drain the body (counting it) so the connection stays usable.
  uint64_t body_bytes = 0;
  char buf[8192];
  while (!ex.parser.is_done()) {
    ex.parser.get().body().data = buf;
    ex.parser.get().body().size = sizeof buf;
    error_code ec = co_await read_body_some(client, ex.client_buffer, ex.parser);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) {
      ex.error = {http::status::payload_too_large, "body_too_large",
                  "request body exceeds the configured limit",
                  "raise max_body_bytes for this route"};
      co_return co_await send_error(client, ex);
    }
    if (ec.category() == http::make_error_code(http::error::bad_chunk).category()) {
      ex.client_keep_alive = false;
      ex.error = {http::status::bad_request, "bad_request",
                  "malformed request body: " + ec.message(), ""};
      co_return co_await send_error(client, ex);
    }
    if (ec) co_return Outcome::Close;
    body_bytes += sizeof buf - ex.parser.get().body().size;
  }
  ex.record.bytes_in += body_bytes;
  const auto& req = ex.parser.get();
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& field : req) {
    std::string name(field.name_string());
    std::string value(field.value());
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + ", " + value;
    } else {
      headers[name] = value;
    }
  }
  std::string_view path, query;
  split_target(req.target(), path, query);
  nlohmann::json body = {{"method", std::string(req.method_string())},
                         {"path", std::string(path)},
                         {"query", std::string(query)},
                         {"headers", headers},
                         {"body_bytes", body_bytes}};
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::server, "bridge");
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  edit_response_head(res.base(), ex, ex.scratch.response);
  ex.scratch.response.apply(res.base());
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  res.keep_alive(keep);
  res.prepare_payload();
  if (ex.head_request) res.body().clear();
  ex.record.status = 200;
  ex.record.target = "builtin://echo";
  ex.mark(trace::Phase::FirstByte);
  if (ex.recording) capture_headers(ex.record.response_out, res.base(), ex);
  ex.record.bytes_out += res.body().size();
  auto [ec, n] = co_await http::async_write(client, res, nothrow);
  co_return (ec || !keep) ? Outcome::Close : Outcome::KeepAlive;
}

template asio::awaitable<Outcome> send_error(DeadlineStream&, Exchange&);
template asio::awaitable<Outcome> answer_echo(DeadlineStream&, Exchange&);
template asio::awaitable<Outcome> send_error(TlsClientStream&, Exchange&);
template asio::awaitable<Outcome> answer_echo(TlsClientStream&, Exchange&);

}  // namespace bridge::proxy
