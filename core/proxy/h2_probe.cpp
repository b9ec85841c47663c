// A one-shot HTTP/2 client for health checks: connect (TLS with ALPN h2, or h2c), one request,
// the whole answer, close. Framing and HPACK are nghttp2's, as everywhere else.
#include "proxy/detail/h2_probe.hpp"

#include "trace/record.hpp"  // grpc_status_name

#include <nghttp2/nghttp2.h>

#include <array>

namespace bridge::proxy {

namespace {

constexpr size_t max_probe_body = size_t{64} * 1024;  // a health answer is a few bytes

struct ProbeState {
  int32_t stream_id = -1;
  bool closed = false;
  uint32_t error_code = 0;
  H2Body body;
  H2ProbeAnswer answer;
};

ProbeState& state_of(void* user_data) { return *static_cast<ProbeState*>(user_data); }

int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
              const uint8_t* value, size_t valuelen, uint8_t, void* user_data) {
  ProbeState& s = state_of(user_data);
  if (frame->hd.stream_id != s.stream_id) return 0;
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status")
    s.answer.status = std::atoi(std::string(v).c_str());
  else
    s.answer.fields.emplace_back(n, v);
  return 0;
}

int on_frame(nghttp2_session*, const nghttp2_frame*, void*) { return 0; }

int on_data(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
            void* user_data) {
  ProbeState& s = state_of(user_data);
  if (stream_id != s.stream_id) return 0;
  if (s.answer.body.size() + len > max_probe_body) return NGHTTP2_ERR_CALLBACK_FAILURE;
  s.answer.body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int on_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user_data) {
  ProbeState& s = state_of(user_data);
  if (stream_id != s.stream_id) return 0;
  s.closed = true;
  s.error_code = error_code;
  return 0;
}

ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                  nghttp2_data_source* source, void*) {
  return static_cast<H2Body*>(source->ptr)->take(buf, length, flags);
}

// "connect: Connection refused", "read: no answer in time": as HTTP/1.1 checks say it.
std::string step_failed(std::string_view step, const error_code& ec) {
  return std::string(step) + ": " +
         (ec == beast::error::timeout ? std::string("no answer in time") : ec.message());
}

struct SessionDeleter {
  void operator()(nghttp2_session* s) const { nghttp2_session_del(s); }
};

// The exchange on a connected stream (TCP, or TLS after its handshake).
template <class Stream>
asio::awaitable<H2ProbeAnswer> exchange(Stream& stream, const H2ProbeRequest& request,
                                        Clock::time_point deadline) {
  ProbeState state;
  nghttp2_session* raw = nullptr;
  nghttp2_session_callbacks* table = h2_callback_table(
      {.header = on_header, .frame = on_frame, .data = on_data, .close = on_close});
  if (table == nullptr || nghttp2_session_client_new(&raw, table, &state) != 0) {
    if (table != nullptr) nghttp2_session_callbacks_del(table);
    state.answer.error = "cannot start an HTTP/2 session";
    co_return state.answer;
  }
  nghttp2_session_callbacks_del(table);
  std::unique_ptr<nghttp2_session, SessionDeleter> session(raw);

  const std::string scheme = request.tls ? "https" : "http";
  const std::string authority = request.host + ":" + std::to_string(request.port);
  std::vector<nghttp2_nv> fields{h2_field(":method", request.method), h2_field(":scheme", scheme),
                                 h2_field(":authority", authority),
                                 h2_field(":path", request.path)};
  fields.push_back(h2_field("user-agent", "bridge-health-check"));
  for (const auto& [name, value] : request.fields) fields.push_back(h2_field(name, value));
  state.body.append(request.body);
  state.body.ended = true;
  nghttp2_data_provider provider{};
  provider.source.ptr = &state.body;
  provider.read_callback = read_body;
  nghttp2_submit_settings(session.get(), NGHTTP2_FLAG_NONE, nullptr, 0);
  state.stream_id = nghttp2_submit_request(session.get(), nullptr, fields.data(), fields.size(),
                                           request.body.empty() ? nullptr : &provider, nullptr);
  if (state.stream_id < 0) {
    state.answer.error = "cannot submit the request";
    co_return state.answer;
  }
  std::string out;
  std::array<char, 16 * 1024> in{};
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = 0;
    while ((n = nghttp2_session_mem_send(session.get(), &data)) > 0)
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (n < 0) {
      state.answer.error = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n));
      co_return state.answer;
    }
    if (!out.empty()) {
      beast::get_lowest_layer(stream).expires_at(deadline);
      auto [ec, written] = co_await asio::async_write(stream, asio::buffer(out), nothrow);
      if (ec) {
        state.answer.error = step_failed("write", ec);
        co_return state.answer;
      }
      out.clear();
    }
    if (state.closed) break;
    if (nghttp2_session_want_read(session.get()) == 0) {
      state.answer.error = "the server ended the HTTP/2 connection before answering";
      co_return state.answer;
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [ec, got] = co_await stream.async_read_some(asio::buffer(in), nothrow);
    if (ec) {
      state.answer.error = step_failed("read", ec);
      co_return state.answer;
    }
    ssize_t used =
        nghttp2_session_mem_recv(session.get(), reinterpret_cast<const uint8_t*>(in.data()), got);
    if (used < 0) {
      state.answer.error = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(used));
      co_return state.answer;
    }
  }
  if (state.error_code != NGHTTP2_NO_ERROR) {
    state.answer.error = std::string("the server reset the stream (") +
                         nghttp2_http2_strerror(state.error_code) + ")";
  } else if (state.answer.status == 0) {
    state.answer.error = "the stream ended without a response";
  }
  co_return state.answer;
}

// HealthCheckRequest { string service = 1; } in a gRPC message (uncompressed, length-prefixed).
std::string health_check_request(const std::string& service) {
  std::string message;
  if (!service.empty() && service.size() < 128) {  // one varint byte of length
    message.push_back('\x0a');
    message.push_back(static_cast<char>(service.size()));
    message += service;
  }
  std::string framed{'\0'};
  const auto size = static_cast<uint32_t>(message.size());
  for (int shift = 24; shift >= 0; shift -= 8) framed.push_back(static_cast<char>(size >> shift));
  return framed + message;
}

// HealthCheckResponse { ServingStatus status = 1; } from a gRPC message: the status (0 when
// absent, as proto3 leaves defaults out), or -1 when the bytes are not one.
int serving_status(std::string_view body) {
  if (body.size() < 5 || body[0] != '\0') return -1;
  std::string_view message = body.substr(5);
  if (message.empty()) return 0;
  if (message.size() >= 2 && message[0] == '\x08' && (message[1] & 0x80) == 0) return message[1];
  return -1;
}

}  // namespace

std::string H2ProbeAnswer::field(std::string_view name) const {
  std::string value;
  for (const auto& [n, v] : fields)
    if (n == name) value = v;
  return value;
}

asio::awaitable<H2ProbeAnswer> h2_probe(H2ProbeRequest request) {
  const auto deadline = Clock::now() + request.timeout;
  auto executor = co_await asio::this_coro::executor;
  H2ProbeAnswer failed;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] =
      co_await resolver.async_resolve(request.host, std::to_string(request.port), nothrow);
  if (rec) {
    failed.error = "cannot resolve " + request.host + ": " + rec.message();
    co_return failed;
  }
  beast::tcp_stream tcp(executor);
  tcp.expires_at(deadline);
  auto [cec, endpoint] = co_await tcp.async_connect(endpoints, nothrow);
  if (cec) {
    failed.error = step_failed("connect", cec);
    co_return failed;
  }
  if (!request.tls) co_return co_await exchange(tcp, request, deadline);

  ssl::stream<beast::tcp_stream> tls(std::move(tcp), *request.tls);
  if (!SSL_set_tlsext_host_name(tls.native_handle(), request.host.c_str())) {
    failed.error = "cannot set SNI " + request.host;
    co_return failed;
  }
  if (request.verify) tls.set_verify_callback(ssl::host_name_verification(request.host));
  static constexpr unsigned char h2_only[] = {2, 'h', '2'};
  SSL_set_alpn_protos(tls.native_handle(), h2_only, sizeof h2_only);
  beast::get_lowest_layer(tls).expires_at(deadline);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, nothrow);
  if (hec) {
    failed.error = step_failed("TLS handshake", hec);
    co_return failed;
  }
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(tls.native_handle(), &alpn, &alpn_size);
  if (std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) != "h2") {
    failed.error = "the server did not agree to HTTP/2 (ALPN h2)";
    co_return failed;
  }
  co_return co_await exchange(tls, request, deadline);
}

asio::awaitable<bool> grpc_health_probe(H2ProbeRequest target, std::string service,
                                        std::string& why) {
  target.method = "POST";
  target.path = "/grpc.health.v1.Health/Check";
  target.fields = {{"content-type", "application/grpc"}, {"te", "trailers"}};
  target.body = health_check_request(service);
  H2ProbeAnswer answer = co_await h2_probe(std::move(target));
  if (!answer.error.empty()) {
    why = answer.error;
    co_return false;
  }
  if (answer.status != 200) {
    why = "HTTP status " + std::to_string(answer.status);
    co_return false;
  }
  std::string status = answer.field("grpc-status");
  if (status != "0") {
    int code = status.empty() ? -1 : std::atoi(status.c_str());
    why =
        status.empty()
            ? "no grpc-status"
            : "grpc-status " + status + " " + std::string(trace::grpc_status_name(code)) +
                  (answer.field("grpc-message").empty() ? "" : ": " + answer.field("grpc-message"));
    co_return false;
  }
  int serving = serving_status(answer.body);
  static constexpr std::array<std::string_view, 4> names = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                                            "SERVICE_UNKNOWN"};
  if (serving != 1) {
    why = serving < 0 ? "the answer is not a HealthCheckResponse"
          : static_cast<size_t>(serving) < names.size()
              ? "status " + std::string(names[static_cast<size_t>(serving)])
              : "status " + std::to_string(serving);
    co_return false;
  }
  co_return true;
}

}  // namespace bridge::proxy
