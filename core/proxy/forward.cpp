// Forwarding one request to an upstream target and relaying the response back.
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/rewrite.hpp"

#include <spdlog/spdlog.h>

namespace bridge::proxy {

namespace {

using namespace asio::experimental::awaitable_operators;

// X-Forwarded-*: a trusted peer's (another proxy in front of bridge) are extended or kept;
// an untrusted peer's are all removed, so an app never believes a forged client address.
void set_forwarded_fields(const http::request_header<>& head, const Exchange& ex,
                          std::string_view original_host, HeadEdit& edit) {
  if (!ex.forwarded_trusted) {
    for (std::string_view name : forwarded_fields) edit.remove(name);
    edit.set("X-Forwarded-For", ex.client_ip);
    edit.set("X-Forwarded-Proto", ex.scheme);
    edit.set("X-Forwarded-Host", original_host);
    return;
  }
  const std::string_view forwarded_for = head["X-Forwarded-For"];
  if (forwarded_for.empty()) edit.set("X-Forwarded-For", ex.client_ip);
  else edit.set_copy("X-Forwarded-For", {forwarded_for, ", ", ex.client_ip});
  if (head["X-Forwarded-Proto"].empty()) edit.set("X-Forwarded-Proto", ex.scheme);
  if (head["X-Forwarded-Host"].empty()) edit.set("X-Forwarded-Host", original_host);
}

// What goes upstream, as edits to the parsed head (see HeadEdit for why not in place).
void edit_request_head(const http::request_header<>& head, Exchange& ex, HeadEdit& edit) {
  const config::Route& route = *ex.route->config;
  const config::TraceSection& tc = ex.snapshot.config.trace;
  edit.reset(head);
  // One pass for the fields read here, rather than a sorted-index lookup for each.
  std::string_view original_host, connection, upgrade, expect;
  for (const auto& f : head) {
    std::string_view* wanted = nullptr;
    switch (f.name()) {
      case http::field::host: wanted = &original_host; break;
      case http::field::connection: wanted = &connection; break;
      case http::field::upgrade: wanted = &upgrade; break;
      case http::field::expect: wanted = &expect; break;
      default: break;
    }
    if (wanted != nullptr && wanted->data() == nullptr) *wanted = f.value();  // the first one
  }
  ex.upgrade = !upgrade.empty() && connection_has_token(connection, "upgrade");
  if (iequals(expect, "100-continue")) {
    // bridge answers 100-continue itself when it is ready to read the body (as nginx does).
    ex.expect_continue = true;
    edit.remove("Expect");
  }
  edit.drop_hop_by_hop(connection);
  if (ex.upgrade) {
    edit.add("Upgrade", upgrade);
    edit.add("Connection", "Upgrade");
  }
  set_forwarded_fields(head, ex, original_host, edit);
  edit.set(tc.request_id_header, ex.record.request_id);
  edit.set_copy("traceparent", {ex.record.trace.traceparent()});
  if (!ex.record.trace.continued) edit.remove("tracestate");  // of a trace we replaced
  for (const auto& p : tc.propagation) {
    if (p == "b3") edit.set_copy("b3", {ex.record.trace.b3()});
  }
  if (!route.strip_prefix.empty()) {
    std::string stripped;
    if (strip_prefix(head.target(), route.strip_prefix, stripped)) {
      edit.set_target(stripped);
      edit.set("X-Forwarded-Prefix", route.strip_prefix);
    }
  }
  if (!route.host_rewrite.empty()) edit.set("Host", route.host_rewrite);
  for (const auto& name : route.request_headers.remove) edit.remove(name);
  for (const auto& [name, value] : route.request_headers.set) edit.set(name, value);
  edit.set_version(11);
}

// The response's Connection field (the upstream's was hop-by-hop and dropped): an HTTP/1.1
// head says when the connection closes; one an HTTP/1.0 peer reads says when it stays open.
// The response goes out as HTTP/1.1 (edit_response_head): persistent unless it says close; an
// HTTP/1.0 client needs keep-alive spelled out.
void state_keep_alive(HeadEdit& edit, unsigned client_version, bool keep) {
  if (!keep) edit.set("Connection", "close");
  if (keep && client_version < 11) edit.set("Connection", "keep-alive");
}

// Balancing with passive health: targets marked down are skipped while any other is up.
const Target* pick_target(const UpstreamSet& upstream, const Target* exclude) {
  const auto& targets = upstream.targets;
  const size_t n = targets.size();
  const int64_t now = now_ms();
  auto usable = [&](const Target& t) { return &t != exclude && t.has_addresses(); };
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
                           std::chrono::milliseconds idle, BufferPool::Lease buf) {
  if (pending.size() > 0) {
    auto [ec, n] = co_await asio::async_write(to, pending.data(), nothrow);
    if (ec) co_return;
    pending.consume(n);
  }
  for (;;) {
    beast::get_lowest_layer(from).expires_after(idle);
    auto [rec, n] = co_await from.async_read_some(asio::buffer(buf.data(), buf.size()), nothrow);
    if (n > 0) {
      beast::get_lowest_layer(to).expires_after(idle);
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow);
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
  BufferPool::Lease body_buffer = ex.worker.buffers().take();
  const std::span<char> chunk(body_buffer.data(), body_buffer.size());
  RelayResult sent = co_await relay_message(client, ex.client_buffer, ex.parser, upstream,
                                            ex.scratch.request, ex.scratch.wire, chunk,
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

  std::optional<ResponseParser>& parsed = ex.scratch.response_parser;
  ParserSlot<ResponseParser> parsed_scope{parsed};
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
  HeadEdit& edit = ex.scratch.response;
  edit_response_head(head.base(), ex, edit);
  if (ex.breakpoint) {
    edit.apply(head.base());  // the breakpoint shows and edits real fields
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Response, head.base(),
                                              head.result_int());
    if (action == Decision::Action::Abort) {
      result.step = Step::Failed;  // the upstream body is unread: that connection is done
      result.upstream_reusable = false;
      result.error = std::move(ex.error);
      co_return result;
    }
  }
  if (ex.recording) capture_headers(ex.record.response_out, head.base(), edit, ex);
  bool keep = ex.client_keep_alive && !ex.worker.draining();
  bool has_body = !ex.head_request && head.result_int() != 204 && head.result_int() != 304 &&
                  !switching;
  if (has_body && !response.chunked() && !response.content_length()) {
    // Close-delimited upstream body: re-frame as chunked so the client can keep the connection.
    if (ex.parser.get().version() >= 11) edit.make_chunked();
    else keep = false;
  }
  if (!switching) state_keep_alive(edit, ex.parser.get().version(), keep);
  uint64_t out_bytes = 0;
  auto no_op = []() -> asio::awaitable<bool> { co_return true; };
  RelayResult relayed = co_await relay_message(upstream, conn.buffer, response, client, edit,
                                               ex.scratch.wire, chunk, route_timeout,
                                               limits.idle_timeout, out_bytes, no_op);
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
    co_await (pump(client, ex.client_buffer, upstream, limits.idle_timeout,
                   ex.worker.buffers().take()) ||
              pump(upstream, conn.buffer, client, limits.idle_timeout,
                   ex.worker.buffers().take()));
    co_return result;
  }
  result.outcome = keep ? Outcome::KeepAlive : Outcome::Close;
  co_return result;
}


// Where a request goes: a static target, or one endpoint of a compose:// or k8s:// target
// (materialised as a Target so that pools key on its address).
struct Chosen {
  const Target* target = nullptr;  // what to connect to
  const Target* parent = nullptr;  // the configured target
  discovery::Endpoint endpoint;    // for dynamic targets
  std::string describe() const {
    if (parent == nullptr || !parent->dynamic()) return target ? target->url : "";
    return parent->url + " -> " + endpoint.host + ":" + std::to_string(endpoint.port);
  }
  bool down() const {
    if (!parent->dynamic()) return parent->down_until_ms.load() > now_ms();
    std::lock_guard lock(parent->endpoint_mutex);
    auto it = parent->endpoint_down_until.find(endpoint.host + ":" + std::to_string(endpoint.port));
    return it != parent->endpoint_down_until.end() && it->second > now_ms();
  }
};

Chosen choose_endpoint(const Target* target, Exchange& ex) {
  Chosen chosen{target, target, {}};
  if (!target->dynamic()) return chosen;
  chosen.target = nullptr;
  if (!target->source) return chosen;
  auto resolution = target->source->current();
  const auto& endpoints = resolution->endpoints;
  if (endpoints.empty()) return chosen;
  const size_t n = endpoints.size();
  const size_t start = target->endpoint_next.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = now_ms();
  const discovery::Endpoint* best = &endpoints[start % n];
  {
    std::lock_guard lock(target->endpoint_mutex);
    for (size_t i = 0; i < n; ++i) {
      const auto& e = endpoints[(start + i) % n];
      auto it = target->endpoint_down_until.find(e.host + ":" + std::to_string(e.port));
      if (it == target->endpoint_down_until.end() || it->second <= now) {
        best = &e;
        break;
      }
    }
  }
  auto concrete = std::make_unique<Target>();
  concrete->scheme = Scheme::Http;
  concrete->host = best->host;
  concrete->port = best->port;
  std::string host = best->host.find(':') != std::string::npos ? "[" + best->host + "]" : best->host;
  concrete->url = "http://" + host + ":" + std::to_string(best->port);
  concrete->key = concrete->url;
  chosen.endpoint = *best;
  chosen.target = concrete.get();
  ex.endpoint_targets.push_back(std::move(concrete));
  return chosen;
}

void mark_down(const Chosen& chosen, const UpstreamSet& upstream) {
  const int64_t until = now_ms() + upstream.config.down_for.count();
  if (!chosen.parent->dynamic()) {
    chosen.parent->down_until_ms = until;
    return;
  }
  {
    std::lock_guard lock(chosen.parent->endpoint_mutex);
    chosen.parent->endpoint_down_until[chosen.endpoint.host + ":" +
                                       std::to_string(chosen.endpoint.port)] = until;
  }
  if (chosen.parent->source) chosen.parent->source->report_failure(chosen.endpoint);
}

// A compose:// or k8s:// target may have no address for a moment (a tunnel restarting, a
// container being recreated): new requests wait up to the connect timeout for one.
asio::awaitable<const Target*> wait_for_target(const UpstreamSet& upstream, Exchange& ex) {
  const Target* target = pick_target(upstream, nullptr);
  // Wait only while a source is still resolving (first start, a tunnel restarting); one that
  // failed answers 502 with its reason at once instead of holding the client.
  auto pending = [&] {
    return std::any_of(upstream.targets.begin(), upstream.targets.end(), [](const auto& t) {
      return t->dynamic() && t->source &&
             t->source->current()->state == discovery::State::Pending;
    });
  };
  if (target != nullptr || !pending()) co_return target;
  // A tunnel coming back (k8s restart) is waited for up to the connect timeout; after that
  // the client gets a 502 that says why.
  const auto deadline = Clock::now() + ex.snapshot.config.limits.connect_timeout;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (target == nullptr && Clock::now() < deadline && pending()) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(nothrow);
    target = pick_target(upstream, nullptr);
  }
  co_return target;
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
    if (!res->error.empty()) detail += ": " + res->error;
    else detail += res->state == discovery::State::Pending ? ": not resolved yet" : ": no address";
    if (t->scheme == Scheme::K8s) {
      hint = "the kubectl port-forward is not up (restarts " + std::to_string(res->restarts) +
             (res->last_stderr.empty() ? "" : ", kubectl said: " + res->last_stderr) +
             "); see `bridge route list`";
    } else if (hint.empty()) {
      hint = "see `bridge route list` for where each target resolves";
    }
  }
  return {http::status::bad_gateway, "upstream_unreachable",
          "no usable target in upstream \"" + upstream.name + "\" (" + detail + ")", hint};
}
}  // namespace

template <class ClientStream>
asio::awaitable<Outcome> forward(ClientStream& client, Exchange& ex) {
  auto& request_head = ex.parser.get().base();
  HeadEdit& edit = ex.scratch.request;
  edit_request_head(request_head, ex, edit);
  const UpstreamSet& upstream = *ex.route->upstream;
  auto& pools = ex.worker.pools();
  const Target* picked = co_await wait_for_target(upstream, ex);
  if (picked == nullptr) {
    ex.error = no_target_error(upstream);
    co_return co_await send_error(client, ex);
  }
  ex.mark(trace::Phase::UpstreamResolved);
  ex.record.target = picked->url;  // shown while held at a breakpoint
  if (ex.breakpoint) {
    // A breakpoint (either phase) shows and edits the request as sent: real fields.
    edit.apply(request_head);
    auto action = co_await hold_at_breakpoint(ex, BreakPhase::Request, request_head, 0);
    if (action == Decision::Action::Abort) {
      ex.client_keep_alive = ex.client_keep_alive && ex.parser.is_done();
      co_return co_await send_error(client, ex);
    }
    if (ex.override_target) picked = ex.override_target.get();
  }
  if (ex.recording) capture_headers(ex.record.request_out, request_head, edit, ex);
  if (picked->scheme == Scheme::Echo) {
    edit.apply(request_head);  // echo answers with the request as it would be sent
    co_return co_await answer_echo(client, ex);
  }
  Chosen chosen = choose_endpoint(picked, ex);
  ConnectResult connected;
  for (int attempt = 0; attempt < 3 && chosen.target != nullptr; ++attempt) {
    const Target* target = chosen.target;
    ex.record.target = chosen.describe();
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
          mark_down(chosen, upstream);
          const Target* other = pick_target(upstream, chosen.parent);
          if (other != nullptr && other->down_until_ms.load() <= now_ms()) {
            chosen = choose_endpoint(other, ex);
            continue;
          }
          if (chosen.parent->dynamic()) {  // another endpoint of the same service?
            Chosen again = choose_endpoint(chosen.parent, ex);
            if (again.target != nullptr && !again.down()) {
              chosen = again;
              continue;
            }
          }
        }
        break;
      }
      connection = std::move(connected.connection);
      ex.mark(trace::Phase::Connected);
    }
    chosen.parent->active.fetch_add(1, std::memory_order_relaxed);
    StepResult step = co_await std::visit(
        [&](auto& stream) { return exchange_with(client, ex, stream, *connection); },
        connection->stream);
    chosen.parent->active.fetch_sub(1, std::memory_order_relaxed);
    if (step.step == Step::Retry) continue;  // a pooled connection the upstream had closed
    if (step.upstream_reusable && step.step == Step::Done) {
      pools.give_back(*target, std::move(connection), upstream.config.max_idle);
    }
    if (step.step == Step::Failed) {
      if (chosen.parent->dynamic() && chosen.parent->source) {
        // A tunnel that breaks mid-request (kubectl's "lost connection to pod"): restart it.
        if (step.error.status == http::status::bad_gateway) {
          chosen.parent->source->report_failure(chosen.endpoint);
        }
      }
      ex.error = std::move(step.error);
      co_return co_await send_error(client, ex);
    }
    co_return step.outcome;
  }
  if (chosen.target == nullptr) {
    ex.error = no_target_error(upstream);
    co_return co_await send_error(client, ex);
  }
  bool timeout = connected.failure == ConnectFailure::Timeout;
  std::string where = chosen.describe();
  std::string hint = "is the service running? check it with: curl -v " + chosen.target->url;
  if (chosen.parent->dynamic() && chosen.parent->source) {
    auto res = chosen.parent->source->current();
    if (chosen.parent->scheme == Scheme::K8s) {
      hint = "the kubectl port-forward is restarting (restarts " +
             std::to_string(res->restarts) + (res->last_stderr.empty() ? "" : ", kubectl said: " +
                                                                                res->last_stderr) +
             "); retry in a moment, or check `bridge route list`";
    } else {
      hint = "is the container running? check `docker compose ps` and `bridge route list`";
    }
  }
  ex.error = {timeout ? http::status::gateway_timeout : http::status::bad_gateway,
              timeout ? "upstream_timeout" : "upstream_unreachable",
              "cannot reach upstream \"" + upstream.name + "\" at " + where + ": " +
                  connected.message,
              hint};
  co_return co_await send_error(client, ex);
}

template asio::awaitable<Outcome> forward(DeadlineStream&, Exchange&);
template asio::awaitable<Outcome> forward(TlsClientStream&, Exchange&);

}  // namespace bridge::proxy
