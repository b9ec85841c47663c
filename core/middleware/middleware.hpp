#pragma once
/// HTTP middlewares (Traefik's types and semantics) as pure code on the protocol-neutral head:
/// each looks at a request and says what it changes on the way up, what it adds to the
/// response on the way back, or that it answers the request itself. No sockets and no waiting
/// here: the proxy applies the effects for HTTP/1.1, HTTP/2 and gRPC alike, and `bridge route
/// test` runs the same code as a dry run.

#include "config/config.hpp"
#include "http/message.hpp"
#include "route/route.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::middleware {

/// A client certificate of an mTLS connection, as the TLS layer read it (passTLSClientCert).
struct ClientCertificate {
  std::string pem;  // base64 of the DER: the PEM body without delimiters or line breaks
  // Name attributes in certificate order, by short name ("C", "ST", "L", "O", "OU", "CN",
  // "serialNumber", "DC").
  std::vector<std::pair<std::string, std::string>> subject, issuer;
  std::string serial;                     // decimal
  int64_t not_before = 0, not_after = 0;  // Unix seconds
  std::vector<std::string> sans;          // DNS names, e-mail addresses, IP addresses, URIs
};
/// What the client sent, its own certificate first.
using ClientCertificates = std::vector<ClientCertificate>;

/// What a middleware sees of a request: the head as the front door passed it.
struct Request {
  std::string_view method;
  std::string_view host;    // Host, or HTTP/2's :authority
  std::string_view scheme;  // "http" or "https", as the client connected
  std::string_view target;  // path?query, normalized by the front door
  const http::Fields* fields = nullptr;
  std::string_view client_ip;               // the peer's address, as text
  std::optional<route::IpAddress> peer_ip;  // the same, parsed
  // The verified client certificates of an mTLS connection; null without.
  const ClientCertificates* client_certs = nullptr;
};

/// A change to a head's fields. AppendToken adds `value` to a list field (Vary) unless a field
/// of that name already lists it, so two middlewares (or the upstream) never lose each other's.
struct FieldEdit {
  // Add appends a field and keeps those of the same name (Set-Cookie).
  enum class Op : uint8_t { Set, Remove, AppendToken, Add };
  Op op = Op::Set;
  std::string name;
  std::string value;
};

/// An answer a middleware gives instead of forwarding (a preflight, a redirect, a refusal).
struct Answer {
  Answer() = default;
  Answer(unsigned s, std::vector<std::pair<std::string, std::string>> f, std::string m,
         std::optional<std::string> b = std::nullopt)
      : status(s), fields(std::move(f)), message(std::move(m)), body(std::move(b)) {}
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string message;  // why, for an error answer's body and the record
  // The body to send as it is (an auth server's page), instead of bridge's own error.
  std::optional<std::string> body;
};

enum class Outcome : uint8_t { Passed, Answered };
inline constexpr std::array<std::string_view, 2> outcome_names = {"passed", "answered"};

/// One middleware's part in a request, for records and `route test`.
struct Step {
  std::string name;
  std::string_view type;
  Outcome outcome = Outcome::Passed;
  std::string detail;  // what it did, in words ("origin http://a.test matched ...")
  int64_t us = 0;      // time spent in it
};

/// A list whose elements stay allocated across clear(): a connection's Effects serve request
/// after request, and assigning into the strings of an element kept from before allocates
/// nothing once they have grown.
template <class T>
class Reused {
 public:
  /// The next element, as the last request left it: assign every member.
  T& next() {
    if (used_ == items_.size()) items_.emplace_back();
    return items_[used_++];
  }
  void clear() { used_ = 0; }
  size_t size() const { return used_; }
  bool empty() const { return used_ == 0; }
  const T& operator[](size_t i) const { return items_[i]; }
  T& operator[](size_t i) { return items_[i]; }
  const T& front() const { return items_.front(); }
  T& back() { return items_[used_ - 1]; }
  const T& back() const { return items_[used_ - 1]; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.begin() + static_cast<std::ptrdiff_t>(used_); }

 private:
  std::vector<T> items_;
  size_t used_ = 0;
};

class FieldEdits : public Reused<FieldEdit> {
 public:
  void add(FieldEdit::Op op, std::string_view name, std::string_view value) {
    FieldEdit& e = next();
    e.op = op;
    e.name.assign(name);
    e.value.assign(value);
  }
};

/// The content codings compress can produce, as Accept-Encoding names them.
enum class Encoding : uint8_t { Gzip, Br, Zstd };
inline constexpr std::array<std::string_view, 3> encoding_names = {"gzip", "br", "zstd"};
std::optional<Encoding> encoding_of(std::string_view name);

/// A compress middleware's choice for a request: its options and the client's encoding. The
/// proxy asks compression_refusal() once the response head is known.
struct Compression {
  Encoding encoding = Encoding::Gzip;
  const config::CompressMiddleware* options = nullptr;
  size_t step = 0;  // its Step, whose words the proxy completes with the outcome
};

/// Why a response is not compressed ("" when it is): no body, a range, already encoded,
/// Cache-Control: no-transform, gRPC, a content type the options leave out, or a
/// Content-Length under minResponseBodyBytes.
std::string compression_refusal(const Compression& c, unsigned status, const http::Fields& response,
                                bool head_request);

/// What a retry middleware asks of forwarding: `attempts` tries in all, the n-th retry after
/// initial_interval * 2^(n-1).
struct RetryPolicy {
  int64_t attempts = 1;
  std::chrono::milliseconds initial_interval{0};
  size_t step = 0;  // its Step, whose words the proxy completes with the attempts made
  std::chrono::milliseconds delay_before(int64_t retry) const {
    return initial_interval * (int64_t{1} << std::min<int64_t>(retry - 1, 20));
  }
};

/// A buffering middleware of the chain: the proxy reads the request body whole before it
/// forwards and the response body whole before it answers, within the options' limits, and
/// sends the request again while retry_wanted() says so.
struct Buffering {
  const config::BufferingMiddleware* options = nullptr;
  size_t step = 0;  // its Step, whose words the proxy completes with the sizes and attempts
};

/// The most attempts a retryExpression gets (Traefik's: its buffer stops retrying there).
inline constexpr int64_t buffering_max_attempts = 10;

/// Whether buffering's retryExpression wants the request sent again after `attempts` attempts,
/// the last answered `status` (bridge's own 502 or 504 when the upstream could not be reached:
/// IsNetworkError()). False without an expression or past buffering_max_attempts.
bool retry_wanted(const config::BufferingMiddleware& options, int64_t attempts, unsigned status);

/// A grpcWeb middleware took a browser's gRPC-Web call: the proxy sends it to the HTTP/2
/// upstream as gRPC (a -text body base64-decoded) and turns the answer back into gRPC-Web
/// (grpc_web.hpp), trailers in the body.
struct GrpcWebCall {
  bool text = false;    // application/grpc-web-text: base64 bodies both ways
  bool expose = false;  // an allowed origin: the response's field names go in Expose-Headers
  size_t step = 0;
};

/// An errors middleware of the chain: the proxy asks error_pages_for() once the status is
/// known, and fetches the page from options->service.
struct ErrorPages {
  const config::ErrorsMiddleware* options = nullptr;
  size_t step = 0;  // its Step, whose words the proxy completes with what it served
};

/// The first errors middleware of the chain whose statuses include `status`, or null. (Traefik
/// nests middlewares, so the outermost one's page is the one the client sees.)
const ErrorPages* error_pages_for(const std::vector<ErrorPages>& pages, unsigned status);
/// The status the client gets: the statusRewrites entry for `status`, else `status`.
unsigned error_page_status(const config::ErrorsMiddleware& options, unsigned status);
/// The page's request target: options.query with {status} (as rewritten), {originalStatus}
/// and {url} (the request's target, as Traefik's url.QueryEscape(req.URL) gives it) filled in.
std::string error_page_target(const config::ErrorsMiddleware& options, unsigned status,
                              std::string_view url);

/// The media type a body's first bytes (up to 512) show, as Go's http.DetectContentType names
/// it (Traefik's contentType): "text/html; charset=utf-8", "image/png", ..., "text/plain;
/// charset=utf-8" for text, "application/octet-stream" for anything else.
std::string_view sniff_content_type(std::string_view first_bytes);

class Middleware;

/// A forwardAuth middleware waiting for its auth server: the proxy sends auth_request(), hands
/// the answer to complete_auth(), then runs the rest of the chain.
struct AuthCheck {
  const Middleware* by = nullptr;
  size_t step = 0;  // its Step
};

/// What to send the auth server: GET `target` at host:port with `fields` (Host first).
struct AuthRequest {
  std::string host, port, target;
  std::vector<std::pair<std::string, std::string>> fields;
  std::chrono::milliseconds timeout{0};
};

/// The auth server's answer, or why there is none (`failure`, e.g. "connect: Connection
/// refused").
struct AuthReply {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string body;
  std::string failure;
};

/// How an exchange ended, for a middleware that learns from it (circuitBreaker's statistics).
struct ExchangeResult {
  unsigned status = 0;
  int64_t us = 0;              // from the request's arrival to its end
  bool network_error = false;  // the upstream could not be reached or broke before answering
};

class ResultObserver {
 public:
  virtual void observe(const ExchangeResult& result) const = 0;

 protected:
  ~ResultObserver() = default;
};

/// What running a chain did to one request. Reused from request to request.
struct Effects {
  // Words for every step (route test, which explains a request); else only for what stands
  // out (an answer, a refused origin), so that serving a request builds no text it throws away.
  bool explain = true;
  FieldEdits request;   // applied to the request going upstream, in order
  FieldEdits response;  // applied to the response going back, in order
  std::string target;   // the request target after path rewrites
  bool target_changed = false;
  std::optional<Answer> answer;
  std::optional<Compression> compression;  // the response is to be encoded, if it qualifies
  std::optional<RetryPolicy> retry;
  std::optional<Buffering> buffering;  // the first buffering middleware of the chain
  std::optional<GrpcWebCall> grpc_web;
  std::optional<AuthCheck> auth;        // set: the chain paused for an auth server
  std::vector<ErrorPages> error_pages;  // errors middlewares, in chain order
  // A contentType middleware's step: a response without Content-Type gets one sniffed.
  std::optional<size_t> sniff_step;
  std::vector<const ResultObserver*> observers;  // told how the exchange ended
  Reused<Step> steps;
  // What must last until the exchange ends (an inFlightReq's count): released when dropped.
  std::vector<std::shared_ptr<void>> holds;

  void clear();
  /// The target as the middlewares so far left it.
  std::string_view current_target(const Request& req) const {
    return target_changed ? std::string_view(target) : req.target;
  }
  void set_target(std::string_view value) {
    target.assign(value);
    target_changed = true;
  }
};

class Middleware {
 public:
  Middleware(std::string name, std::string_view type) : name_(std::move(name)), type_(type) {}
  virtual ~Middleware() = default;
  const std::string& name() const { return name_; }
  std::string_view type() const { return type_; }
  /// Adds what this middleware does for `req` to `fx`; sets fx.answer to answer it. Writes
  /// `step.detail` (words for records and route test).
  virtual void handle(const Request& req, Effects& fx, Step& step) const = 0;

 private:
  std::string name_;
  std::string_view type_;
};

using Chain = std::vector<const Middleware*>;

/// The middlewares of one config, compiled; chains resolve to their members in order.
class Set {
 public:
  Set() = default;
  /// `config` was validated by the decoder (regexes compile, names exist, no cycles).
  explicit Set(const config::Config& config);
  Set(Set&&) noexcept;
  Set& operator=(Set&&) noexcept;
  ~Set();
  const Middleware* find(std::string_view name) const;
  /// The middlewares `names` list, with every chain replaced by its members.
  Chain resolve(const std::vector<std::string>& names) const;
  size_t size() const { return all_.size(); }

 private:
  std::vector<std::unique_ptr<Middleware>> all_;
};

/// Runs `chain` on `req` into `fx`, in order from `from` and before `until`, until one answers
/// or waits for an auth server (fx.auth); returns where to go on from (chain.size() when it ran
/// to the end, `until` when it stopped there).
size_t run(const Chain& chain, const Request& req, Effects& fx, size_t from = 0,
           size_t until = SIZE_MAX);
/// Applies fx.request to `fields` and empties it: the request as the middlewares so far left it
/// (a breakpoint at a middleware shows and edits that).
void apply_request_edits(Effects& fx, http::Fields& fields);

/// The request a paused forwardAuth sends its auth server.
AuthRequest auth_request(const AuthCheck& check, const Request& req);
/// Takes the auth server's answer: a 2xx lets the request on with the fields it names copied
/// onto it; anything else (or no answer) becomes fx.answer. Clears fx.auth.
void complete_auth(const Request& req, AuthReply reply, int64_t us, Effects& fx);

/// The path of a request target ("/a/b" of "/a/b?x=1") and the rest ("?x=1" or "").
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace bridge::middleware
