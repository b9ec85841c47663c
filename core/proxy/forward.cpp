// Forwarding one request to an upstream target and relaying the response back.
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/rewrite.hpp"

#include <spdlog/spdlog.h>

namespace bridge::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;

void prepare_request_head(http::request_header<>& head, Exchange& ex) {
  const config::Route& route = *ex.route->config;
  const config::TraceSection& tc = ex.snapshot.config.trace;
  std::string original_host(head[http::field::host]);
  std::string connection(head[http::field::connection]);
  std::string upgrade(head[http::field::upgrade]);
  ex.upgrade = !upgrade.empty() && connection_has_token(connection, "upgrade");
  if (iequals(head[http::field::expect], "100-continue")) {
    // bridge answers 100-continue itself when it is ready to read the body (as nginx does).
    ex.expect_continue = true;
    head.erase(http::field::expect);
  }
  for (auto it = head.begin(); it != head.end();) {
    std::string_view name = it->name_string();
    bool framing = iequals(name, "transfer-encoding") || iequals(name, "content-length");
    if (!framing && (is_hop_by_hop(name) || connection_has_token(connection, name))) {
      it = head.erase(it);
    } else {
      ++it;
    }
  }
  if (ex.upgrade) {
    head.set(http::field::upgrade, upgrade);
    head.set(http::field::connection, "Upgrade");
  }
  std::string forwarded_for(head["X-Forwarded-For"]);
  head.set("X-Forwarded-For", forwarded_for.empty() ? ex.client_ip
                                                    : forwarded_for + ", " + ex.client_ip);
  head.set("X-Forwarded-Proto", ex.scheme);
  head.set("X-Forwarded-Host", original_host);
  head.set(tc.request_id_header, ex.request_id);
  head.set("traceparent", ex.trace.traceparent());
  if (!ex.trace.continued) head.erase("tracestate");  // it belonged to a trace we replaced
  for (const auto& p : tc.propagation) {
    if (p == "b3") head.set("b3", ex.trace.b3());
  }
  if (!route.strip_prefix.empty()) {
    std::string stripped;
    if (strip_prefix(head.target(), route.strip_prefix, stripped)) {
      head.target(stripped);
      head.set("X-Forwarded-Prefix", route.strip_prefix);
    }
  }
  if (!route.host_rewrite.empty()) head.set(http::field::host, route.host_rewrite);
  for (const auto& name : route.request_headers.remove) head.erase(name);
  for (const auto& [name, value] : route.request_headers.set) head.set(name, value);
  head.version(11);
}

// Balancing with passive health: targets marked down are skipped while any other is up.
const Target* pick_target(const UpstreamSet& upstream, const Target* exclude) {
  const auto& targets = upstream.targets;
  const size_t n = targets.size();
  const int64_t now = now_ms();
  auto usable = [&](const Target& t) { return &t != exclude && t.resolvable(); };
  auto up = [&](const Target& t) { return usable(t) && t.down_until_ms.load() <= now; };
  const std::string& balance = upstream.config.balance;
  const Target* best = nullptr;
  if (balance == "least_conn") {
    for (const auto& t : targets) {
      if (up(*t) && (best == nullptr || t->active.load() < best->active.load())) best = t.get();
    }
  } else {
    size_t start = balance == "first" ? 0 : upstream.next.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < n && best == nullptr; ++i) {
      const Target& t = *targets[(start + i) % n];
      if (up(t)) best = &t;
    }
  }
  if (best != nullptr) return best;
  // Everything is down: try the one that went down first rather than failing outright.
  for (const auto& t : targets) {
    if (usable(*t) && (best == nullptr || t->down_until_ms.load() < best->down_until_ms.load())) {
      best = t.get();
    }
  }
  return best;
}

std::string sni_for(const Target& target, const Exchange& ex) {
  const auto& tls = ex.route->upstream->config.tls;
  if (!tls.sni.empty()) return tls.sni;
  const std::string& rewrite = ex.route->config->host_rewrite;
  if (!rewrite.empty()) return rewrite.substr(0, rewrite.rfind(':') == std::string::npos ||
                                                     rewrite.find(']') != std::string::npos
                                                 ? rewrite.size()
                                                 : rewrite.rfind(':'));
  return target.host;
}

bool is_stale_connection_error(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

enum class Step { Done, Retry, Failed };

struct StepResult {
  Step step = Step::Done;
  Outcome outcome = Outcome::Close;
  ErrorReply error{};
  bool upstream_reusable = false;
};

template <class A, class B>
asio::awaitable<void> pump(A& from, beast::flat_buffer& pending, B& to,
                           std::chrono::milliseconds idle) {
  if (pending.size() > 0) {
    auto [ec, n] = co_await asio::async_write(to, pending.data(), nothrow);
    if (ec) co_return;
    pending.consume(n);
  }
  char buf[16384];
  for (;;) {
    beast::get_lowest_layer(from).expires_after(idle);
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow);
    if (n > 0) {
      beast::get_lowest_layer(to).expires_after(idle);
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf, n), nothrow);
      if (wec) co_return;
    }
    if (rec) co_return;
  }
}

template <class ClientStream, class UpstreamStream>
asio::awaitable<StepResult> exchange_with(ClientStream& client, Exchange& ex,
                                          UpstreamStream& upstream, UpstreamConnection& conn) {
  const auto& limits = ex.snapshot.config.limits;
  const auto route_timeout = ex.route->config->timeout;
  StepResult result;
  bool body_started = false;
  auto send_continue = [&]() -> asio::awaitable<bool> {
    body_started = true;
    if (!ex.expect_continue) co_return true;
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] = co_await asio::async_write(client, asio::buffer(continue_line), nothrow);
    co_return !ec;
  };
  RelayResult sent = co_await relay_message(client, ex.client_buffer, ex.parser, upstream,
                                            limits.idle_timeout, route_timeout,
                                            ex.record.bytes_in, send_continue);
  if (sent == RelayResult::BodyTooLarge) {
    result.step = Step::Failed;
    result.error = {http::status::payload_too_large, "body_too_large",
                    "request body exceeds the configured limit", "raise max_body_bytes"};
    ex.client_keep_alive = false;
    co_return result;
  }
  if (sent == RelayResult::BadInput) {
    result.step = Step::Failed;
    result.error = {http::status::bad_request, "bad_request",
                    "malformed request body (invalid chunked encoding)", ""};
    ex.client_keep_alive = false;
    co_return result;
  }
  if (sent == RelayResult::ReadFailed || sent == RelayResult::ReadTimeout) {
    co_return result;  // the client went away mid-body: nothing to answer
  }
  if (sent == RelayResult::Done) ex.mark(trace::Phase::RequestSent);
  if (sent != RelayResult::Done) {
    bool retry = conn.reused && !body_started;
    result.step = retry ? Step::Retry : Step::Failed;
    result.error = {http::status::bad_gateway, "upstream_error",
                    "upstream closed the connection while receiving the request", ""};
    co_return result;
  }

  std::optional<ResponseParser> parsed;
  for (;;) {
    parsed.emplace();  // a fresh parser per interim (1xx) response
    parsed->body_limit(boost::none);
    if (ex.head_request) parsed->skip(true);
    beast::get_lowest_layer(upstream).expires_after(route_timeout);
    auto [ec, n] = co_await http::async_read_header(upstream, conn.buffer, *parsed, nothrow);
    if (ec) {
      if (conn.reused && !body_started && is_stale_connection_error(ec)) {
        result.step = Step::Retry;
        co_return result;
      }
      result.step = Step::Failed;
      if (ec == beast::error::timeout) {
        result.error = {http::status::gateway_timeout, "upstream_timeout",
                        "upstream did not answer within " +
                            std::to_string(route_timeout.count()) + " ms",
                        "raise the route's timeout or check the upstream"};
      } else {
        result.error = {http::status::bad_gateway, "upstream_error",
                        "upstream failed before responding: " + ec.message(), ""};
      }
      co_return result;
    }
    int code = parsed->get().result_int();
    if (code < 100 || code >= 200 || code == 101) break;
  }
  ResponseParser& response = *parsed;
  ex.mark(trace::Phase::FirstByte);
  auto& head = response.get();
  ex.record.status = head.result_int();
  result.upstream_reusable = head.keep_alive() && !ex.upgrade;
  bool switching = ex.upgrade && head.result() == http::status::switching_protocols;
  if (ex.recording) capture_headers(ex.record.response_in, head.base(), ex);
  prepare_response_head(head.base(), ex);
  if (ex.breakpoint) {
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Response, head.base(),
                                              head.result_int());
    if (action == Decision::Action::Abort) {
      result.step = Step::Failed;  // the upstream body is unread: that connection is done
      result.upstream_reusable = false;
      result.error = std::move(ex.error);
      co_return result;
    }
  }
  if (ex.recording) capture_headers(ex.record.response_out, head.base(), ex);
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  bool has_body = !ex.head_request && head.result_int() != 204 && head.result_int() != 304 &&
                  !switching;
  if (has_body && !response.chunked() && !response.content_length()) {
    // Close-delimited upstream body: re-frame as chunked so the client can keep the connection.
    if (ex.parser.get().version() >= 11) head.chunked(true);
    else keep = false;
  }
  if (!switching) head.keep_alive(keep);
  uint64_t out_bytes = 0;
  auto no_op = []() -> asio::awaitable<bool> { co_return true; };
  RelayResult relayed = co_await relay_message(upstream, conn.buffer, response, client,
                                               route_timeout, limits.idle_timeout, out_bytes,
                                               no_op);
  ex.record.bytes_out += out_bytes;
  if (relayed != RelayResult::Done) {
    // Head already sent: the only honest signal left is closing the client connection.
    ex.record.error = relayed == RelayResult::WriteFailed ? "client closed during response"
                                                          : "upstream failed mid-response";
    result.upstream_reusable = false;
    co_return result;
  }
  if (switching) {
    result.upstream_reusable = false;
    co_await (pump(client, ex.client_buffer, upstream, limits.idle_timeout) ||
              pump(upstream, conn.buffer, client, limits.idle_timeout));
    co_return result;
  }
  result.outcome = keep ? Outcome::KeepAlive : Outcome::Close;
  co_return result;
}

}  // namespace

template <class ClientStream>
asio::awaitable<Outcome> forward(ClientStream& client, Exchange& ex) {
  prepare_request_head(ex.parser.get().base(), ex);
  const UpstreamSet& upstream = *ex.route->upstream;
  auto& pools = ex.worker.pools();
  const Target* target = pick_target(upstream, nullptr);
  if (target == nullptr) {
    std::string kinds;
    for (const auto& t : upstream.targets) kinds += (kinds.empty() ? "" : ", ") + t->url;
    ex.error = {http::status::bad_gateway, "upstream_unreachable",
                                               "no usable target in upstream \"" + upstream.name +
                                                   "\" (" + kinds + ")",
                                               "compose:// and k8s:// targets need discovery, "
                                               "which this build does not have yet"};
    co_return co_await send_error(client, ex);
  }
  ex.mark(trace::Phase::UpstreamResolved);
  if (ex.breakpoint) {
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Request, ex.parser.get().base(), 0);
    if (action == Decision::Action::Abort) {
      ex.client_keep_alive = ex.client_keep_alive && ex.parser.is_done();
      co_return co_await send_error(client, ex);
    }
    if (ex.override_target) target = ex.override_target.get();
  }
  if (ex.recording) capture_headers(ex.record.request_out, ex.parser.get().base(), ex);
  if (target->scheme == Scheme::Echo) co_return co_await answer_echo(client, ex);
  ConnectResult connected;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ex.record.target = target->url;
    ex.mark(trace::Phase::UpstreamResolved);
    auto connection = pools.take(*target);
    if (connection) ex.mark(trace::Phase::Reused);
    if (!connection) {
      std::string sni = sni_for(*target, ex);
      connected = co_await pools.connect(*target, upstream, sni,
                                         ex.snapshot.config.limits.connect_timeout);
      if (!connected.connection) {
        if (upstream.series != nullptr) {
          upstream.series->connect_errors.fetch_add(1, std::memory_order_relaxed);
        }
        if (connected.failure == ConnectFailure::Refused ||
            connected.failure == ConnectFailure::Resolve) {
          target->down_until_ms = now_ms() + upstream.config.down_for.count();
          const Target* other = pick_target(upstream, target);
          if (other != nullptr && other->down_until_ms.load() <= now_ms()) {
            target = other;
            continue;
          }
        }
        break;
      }
      connection = std::move(connected.connection);
      ex.mark(trace::Phase::Connected);
    }
    target->active.fetch_add(1, std::memory_order_relaxed);
    StepResult step = co_await std::visit(
        [&](auto& stream) { return exchange_with(client, ex, stream, *connection); },
        connection->stream);
    target->active.fetch_sub(1, std::memory_order_relaxed);
    if (step.step == Step::Retry) continue;  // a pooled connection the upstream had closed
    if (step.upstream_reusable && step.step == Step::Done) {
      pools.give_back(*target, std::move(connection), upstream.config.max_idle);
    }
    if (step.step == Step::Failed) {
      ex.error = std::move(step.error);
      co_return co_await send_error(client, ex);
    }
    co_return step.outcome;
  }
  bool timeout = connected.failure == ConnectFailure::Timeout;
  ex.error = {timeout ? http::status::gateway_timeout : http::status::bad_gateway,
              timeout ? "upstream_timeout" : "upstream_unreachable",
              "cannot reach upstream \"" + upstream.name + "\" at " + target->url + ": " +
                  connected.message,
              "is the service running? check it with: curl -v " + target->url};
  co_return co_await send_error(client, ex);
}

template asio::awaitable<Outcome> forward(beast::tcp_stream&, Exchange&);

}  // namespace bridge::proxy
