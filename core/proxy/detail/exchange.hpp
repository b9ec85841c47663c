#pragma once
// One request/response exchange between a client and an upstream, whatever protocol the
// client speaks, and the helpers the session and the forwarder share. The client side is a
// codec (H1Client over an HTTP/1.1 connection, H2Client over one HTTP/2 stream) that the
// templates below take as `Client`: routing, ids, records, breakpoints, rewrites, errors and
// the upstream exchange are written once, against the protocol-neutral head in Exchange.

#include "proxy/breakpoints.hpp"
#include "proxy/detail/access_log.hpp"
#include "proxy/detail/asio.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/head_edit.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/spooled_body.hpp"
#include "proxy/snapshot.hpp"
#include "trace/trace.hpp"

#include <optional>
#include <string>

namespace bridge::proxy {

class Worker;

/// A JSON error answered by bridge itself: {"error","status","message","request_id","hint"}.
struct ErrorReply {
  http::status status;
  std::string code;
  std::string message;
  std::string hint;
};

/// What a client connection keeps across its requests, so that serving one allocates
/// nothing for them: the heads and bodies of the exchange under way (here rather than in
/// coroutine frames, which Asio recycles only up to 1,020 bytes), message heads in wire form,
/// and the edits to the request and response.
struct ConnectionScratch {
  std::string wire;
  RequestHead request_head;    // the request as the client's codec decoded it (HTTP/1.1)
  H1Body request_body;         // its body (HTTP/1.1)
  ResponseHead response_head;  // an HTTP/1.1 upstream's response
  H1Body response_body;
  HeadEdit request;                // the parsed request head -> what goes upstream
  HeadEdit response;               // the upstream's response head -> what the client gets
  middleware::Effects middleware;  // what the middlewares of the exchange under way did
  std::string encoded;             // a compressed response's piece on its way out
};

/// Which list, at which generation, an in-list (request_in, response_in) was captured from.
struct CapturedFrom {
  const Fields* fields = nullptr;
  uint32_t generation = 0;
};

/// Everything known about the request being served; lives in the session's frame.
struct Exchange {
  Exchange(Worker& w, const Snapshot& s, RequestHead& h, ConnectionScratch& c,
           std::shared_ptr<RequestRecord> r)
      : worker(w), snapshot(s), head(h), scratch(c), record_ptr(std::move(r)), record(*record_ptr),
        started(Clock::now()) {}
  Worker& worker;
  const Snapshot& snapshot;
  // The request head as the client's codec decoded it: method, target, version (10, 11 or 20
  // for HTTP/2, whose :authority arrives as Host) and fields.
  RequestHead& head;
  ConnectionScratch& scratch;
  std::shared_ptr<RequestRecord> record_ptr;  // the worker's, given back when the exchange ends
  RequestRecord& record;
  Clock::time_point started;
  const RouteEntry* route = nullptr;
  bool client_keep_alive = true;
  bool upgrade = false;  // Upgrade: websocket requested
  bool expect_continue = false;
  bool head_request = false;
  std::string client_ip;
  bool forwarded_trusted = true;  // the peer's X-Forwarded-* are kept (forwarded_headers)
  std::string scheme = "http";
  ErrorReply error{};      // the answer bridge gives itself when the exchange fails
  bool recording = false;  // keep headers in the record (the trace store is on)
  CapturedFrom request_in_from, response_in_from;  // where the in-lists were captured from
  // Breakpoint chosen at routing time (the request view is only valid then); held later.
  std::optional<BreakMatch> breakpoint;
  std::unique_ptr<Target> override_target;                // a breakpoint changed the target
  std::vector<std::unique_ptr<Target>> endpoint_targets;  // compose/k8s endpoints tried
  // What the listener's and route's middlewares did (scratch.middleware); null when none ran.
  const middleware::Effects* middleware = nullptr;
  // The middlewares' holds (inFlightReq counts): released when the exchange ends.
  std::vector<std::shared_ptr<void>> middleware_holds;
  // Where the middlewares stopped (the listener's chain 0, the route's 1, and the index in it),
  // so that the chain goes on there once a forwardAuth's auth server answered.
  uint8_t middleware_chain = 0;
  size_t middleware_at = 0;
  bool middleware_hold = false;  // stopped at a breakpoint's middleware, to be held there
  // The request body held whole by a buffering middleware (sent from here on every attempt).
  std::unique_ptr<SpooledBody> request_spool;
  int64_t attempt = 1;  // which attempt at the upstream this is (buffering's Attempts())

  int64_t elapsed_us() const;
  void mark(trace::Phase phase) { record.mark(phase, elapsed_us()); }
};

/// Copies `fields` into `out`, replacing values of trace.redact_headers (never stored).
void capture_headers(trace::Headers& out, const Fields& fields, const Exchange& ex);
/// The same for `fields` as `edit` changes them.
void capture_headers(trace::Headers& out, const Fields& fields, const HeadEdit& edit,
                     const Exchange& ex);

/// capture_headers for an in-list, remembering where it came from in `from`.
void capture_in_headers(trace::Headers& out, CapturedFrom& from, const Fields& fields,
                        const Exchange& ex);
/// An out-list: `fields` as `edit` changes them. When `fields` is still the list the in-list
/// was captured from (`from`, same generation), only the change goes into `out` and `how`
/// (trace::OutListEdit); otherwise every field, as capture_headers.
void capture_out_headers(trace::Headers& out, trace::OutListEdit& how, const Fields& fields,
                         const HeadEdit& edit, const CapturedFrom& from, const Exchange& ex);
/// An out-list written whole (an answer bridge makes itself): every field of `fields`.
void capture_out_headers(trace::Headers& out, trace::OutListEdit& how, const Fields& fields,
                         const Exchange& ex);

/// When a breakpoint of `phase` was chosen for this request: holds it until the admin API
/// decides or the hold passes, then applies header edits to `fields`. Returns the decision
/// (Continue when nothing held it); Abort carries the status in ex.error.
asio::awaitable<Decision::Action> hold_at_breakpoint(Exchange& ex, BreakPhase phase, Fields& fields,
                                                     int response_status);

/// How a forwarded exchange ended, from the client connection's point of view. SwitchToH2:
/// the first "request" was the HTTP/2 preface of a client with prior knowledge.
enum class Outcome { KeepAlive, Close, SwitchToH2 };

/// Writes the answer a middleware gave (ex.middleware->answer): a preflight or redirect as it
/// is, a refusal as bridge's JSON error (a gRPC status for a gRPC request).
template <class Client>
asio::awaitable<Outcome> send_middleware_answer(Client& client, Exchange& ex);

/// Writes `ex.error` to the client with the request id header. (The reply travels in the
/// Exchange rather than as an argument: GCC 12 destroys brace-initialised coroutine
/// arguments twice.)
template <class Client>
asio::awaitable<Outcome> send_error(Client& client, Exchange& ex);

/// Starts the head of an answer bridge makes itself, in ex.scratch.response_head: `status`,
/// Server and Content-Type.
ResponseHead& begin_answer(Exchange& ex, unsigned status, std::string_view content_type);
/// Ends it: Connection: close unless `keep`, and the body's Content-Length.
void end_answer(ResponseHead& head, bool keep, size_t body_size);

/// Answers builtin://echo: the request as bridge forwards it, as JSON.
template <class Client>
asio::awaitable<Outcome> answer_echo(Client& client, Exchange& ex);

/// Forwards the request to the route's upstream and relays the response.
template <class Client>
asio::awaitable<Outcome> forward(Client& client, Exchange& ex);

/// Who is on the other end of a client connection; fixed for the connection's life.
struct Peer {
  std::string listener;
  std::string client_ip;
  std::string client_subject;  // the verified client certificate's subject (mTLS), else ""
  const char* scheme = "http";
  bool h2_preface = false;             // a plain listener that takes HTTP/2 with prior knowledge
  bool http1 = true;                   // the listener's http_protocols include "http1"
  std::optional<route::IpAddress> ip;  // client_ip parsed once (none for a unix socket peer)
  // The verified client certificates (mTLS), for passTLSClientCert; null without.
  std::shared_ptr<const middleware::ClientCertificates> client_certs;
};

struct ConnectionSlot;

/// Fills in what the record knows before the head is read (start, client, listener, scheme).
void begin_record(Exchange& ex, const Peer& peer);
/// Freezes the record and hands it to the store, metrics, spans and the access log.
void finish_record(Exchange& ex);

/// finish_record() when the scope ends, however it ends, once armed (a request that never
/// began, a connection closed before a head, is not one).
struct RecordOnExit {
  Exchange& ex;
  bool armed = true;
  ~RecordOnExit() {
    if (armed) finish_record(ex);
  }
};

/// Serves one decoded request, whatever its protocol: the front door's checks, ids, routing,
/// then bridge's own answer or forward(), whose coroutine it returns (await it at once).
template <class Client>
asio::awaitable<Outcome> serve_exchange(Client& client, Exchange& ex, const Peer& peer,
                                        ConnectionSlot& slot);

int64_t micros_since(Clock::time_point start);

}  // namespace bridge::proxy
