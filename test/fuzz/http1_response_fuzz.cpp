// HTTP/1 responses as an upstream connection delivers them (core/proxy/forward.cpp): the head
// is read as read_response_head reads it (framed as read_head frames it, decoded by the
// HTTP/1.1 codec of core/http, interim 1xx heads skipped, an unasked-for 101 and a status
// below 100 refused, no body limit, a HEAD request's body skipped), edited as edit_response_head
// and relay_response edit it (hop-by-hop fields dropped, bridge's own version, the request id, a
// close-delimited body re-framed as chunked), and its body relayed to the client by relay_message
// itself over in-memory streams whose reads end at fuzzer-chosen points.
//
// Checked: nothing throws; what the client gets is one cleanly framed response (Beast's parser
// reads exactly the bytes written) with the status and the body bytes that were read, and none
// of the upstream's hop-by-hop fields.
//
// Input: byte 0 seeds the sizes of the upstream's reads, byte 1 picks the relay buffer size and
// whether the request was a HEAD; the rest is what the upstream sends. (The first sitting used
// buffers of 1 to 31 bytes, which left a re-framed body no room: ChunkRoom's precondition,
// which the proxy's 64 KiB buffers meet.)
#include "fuzz.hpp"
#include "memory_stream.hpp"
#include "read_back.hpp"

#include "http/h1.hpp"
#include "http/http.hpp"
#include "proxy/detail/head_edit.hpp"
#include "proxy/detail/read_head.hpp"
#include "proxy/detail/relay.hpp"

#include <array>
#include <exception>
#include <optional>
#include <span>
#include <string>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using bridge::fuzz::MemoryStream;
using bridge::proxy::Field;
using bridge::proxy::RelayResult;
using bridge::proxy::ResponseHead;

constexpr std::string_view request_id = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr std::chrono::milliseconds no_deadline{0};  // MemoryStream ignores deadlines

// What the relay wrote to the client, read back: one whole response, nothing after it.
void check_relayed(const std::string& wire, const ResponseHead& parsed, uint64_t body_bytes,
                   bool head_request) {
  bhttp::response_parser<bhttp::string_body> reread;
  if (head_request) reread.skip(true);
  bridge::fuzz::read_back_whole(reread, wire, "relayed response");
  const auto& out = reread.get();
  BRIDGE_FUZZ_CHECK(out.result_int() == parsed.status);
  BRIDGE_FUZZ_CHECK(out.result_int() >= 200);  // interim answers are not relayed
  BRIDGE_FUZZ_CHECK(out.version() == 11);
  BRIDGE_FUZZ_CHECK(out["X-Request-ID"] == request_id);
  BRIDGE_FUZZ_CHECK(out.count(bhttp::field::keep_alive) == 0);
  BRIDGE_FUZZ_CHECK(out.count(bhttp::field::proxy_connection) == 0);
  if (!head_request) BRIDGE_FUZZ_CHECK(out.body().size() == body_bytes);
  const unsigned status = out.result_int();
  const bool bodiless = head_request || status < 200 || status == 204 || status == 304;
  if (parsed.content_length && !bodiless) BRIDGE_FUZZ_CHECK(body_bytes == *parsed.content_length);
}

asio::awaitable<void> relay(MemoryStream& upstream, std::span<char> chunk, bool head_request) {
  beast::flat_buffer buffer;
  ResponseHead head;
  for (;;) {  // read_response_head
    size_t head_bytes = 0;
    bridge::proxy::error_code failure;
    auto status = co_await bridge::proxy::read_head(upstream, buffer, 64 * 1024, no_deadline,
                                                    no_deadline, head_bytes, failure);
    if (status != bridge::proxy::HeadStatus::Ok) co_return;  // 502
    std::string bad = bridge::http::h1::parse_response_head(
        {static_cast<const char*>(buffer.data().data()), head_bytes}, head);
    buffer.consume(head_bytes);
    if (!bad.empty()) co_return;  // 502
    for (const auto f : head.fields) {
      BRIDGE_FUZZ_CHECK(bridge::http::valid_field_name(f.name));
      BRIDGE_FUZZ_CHECK(bridge::http::valid_field_value(f.value));
    }
    const unsigned code = head.status;
    if (code < 100) co_return;   // 502: not a status code
    if (code == 101) co_return;  // 502: the request did not ask for an upgrade
    if (code >= 200) break;
  }
  bridge::proxy::H1Body body;
  body.start(bridge::http::h1::response_framing(head, head_request));

  bridge::proxy::HeadEdit edit;  // edit_response_head
  edit.reset(head.fields);
  edit.drop_hop_by_hop(head.fields.get(Field::Connection), false);
  edit.set_version(11);
  edit.set("X-Request-ID", request_id);
  const bool has_body = !head_request && head.status != 204 && head.status != 304;
  if (has_body && !head.chunked && !head.content_length)
    edit.make_chunked();  // relay_response: a close-delimited body goes out chunked

  MemoryStream client(upstream.get_executor(), {}, 0);
  std::string wire;
  bridge::proxy::RelayBuffer relay_buffer(chunk);
  uint64_t body_bytes = 0;
  RelayResult result = co_await bridge::proxy::relay_message(
      upstream, buffer, head, body, client, edit,
      bridge::proxy::RelayParams{wire, relay_buffer, std::chrono::seconds(1),
                                 std::chrono::seconds(1), body_bytes},
      bridge::proxy::NoBeforeBody{});                 // as relay_response passes it
  if (std::getenv("BRIDGE_FUZZ_VERBOSE") != nullptr)  // what the client got, when writing seeds
    std::fprintf(stderr, "relay %d, client got:\n%s\n", static_cast<int>(result),
                 client.output().c_str());
  if (result != RelayResult::Done) co_return;  // the client connection is closed mid-response
  check_relayed(client.output(), head, body_bytes, head_request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Relay buffers with room for 1 to 31 body bytes step the chunked decoder through every
  // state boundary (a close-delimited body is re-framed as chunks, which takes 31 bytes of the
  // buffer for framing); 0 is the proxy's own size.
  static std::array<char, size_t{16} * 1024> storage;
  size_t chunk_size = (data[1] & 0x1f) == 0 ? storage.size() : 31 + (data[1] & 0x1f);
  const bool head_request = (data[1] & 0x20) != 0;

  asio::io_context io{1};
  MemoryStream upstream(io.get_executor(), bridge::fuzz::as_text(data + 2, size - 2), data[0]);
  std::exception_ptr failure;
  asio::co_spawn(io, relay(upstream, std::span<char>(storage.data(), chunk_size), head_request),
                 [&](std::exception_ptr e) { failure = std::move(e); });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a throw on the data plane is a bug
  return 0;
}
