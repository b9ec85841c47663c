// HTTP/1 requests as a client connection delivers them (core/proxy): the head is framed as
// read_head frames it, decoded and vetted as serve_request does (the HTTP/1.1 codec of
// core/http, vet_request_head, the front door's path normalization), then the body is relayed
// upstream by relay_message itself, chunked decoder included, over in-memory streams whose
// reads end at fuzzer-chosen points. Pipelined requests follow while the connection would
// stay open.
//
// Checked: nothing throws; a relayed request is one cleanly framed message as another
// implementation reads it (Beast's parser reads exactly the bytes written, and the body that
// was read); what is forwarded has a normalized path.
//
// Input: byte 0 seeds the sizes of the client's reads, byte 1 picks the relay buffer size
// and the body limit; the rest is what the client sends.
#include "fuzz.hpp"
#include "memory_stream.hpp"
#include "read_back.hpp"

#include "http/h1.hpp"
#include "http/http.hpp"
#include "proxy/detail/head_edit.hpp"
#include "proxy/detail/read_head.hpp"
#include "proxy/detail/relay.hpp"
#include "proxy/detail/request_head.hpp"
#include "proxy/front_door.hpp"
#include "proxy/rewrite.hpp"

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
using bridge::proxy::FieldRef;
using bridge::proxy::HeadStatus;
using bridge::proxy::RelayResult;
using bridge::proxy::RequestHead;

constexpr size_t header_limit = size_t{64} * 1024;   // limits.max_header_bytes' default
constexpr size_t max_requests = 4;                   // pipelined on one connection
constexpr std::chrono::milliseconds no_deadline{0};  // MemoryStream ignores deadlines

// What the relay wrote upstream, read back by Beast's parser: one whole message, nothing
// after it, with the body that was read from the client.
void check_forwarded(const std::string& wire, const RequestHead& head, uint64_t body_bytes) {
  bhttp::request_parser<bhttp::string_body> reread;
  bridge::fuzz::read_back_whole(reread, wire, "forwarded message");
  BRIDGE_FUZZ_CHECK(reread.get().method_string() == head.method_name);
  BRIDGE_FUZZ_CHECK(reread.get().target() == head.target);
  BRIDGE_FUZZ_CHECK(reread.get().body().size() == body_bytes);
  if (head.content_length) BRIDGE_FUZZ_CHECK(body_bytes == *head.content_length);
}

// The path that is routed and forwarded: normalized, so no backend resolves it differently.
void check_target(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  BRIDGE_FUZZ_CHECK(path.starts_with('/'));
  BRIDGE_FUZZ_CHECK(path.find("//") == std::string_view::npos);
  BRIDGE_FUZZ_CHECK(path.find("/./") == std::string_view::npos);
  BRIDGE_FUZZ_CHECK(path.find("/../") == std::string_view::npos);
  BRIDGE_FUZZ_CHECK(!path.ends_with("/.") && !path.ends_with("/.."));
}

// What forward.cpp's edit_request_head does to framing-relevant fields.
void edit_head(const RequestHead& head, bridge::proxy::HeadEdit& edit) {
  edit.reset(head.fields);
  const std::string_view connection = head.fields.get(Field::Connection);
  const std::string_view expect = head.fields.get(Field::Expect);
  if (bridge::proxy::iequals(expect, "100-continue")) edit.remove("Expect");
  edit.drop_hop_by_hop(connection);
  edit.set("X-Forwarded-For", "127.0.0.1");
  edit.set("X-Forwarded-Proto", "http");
  edit.set_version(11);
}

asio::awaitable<void> serve(MemoryStream& client, std::span<char> chunk,
                            std::optional<uint64_t> body_limit) {
  beast::flat_buffer buffer;
  bridge::http::PathPolicy policy;  // a listener's defaults
  for (size_t request = 0; request < max_requests; ++request) {
    size_t head_bytes = 0;
    bridge::proxy::error_code failure;
    HeadStatus status = co_await bridge::proxy::read_head(client, buffer, header_limit, no_deadline,
                                                          no_deadline, head_bytes, failure);
    if (status != HeadStatus::Ok) co_return;  // closed, or 431

    RequestHead head;
    std::string_view raw(static_cast<const char*>(buffer.data().data()), head_bytes);
    std::string bad = bridge::http::h1::parse_request_head(raw, head);
    buffer.consume(head_bytes);
    if (!bad.empty()) co_return;  // 400
    auto refused = bridge::proxy::vet_request_head(head);
    if (refused) co_return;  // 400
    // Anything vetted may go into JSON and the access log.
    BRIDGE_FUZZ_CHECK(bridge::http::valid_host(head.fields.get(Field::Host)));
    for (const FieldRef f : head.fields) {
      BRIDGE_FUZZ_CHECK(bridge::http::valid_field_name(f.name));
      BRIDGE_FUZZ_CHECK(bridge::http::valid_field_value(f.value));
    }

    if (head.target != "*") {
      bridge::proxy::FrontDoorTarget normalized;
      if (bridge::proxy::normalize_target(head.target, policy, normalized)) co_return;  // 400
      head.target = normalized.target;
      check_target(head.target);
    }
    bridge::proxy::H1Body body;
    body.start(bridge::http::h1::request_framing(head));
    if (body_limit) {
      // As serve_request: a declared length over the route's limit is a 413 before any byte
      // is read; a chunked body is stopped by the limit as it comes.
      body.limit(*body_limit);
      if (head.content_length && *head.content_length > *body_limit) co_return;
    }

    bridge::proxy::HeadEdit edit;
    edit_head(head, edit);
    std::string wire;
    bridge::proxy::RelayBuffer relay_buffer(chunk);
    uint64_t body_bytes = 0;
    MemoryStream upstream(client.get_executor(), {}, 0);
    RelayResult result = co_await bridge::proxy::relay_message(
        client, buffer, head, body, upstream, edit,
        bridge::proxy::RelayParams{wire, relay_buffer, std::chrono::seconds(1),
                                   std::chrono::seconds(1), body_bytes},
        []() -> asio::awaitable<bool> { co_return true; });
    if (result != RelayResult::Done) co_return;  // 400, 413, or the client went away
    check_forwarded(upstream.output(), head, body_bytes);
    if (!bridge::http::keep_alive(head.version, head.fields)) co_return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Relay buffers with room for 1 to 31 body bytes step the chunked decoder through every
  // state boundary (ChunkRoom keeps 31 bytes for framing); 0 is the proxy's own size.
  static std::array<char, size_t{16} * 1024> storage;
  size_t chunk_size = (data[1] & 0x1f) == 0 ? storage.size() : 31 + (data[1] & 0x1f);
  std::optional<uint64_t> body_limit;
  if ((data[1] & 0x20) != 0) body_limit = 64;

  asio::io_context io{1};
  MemoryStream client(io.get_executor(), bridge::fuzz::as_text(data + 2, size - 2), data[0]);
  std::exception_ptr failure;
  asio::co_spawn(io, serve(client, std::span<char>(storage.data(), chunk_size), body_limit),
                 [&](std::exception_ptr e) { failure = std::move(e); });
  io.run();
  if (failure) std::rethrow_exception(failure);  // a throw on the data plane is a bug
  return 0;
}
