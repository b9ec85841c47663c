// HTTP/2 frames as an upstream sends them (core/proxy/h2_upstream.cpp): bridge's client session
// opens three request streams (a GET, a POST whose body is whole, a gRPC call whose body is
// still coming) and is fed the input in pieces, the way its read loop feeds it; between pieces
// the response bytes are taken as the forwarder takes them (or left, to test that flow control
// bounds them), and one stream may be cancelled as a client that went away would.
//
// Checked: nothing throws or crashes; what bridge sends is the preface and whole frames; a response
// head is final (200-999) before it counts as done, and its fields are safe to write as HTTP/1.1 (a
// name that is a token, a value without CR, LF or NUL); no stream holds more unread response
// bytes than the window bridge gave it; after the connection goes, every stream is closed.
//
// Input: byte 0 seeds the piece sizes, and its low bits choose whether response bytes are
// taken and whether a stream is cancelled; the rest is what the upstream sends, starting with
// its SETTINGS.
#include "fuzz.hpp"

#include "http/http.hpp"
#include "proxy/detail/h2_upstream.hpp"

#include <memory>
#include <string>

namespace {

namespace asio = boost::asio;
namespace proxy = bridge::proxy;

constexpr size_t stream_window = size_t{1} << 20;  // h2_upstream.cpp's per-stream window

// The client preface, then whole frames (of any size the peer's SETTINGS may allow).
void check_preface_and_frames(std::string_view out) {
  constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  BRIDGE_FUZZ_CHECK(out.starts_with(preface));
  out.remove_prefix(preface.size());
  bridge::fuzz::check_whole_frames(out, 16777215);
}

void check_stream(const proxy::H2UpstreamStream& stream) {
  BRIDGE_FUZZ_CHECK(stream.pending_in() <= stream_window);
  if (!stream.head_done) return;
  const unsigned status = stream.head.status;
  BRIDGE_FUZZ_CHECK(status >= 200 && status <= 999);
  for (const auto field : stream.head.fields) {
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_name(field.name));
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_value(field.value));
  }
}

std::vector<nghttp2_nv> request(std::string_view method, std::string_view path, bool grpc) {
  std::vector<nghttp2_nv> fields{
      proxy::h2_field(":method", method), proxy::h2_field(":scheme", "http"),
      proxy::h2_field(":authority", "127.0.0.1:8080"), proxy::h2_field(":path", path)};
  if (grpc) {
    fields.push_back(proxy::h2_field("content-type", "application/grpc"));
    fields.push_back(proxy::h2_field("te", "trailers"));
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool take_bytes = (data[0] & 1) == 0;
  const bool cancel_one = (data[0] & 2) != 0;
  uint32_t state = data[0] | 1u;
  asio::io_context context;
  auto session = std::make_shared<proxy::H2UpstreamSession>(context.get_executor(), nullptr);
  BRIDGE_FUZZ_CHECK(session->begin());
  std::vector<std::shared_ptr<proxy::H2UpstreamStream>> streams;
  streams.push_back(session->open(request("GET", "/", false), false));
  streams.push_back(session->open(request("POST", "/upload", false), true));
  streams.push_back(session->open(request("POST", "/test.Echo/Chat", true), true));
  for (const auto& stream : streams) BRIDGE_FUZZ_CHECK(stream != nullptr);
  streams[1]->out.append(std::string(70000, 'b'));  // more than the default window
  streams[1]->out.ended = true;
  streams[2]->out.append(std::string_view("\0\0\0\0\3abc", 8));
  session->resume(*streams[1]);
  session->resume(*streams[2]);

  std::string out;
  session->produce(out, size_t{1} << 20);
  std::string_view rest = bridge::fuzz::as_text(data + 1, size - 1);
  bool open = true;
  while (open && !rest.empty()) {
    const size_t piece = bridge::fuzz::next_piece(state, rest.size());
    open = session->receive(rest.data(), piece);
    rest.remove_prefix(piece);
    for (const auto& stream : streams) {
      check_stream(*stream);
      if (take_bytes && stream->pending_in() > 0) {
        session->consumed(*stream, stream->pending_in());
        stream->in.clear();
        stream->in_at = 0;
      }
    }
    if (cancel_one && streams[2]->head_done) session->cancel(*streams[2]);
    session->produce(out, out.size() + (size_t{1} << 20));
    if (!session->wants_io()) break;
  }
  session->close_all();
  context.poll();  // what the streams' signals woke
  for (const auto& stream : streams) BRIDGE_FUZZ_CHECK(stream->closed);
  std::string tail;
  session->produce(tail, size_t{1} << 20);
  check_preface_and_frames(out + tail);
  return 0;
}
