// A one-shot HTTP/2 client for health checks: connect (TLS with ALPN h2, or h2c), one request on
// bridge's HTTP/2 client session (H2UpstreamSession, fed bytes by this loop), the whole answer,
// close.
#include "proxy/detail/h2_probe.hpp"

#include "common/text.hpp"
#include "proxy/detail/h2_upstream.hpp"
#include "trace/record.hpp"  // grpc_status_name

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>

namespace bridge::proxy {

namespace {

constexpr size_t max_probe_body = size_t{64} * 1024;  // a health answer is a few bytes

// "connect: Connection refused", "read: no answer in time": as HTTP/1.1 checks say it.
std::string step_failed(std::string_view step, const error_code& ec) {
  return std::string(step) + ": " +
         (ec == beast::error::timeout ? std::string("no answer in time") : ec.message());
}

// The exchange on a connected stream (TCP, or TLS after its handshake): the same client session
// as proxied traffic to HTTP/2 upstreams, fed from this loop instead of its own.
template <class Stream>
asio::awaitable<H2ProbeAnswer> exchange(Stream& stream, const H2ProbeRequest& request,
                                        Clock::time_point deadline) {
  H2ProbeAnswer answer;
  auto session = std::make_shared<H2UpstreamSession>(co_await asio::this_coro::executor, nullptr);
  if (!session->begin()) {
    answer.error = "cannot start an HTTP/2 session";
    co_return answer;
  }
  const std::string scheme = request.tls ? "https" : "http";
  const std::string authority = request.host + ":" + std::to_string(request.port);
  std::vector<nghttp2_nv> fields{h2_field(":method", request.method), h2_field(":scheme", scheme),
                                 h2_field(":authority", authority),
                                 h2_field(":path", request.path)};
  fields.push_back(h2_field("user-agent", "bridge-health-check"));
  for (const auto& [name, value] : request.fields) fields.push_back(h2_field(name, value));
  auto up = session->open(fields, !request.body.empty());
  if (!up) {
    answer.error = "cannot submit the request";
    co_return answer;
  }
  up->out.append(request.body);
  up->out.ended = true;
  session->resume(*up);
  std::string out;
  std::array<char, 16 * 1024> in{};
  while (!up->closed) {
    out.clear();
    session->produce(out, size_t{1} << 20);
    if (!out.empty()) {
      beast::get_lowest_layer(stream).expires_at(deadline);
      auto [ec, written] = co_await asio::async_write(stream, asio::buffer(out), nothrow);
      if (ec) {
        answer.error = step_failed("write", ec);
        co_return answer;
      }
    }
    if (!session->wants_io()) {
      answer.error = "the server ended the HTTP/2 connection before answering";
      co_return answer;
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [ec, got] = co_await stream.async_read_some(asio::buffer(in), nothrow);
    if (ec) {
      answer.error = step_failed("read", ec);
      co_return answer;
    }
    if (!session->receive(in.data(), got)) {
      answer.error = "HTTP/2: the server broke the protocol";
      co_return answer;
    }
    if (up->pending_in() > max_probe_body) {
      answer.error = "the answer is larger than a health answer can be";
      co_return answer;
    }
    session->consumed(*up, up->pending_in());  // kept whole: no window needs waiting for
  }
  if (up->error_code != NGHTTP2_NO_ERROR) {
    answer.error =
        std::string("the server reset the stream (") + nghttp2_http2_strerror(up->error_code) + ")";
    co_return answer;
  }
  if (!up->head_done) {
    answer.error = "the stream ended without a response";
    co_return answer;
  }
  answer.status = static_cast<int>(up->head.status);
  for (const FieldRef field : up->head.fields) {
    std::string name(field.name);
    std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
    answer.fields.emplace_back(std::move(name), field.value);
  }
  for (const auto& trailer : up->trailers) answer.fields.push_back(trailer);
  answer.body = up->in.substr(up->in_at);
  co_return answer;
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
  auto [cec, endpoint] = co_await tcp.async_connect(endpoints, nothrow_awaitable);
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
