// A client connection: read a request head, vet it, route it, then answer or forward it.
// HTTP/1.x is served here; a connection that speaks HTTP/2 (ALPN "h2", or the preface on a
// plain listener) goes to serve_h2, whose streams come back to serve_exchange.
#include "proxy/detail/session.hpp"

#include "proxy/detail/tcp_session.hpp"

#include "proxy/detail/client_certificates.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h1_client.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/h2_connection.hpp"
#include "proxy/detail/peek.hpp"
#include "proxy/detail/request_head.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/rewrite.hpp"

#include "net/http_client.hpp"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

namespace bridge::proxy {

namespace {

// Ids and trace context are settled before routing so that every answer carries them.
void assign_ids(Exchange& ex, const RequestHead& head) {
  const auto& tc = ex.snapshot.config.trace;
  std::string_view incoming = head.fields.get(tc.request_id_header);
  if (tc.trust_incoming_request_id && trace::valid_request_id(incoming)) {
    ex.record.request_id = incoming;
  } else {
    trace::new_request_id(ex.record.request_id);
  }
  auto parent = trace::parse_traceparent(head.fields.get("traceparent"));
  ex.record.trace = trace::next_span(parent);
}

}  // namespace

// The record is frozen once the exchange ends and handed to everyone who reads records.
void finish_record(Exchange& ex) {
  ex.mark(trace::Phase::Done);
  if (ex.middleware != nullptr && !ex.middleware->observers.empty()) {
    // bridge's own 502/504 for an upstream it could not reach or that broke before answering
    // ("upstream_unreachable: ...", "upstream_error: ...", "upstream_timeout: ...").
    const middleware::ExchangeResult result{static_cast<unsigned>(ex.record.status),
                                            ex.record.total_us(),
                                            ex.record.error.starts_with("upstream_")};
    for (const middleware::ResultObserver* observer : ex.middleware->observers)
      observer->observe(result);
  }
  if (ex.route != nullptr && ex.route->series != nullptr) {
    ex.route->series->observe(trace::protocol_index(ex.record.protocol), ex.record.status,
                              ex.record.total_us());
  }
  ex.worker.access_log().write(ex.record);
  ex.worker.runtime().records.publish(static_cast<size_t>(ex.worker.index()), ex.record);
  ex.worker.recycle(std::move(ex.record_ptr));  // the store keeps a copy, not this record
}

void begin_record(Exchange& ex, const Peer& peer) {
  ex.record.start = std::chrono::system_clock::now();
  ex.record.client = peer.client_ip;
  ex.record.listener = peer.listener;
  ex.record.config_hash = ex.snapshot.hash;
  ex.scheme = peer.scheme;
  ex.record.scheme = peer.scheme;
  ex.record.client_subject = peer.client_subject;
  ex.record.mark(trace::Phase::Received, 0);
  ex.recording = ex.worker.runtime().records.recording();
  ex.client_ip = peer.client_ip;
}

namespace {

std::string hint_for(const RequestHead& head, std::string_view scheme) {
  return printable("bridge route test " + head.method_name + " " + std::string(scheme) + "://" +
                   std::string(head.fields.get(Field::Host)) + head.target);
}

ErrorReply reply_for(Refusal refusal) {
  return {static_cast<http::status>(refusal.status), std::move(refusal.code),
          std::move(refusal.message), std::move(refusal.hint)};
}

// Limits and policies of the front door, in the order nginx checks them: the target's length,
// the number of fields, then what the fields say. May drop fields (underscores = "drop") and
// normalizes the target in place; `decoded` gets the path rules see.
std::optional<Refusal> pass_front_door(RequestHead& head, const config::LimitsSection& limits,
                                       const ListenerPolicy& policy, std::string& decoded) {
  if (head.target.size() > limits.max_uri_bytes) {
    return Refusal{414, "uri_too_long",
                   "request target of " + std::to_string(head.target.size()) +
                       " bytes exceeds limits.max_uri_bytes (" +
                       std::to_string(limits.max_uri_bytes) + ")",
                   "send long data in the body, or raise limits.max_uri_bytes"};
  }
  const size_t count = head.fields.size();
  bool underscores = false;
  for (const FieldRef f : head.fields) {
    if (f.name.find('_') == std::string_view::npos) continue;
    underscores = true;
    if (auto refused = refuse_underscore(f.name, limits.headers_with_underscores)) return refused;
  }
  if (count > limits.max_header_count) {
    return Refusal{431, "too_many_headers",
                   "request has " + std::to_string(count) +
                       " header fields, more than "
                       "limits.max_header_count (" +
                       std::to_string(limits.max_header_count) + ")",
                   "send fewer headers, or raise limits.max_header_count"};
  }
  if (underscores && limits.headers_with_underscores == "drop") {
    head.fields.remove_if(
        [](const FieldRef& f) { return f.name.find('_') != std::string_view::npos; });
  }
  if (head.target == "*") {
    decoded = "*";
    return std::nullopt;
  }
  FrontDoorTarget normalized;
  if (auto refused = normalize_target(head.target, policy.path, normalized)) return refused;
  if (normalized.target != head.target) head.target = std::move(normalized.target);
  decoded = std::move(normalized.decoded);
  return std::nullopt;
}

// Decodes the complete head (HTTP/1.1 codec) and vets it; returns a 400 reason or nullopt.
std::optional<std::string> parse_head(RequestHead& head, beast::flat_buffer& buffer,
                                      size_t head_bytes) {
  const std::string_view raw(static_cast<const char*>(buffer.data().data()), head_bytes);
  std::string bad = bridge::http::h1::parse_request_head(raw, head);
  buffer.consume(head_bytes);
  if (!bad.empty()) return bad;
  return vet_request_head(head);
}

// The subject of a client certificate that passed verification (RFC 2253), else "".
std::string verified_client_subject(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> out{BIO_new(BIO_s_mem()), &BIO_free};
  if (!out || X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return {};
  char* text = nullptr;
  long size = BIO_get_mem_data(out.get(), &text);
  return size > 0 ? std::string(text, static_cast<size_t>(size)) : std::string();
}

constexpr std::string_view acme_challenge_prefix = "/.well-known/acme-challenge/";

// HTTP-01 (RFC 8555 8.3) for a certificate bridge is obtaining for one of its listeners. Other
// tokens go on to routing, so an app behind bridge still answers its own challenges.
std::optional<std::string> published_key_authorization(Worker& worker, const RequestHead& head,
                                                       std::string_view path,
                                                       std::string_view scheme) {
  if (scheme != "http" || !path.starts_with(acme_challenge_prefix)) return std::nullopt;
  if (head.method != Method::Get && head.method != Method::Head) return std::nullopt;
  return worker.runtime().acme_challenges.find(path.substr(acme_challenge_prefix.size()));
}

template <class Client>
asio::awaitable<Outcome> answer_acme_challenge(Client& client, Exchange& ex,
                                               std::string key_authorization) {
  // A body nobody reads would be taken for the next request: close instead.
  bool keep = ex.client_keep_alive && client.body_done() && !ex.worker.draining();
  ResponseHead& res = begin_answer(ex, 200, "text/plain");
  res.fields.add(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  end_answer(res, keep, key_authorization.size());
  if (ex.head_request) key_authorization.clear();
  ex.record.status = 200;
  ex.record.target = "builtin://acme-challenge";
  ex.mark(trace::Phase::FirstByte);
  if (ex.recording)
    capture_out_headers(ex.record.response_out, ex.record.response_out_edit, res.fields, ex);
  ex.record.bytes_out += key_authorization.size();
  ex.scratch.response.reset(res.fields);
  bool sent = co_await client.answer(res, ex.scratch.response, ex.scratch.wire, key_authorization);
  co_return (!sent || !keep) ? Outcome::Close : Outcome::KeepAlive;
}

// Routes the request, and picks the breakpoint that will hold it, if any. Breakpoint rules
// see the request as it arrived: the view is only valid until forwarding rewrites the head,
// so the choice is made here and the hold happens later.
const route::CompiledRoute* match_route(Exchange& ex, const RequestHead& head,
                                        std::string_view decoded_path, std::string_view query,
                                        const std::optional<route::IpAddress>& client_ip,
                                        const std::string& listener) {
  // Every field counts (their number is bounded by limits.max_header_count); the vector is
  // the thread's, so routing allocates nothing once it has grown.
  thread_local std::vector<route::HeaderField> fields;
  fields.clear();
  for (const FieldRef f : head.fields) fields.push_back({f.name, f.value});
  route::RequestView view{
      head.method_name, head.fields.get(Field::Host), decoded_path, query, fields, client_ip};
  const route::CompiledRoute* matched = ex.snapshot.table.match(view, listener);
  Breakpoints& breakpoints = ex.worker.runtime().breakpoints;
  if (matched != nullptr && breakpoints.any()) ex.breakpoint = breakpoints.match(view);
  return matched;
}

middleware::Request middleware_request(const Exchange& ex, const Peer& peer) {
  const RequestHead& head = ex.head;
  return {head.method_name, head.fields.get(Field::Host),
          ex.scheme,        head.target,
          &head.fields,     ex.client_ip,
          peer.ip,          peer.client_certs.get()};
}

// Counts a step in its middleware's series: `at` is its index in chain `chain` (0 the
// listener's, 1 the route's).
void count_step(Exchange& ex, const Peer& peer, size_t chain, size_t at,
                const middleware::Step& step) {
  const MiddlewareChain& c =
      chain == 0 ? ex.snapshot.listener_chain(peer.listener) : ex.route->middlewares;
  if (trace::MiddlewareSeries* series = c.series[at])
    series->by_outcome[static_cast<size_t>(step.outcome)].fetch_add(1, std::memory_order_relaxed);
}

// What the middlewares did, into the record, once they are done (an answer, or all ran).
void note_middlewares(Exchange& ex) {
  const middleware::Effects& fx = ex.scratch.middleware;
  auto& notes = ex.record.middlewares;
  notes.resize(fx.steps.size());
  for (size_t i = 0; i < fx.steps.size(); ++i) {
    const middleware::Step& step = fx.steps[i];
    notes[i].name.assign(step.name);
    notes[i].type.assign(step.type);
    notes[i].outcome.assign(middleware::outcome_names[static_cast<size_t>(step.outcome)]);
    notes[i].detail.assign(step.detail);
    notes[i].us = step.us;
  }
  ex.mark(trace::Phase::Middlewares);
}

// Where a breakpoint at a middleware holds the request in `chain` (searched from `from`): before
// that middleware or after it; SIZE_MAX when the chain has no such place.
size_t break_index(const Exchange& ex, const middleware::Chain& chain, size_t from) {
  if (!ex.breakpoint || ex.breakpoint->phase != BreakPhase::Middleware) return SIZE_MAX;
  for (size_t i = from; i < chain.size(); ++i)
    if (chain[i]->name() == ex.breakpoint->middleware) return ex.breakpoint->after ? i + 1 : i;
  return SIZE_MAX;
}

// Runs the listener's middlewares, then the route's, from where they stopped, until one answers,
// one waits for its auth server (fx.auth) or a breakpoint holds the request at a middleware
// (ex.middleware_hold); what they did goes into ex.middleware, each middleware's series and,
// once they are done, the record.
void run_middlewares(Exchange& ex, const Peer& peer) {
  middleware::Effects& fx = ex.scratch.middleware;
  const middleware::Request request = middleware_request(ex, peer);
  const MiddlewareChain* chains[2] = {&ex.snapshot.listener_chain(peer.listener),
                                      &ex.route->middlewares};
  for (; ex.middleware_chain < 2; ++ex.middleware_chain, ex.middleware_at = 0) {
    const MiddlewareChain& chain = *chains[ex.middleware_chain];
    const size_t before = fx.steps.size(), from = ex.middleware_at;
    const size_t until = break_index(ex, chain.chain, from);
    ex.middleware_at = middleware::run(chain.chain, request, fx, from, until);
    for (size_t i = before; i < fx.steps.size(); ++i)
      if (!fx.auth || i != fx.auth->step)  // counted once its auth server answered
        count_step(ex, peer, ex.middleware_chain, from + i - before, fx.steps[i]);
    if (fx.answer || fx.auth) break;
    if (ex.middleware_at == until) {
      ex.middleware_hold = true;
      break;
    }
  }
  ex.middleware = &fx;
  // fx is the connection's and outlives the exchange; the holds end with the exchange.
  for (auto& hold : fx.holds) ex.middleware_holds.push_back(std::move(hold));
  fx.holds.clear();
  if (!fx.auth && !ex.middleware_hold) note_middlewares(ex);
}

// A forwardAuth's question to its auth server (one connection per question), and the answer
// for complete_auth; the time it took in `us`.
asio::awaitable<middleware::AuthReply> ask_auth_server(const middleware::AuthRequest& ask,
                                                       int64_t& us) {
  net::HttpRequest request{boost::beast::http::verb::get, ask.target, 11};
  for (const auto& [name, value] : ask.fields) request.insert(name, value);
  net::ExchangeOptions options;
  options.timeout = ask.timeout;
  options.body_limit = 1024 * 1024;  // a login page, not a download
  const auto began = Clock::now();
  auto answered = co_await net::http_exchange(net::HttpPeer::tcp(ask.host, ask.port),
                                              std::move(request), options);
  us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - began).count();
  middleware::AuthReply reply;
  if (!answered) {
    reply.failure = answered.error().message();
    co_return reply;
  }
  reply.status = answered->result_int();
  for (const auto& field : *answered)
    reply.fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
  reply.body = std::move(answered->body());
  co_return reply;
}

// The middlewares paused, for an auth server or at a breakpoint: ask it (or hold the request,
// as the middlewares so far left it, until the breakpoint's owner decides), go on with the rest
// of the chain (which may pause again), then answer or forward.
template <class Client>
asio::awaitable<Outcome> go_on_after_pause(Client& client, Exchange& ex, const Peer& peer) {
  middleware::Effects& fx = ex.scratch.middleware;
  while (fx.auth || ex.middleware_hold) {
    if (ex.middleware_hold) {
      ex.middleware_hold = false;
      middleware::apply_request_edits(fx, ex.head.fields);
      const auto action =
          co_await hold_at_breakpoint(ex, BreakPhase::Middleware, ex.head.fields, 0);
      if (action == Decision::Action::Abort) {
        note_middlewares(ex);
        ex.client_keep_alive = ex.client_keep_alive && client.body_done();
        co_return co_await send_error(client, ex);
      }
      run_middlewares(ex, peer);
      continue;
    }
    const middleware::Request request = middleware_request(ex, peer);
    const size_t step = fx.auth->step;
    int64_t us = 0;
    middleware::AuthReply reply =
        co_await ask_auth_server(middleware::auth_request(*fx.auth, request), us);
    middleware::complete_auth(request, std::move(reply), us, fx);
    count_step(ex, peer, ex.middleware_chain, ex.middleware_at - 1, fx.steps[step]);
    if (fx.answer) {
      note_middlewares(ex);
      break;
    }
    run_middlewares(ex, peer);
  }
  if (fx.answer) co_return co_await send_middleware_answer(client, ex);
  co_return co_await forward(client, ex);
}

}  // namespace

// Not a coroutine: what it checks needs no waiting, and the coroutine it hands back (forward
// or an answer) is awaited at once, while everything it refers to lives. One coroutine frame
// fewer per request.
template <class Client>
asio::awaitable<Outcome> serve_exchange(Client& client, Exchange& ex, const Peer& peer,
                                        ConnectionSlot& slot) {
  const std::string& listener = peer.listener;
  Worker& worker = ex.worker;
  const Snapshot* snapshot = &ex.snapshot;
  const auto& limits = snapshot->config.limits;
  auto& head = ex.head;
  ex.mark(trace::Phase::HeadParsed);
  ex.head_request = head.method == Method::Head;
  std::string decoded_path;
  const ListenerPolicy& policy = snapshot->policy(listener);
  ex.forwarded_trusted = policy.trusts(peer.ip);
  auto refused = pass_front_door(head, limits, policy, decoded_path);
  std::string_view path, query;
  split_target(head.target, path, query);
  // Client bytes become JSON and log text: invalid UTF-8 is kept visible but escaped.
  ex.record.method = printable(head.method_name);
  ex.record.host = printable(head.fields.get(Field::Host));
  ex.record.path = printable(path);
  ex.record.query = printable(ex.snapshot.redaction.redact_query(query));
  if (ex.recording) capture_in_headers(ex.record.request_in, ex.request_in_from, head.fields, ex);
  assign_ids(ex, head);
  slot.set_request_id(ex.record.request_id);
  if (refused) {
    ex.client_keep_alive = false;  // the body, if any, is unread
    ex.error = reply_for(std::move(*refused));
    return send_error(client, ex);
  }
  if (auto key_authorization = published_key_authorization(worker, head, path, ex.scheme)) {
    return answer_acme_challenge(client, ex, std::move(*key_authorization));
  }

  const route::CompiledRoute* matched =
      match_route(ex, head, decoded_path, query, peer.ip, listener);
  if (matched == nullptr) {
    ex.client_keep_alive = ex.client_keep_alive && client.body_done();
    ex.error = {http::status::not_found, "no_route",
                printable("no route matched " + head.method_name + " " +
                          std::string(head.fields.get(Field::Host)) + ex.record.path +
                          (ex.record.query.empty() ? "" : "?" + ex.record.query) + " on listener " +
                          listener),
                hint_for(head, ex.scheme)};
    return send_error(client, ex);
  }
  ex.route = &snapshot->routes[matched->index];
  ex.mark(trace::Phase::RouteMatched);
  ex.record.route = matched->name;
  ex.record.upstream = ex.route->upstream->name;
  uint64_t max_body = ex.route->config->max_body_bytes.value_or(limits.max_body_bytes);
  if (max_body > 0) {
    client.body_limit(max_body);
    if (client.content_length() && *client.content_length() > max_body) {
      ex.client_keep_alive = false;
      ex.error = {http::status::payload_too_large, "body_too_large",
                  "request body of " + std::to_string(*client.content_length()) +
                      " bytes exceeds the limit of " + std::to_string(max_body),
                  "raise max_body_bytes for this route"};
      return send_error(client, ex);
    }
  }
  const MiddlewareChain& listener_chain = snapshot->listener_chain(listener);
  if (!listener_chain.empty() || !ex.route->middlewares.empty()) {
    ex.scratch.middleware.clear();
    ex.scratch.middleware.explain = false;  // words only for what stands out
    run_middlewares(ex, peer);
    if (ex.scratch.middleware.auth || ex.middleware_hold)
      return go_on_after_pause(client, ex, peer);
    if (ex.scratch.middleware.answer) return send_middleware_answer(client, ex);
  }
  return forward(client, ex);
}

template asio::awaitable<Outcome> serve_exchange(H2Client&, Exchange&, const Peer&,
                                                 ConnectionSlot&);

namespace {

/// The connection preface of HTTP/2 with prior knowledge (RFC 9113 3.4), as read_head sees
/// it: a head of its own ("PRI * HTTP/2.0" and an empty line), then "SM" and an empty line.
constexpr std::string_view h2_preface_head = "PRI * HTTP/2.0\r\n\r\n";

template <class ClientStream>
asio::awaitable<Outcome> serve_request(ClientStream& stream, Worker& worker, const Peer& peer,
                                       beast::flat_buffer& buffer, ConnectionScratch& scratch,
                                       ConnectionSlot& slot, bool first) {
  const std::string& listener = peer.listener;
  size_t head_bytes = 0;
  HeadStatus status;
  {
    const auto& waiting = worker.snapshot()->config.limits;  // bound the wait for a head
    error_code failure;
    status = co_await read_head(stream, buffer, waiting.max_header_bytes, waiting.idle_timeout,
                                waiting.header_timeout, head_bytes, failure);
  }
  if (first && status == HeadStatus::Ok && peer.h2_preface &&
      std::string_view(static_cast<const char*>(buffer.data().data()), head_bytes) ==
          h2_preface_head) {
    co_return Outcome::SwitchToH2;
  }
  // Taken once the head is here, not when the connection began waiting for it: a keep-alive
  // connection idle across a reload sends its next request to the new routes. Held for the
  // whole exchange, so a reload during it swaps safely.
  auto snapshot = worker.snapshot();
  const auto& limits = snapshot->config.limits;
  RequestHead& head = scratch.request_head;
  head.clear();
  scratch.request_body.start({});  // none until the head says otherwise
  H1Client<ClientStream> client(stream, buffer, head, scratch.request_body);
  Exchange ex(worker, *snapshot, head, scratch, worker.take_record());
  // One access-log line per request, however the exchange ends.
  RecordOnExit log_on_exit{ex, false};
  begin_record(ex, peer);
  if (status == HeadStatus::Closed || status == HeadStatus::Timeout) co_return Outcome::Close;
  slot.busy = true;
  log_on_exit.armed = true;
  if (status == HeadStatus::TooLarge) {
    trace::new_request_id(ex.record.request_id);
    ex.client_keep_alive = false;
    ex.error = {http::status::request_header_fields_too_large, "headers_too_large",
                "request header block exceeds " + std::to_string(limits.max_header_bytes) +
                    " bytes",
                "send fewer or smaller headers (cookies?)"};
    co_return co_await send_error(client, ex);
  }
  auto bad = parse_head(head, buffer, head_bytes);
  if (bad) {
    trace::new_request_id(ex.record.request_id);
    ex.client_keep_alive = false;  // the stream position is unknown: never reuse it
    ex.error = {http::status::bad_request, "bad_request", printable(*bad), ""};
    co_return co_await send_error(client, ex);
  }
  scratch.request_body.start(bridge::http::h1::request_framing(head));
  ex.client_keep_alive = bridge::http::keep_alive(head.version, head.fields);
  ex.record.protocol = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  if (!peer.http1) {
    trace::new_request_id(ex.record.request_id);
    ex.client_keep_alive = false;
    ex.error = {http::status::http_version_not_supported, "http2_only",
                "listener " + listener + " speaks HTTP/2 only (http_protocols = [\"h2\"])",
                "use an HTTP/2 client (curl --http2-prior-knowledge), or add \"http1\" to the "
                "listener's http_protocols"};
    co_return co_await send_error(client, ex);
  }
  co_return co_await serve_exchange(client, ex, peer, slot);
}

template <class ClientStream>
asio::awaitable<void> serve_requests(ClientStream& client, Worker& worker, const Peer& peer,
                                     ConnectionSlot& slot) {
  beast::flat_buffer buffer;
  ConnectionScratch scratch;  // reused by every request on the connection
  for (bool first = true;; first = false) {
    slot.busy = false;
    slot.request_id_size = 0;
    if (worker.draining()) break;
    try {
      Outcome outcome = co_await serve_request(client, worker, peer, buffer, scratch, slot, first);
      if (outcome == Outcome::SwitchToH2) {
        co_await serve_h2(client, worker, peer, slot, buffer);
        break;
      }
      if (outcome == Outcome::Close) break;
      trim_idle_buffer(buffer);
    } catch (const std::exception& e) {
      // A bug, not bad input (that is answered): log it where it happened, drop this
      // connection, and let the worker serve the others.
      spdlog::error("worker {}, listener {}, client {}, request {}: unexpected failure (a bug, "
                    "please report it): {}",
                    worker.index(), peer.listener, peer.client_ip, slot.current_request_id(),
                    e.what());
      break;
    }
  }
}

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket socket, ConnectionEnds ends, Worker& worker,
                                       std::string listener, std::shared_ptr<ssl::context> tls) {
  Peer peer;  // the socket has TCP_NODELAY from its listener (net::open_acceptor)
  peer.listener = std::move(listener);
  const ListenerPolicy& policy = worker.snapshot()->policy(peer.listener);
  // A trusted balancer in front may say who the client is.
  if (policy.proxy_protocol &&
      !co_await read_connection_ends(socket, policy,
                                     worker.snapshot()->config.limits.header_timeout, ends))
    co_return;
  peer.client_ip = ends.client_ip;
  peer.ip = route::IpAddress::parse(peer.client_ip);
  peer.http1 = policy.http1;
  if (!tls) {
    peer.h2_preface = policy.h2;
    DeadlineStream client(std::move(socket), worker.deadlines());
    ConnectionLease lease(worker, &client.socket());
    co_await serve_requests(client, worker, peer, lease.slot());
    error_code ec;
    client.socket().shutdown(tcp::socket::shutdown_send, ec);
    client.close();
    co_return;
  }
  // A ClientHello that a TLS route of [[tcp_routes]] matches is not served as HTTP.
  if (co_await serve_if_tcp_routed(socket, worker, peer.listener, *tls, ends)) co_return;
  TlsClientStream client(DeadlineStream(std::move(socket), worker.deadlines()), *tls);
  ConnectionLease lease(worker, &beast::get_lowest_layer(client).socket());
  auto& limits = worker.snapshot()->config.limits;
  beast::get_lowest_layer(client).expires_after(limits.header_timeout);
  auto [hec] = co_await client.async_handshake(ssl::stream_base::server, nothrow);
  if (!hec) {
    peer.scheme = "https";
    peer.client_subject = verified_client_subject(client.native_handle());
    peer.client_certs = verified_client_certificates(client.native_handle());
    const unsigned char* alpn = nullptr;
    unsigned int alpn_size = 0;
    SSL_get0_alpn_selected(client.native_handle(), &alpn, &alpn_size);
    if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) == "h2") {
      beast::flat_buffer nothing_yet;
      co_await serve_h2(client, worker, peer, lease.slot(), nothing_yet);
    } else {
      co_await serve_requests(client, worker, peer, lease.slot());
    }
    // close_notify, bounded: a peer that vanished must not hold the connection open.
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(1));
    co_await client.async_shutdown(nothrow);
  } else {
    spdlog::debug("TLS handshake on {} from {} failed: {}", peer.listener, peer.client_ip,
                  hec.message());
  }
  beast::get_lowest_layer(client).close();
}

}  // namespace bridge::proxy
