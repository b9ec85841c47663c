// HTTP/1 requests as a client connection delivers them (core/proxy): the head is framed as
// read_head frames it, parsed and vetted as serve_request does (Beast's request parser with
// the header limit, vet_request_head, the front door's path normalization), then the body is
// relayed upstream by relay_message itself, chunked decoder included, over in-memory streams
// whose reads end at fuzzer-chosen points. Pipelined requests follow while the connection
// would stay open.
//
// Checked: nothing throws; a relayed request is one cleanly framed message (a fresh parser
// reads exactly the bytes written, and the body that was read); what is forwarded has a
// normalized path.
//
// Input: byte 0 seeds the sizes of the client's reads, byte 1 picks the relay buffer size
// and the body limit; the rest is what the client sends.
#include "fuzz.hpp"
#include "memory_stream.hpp"
#include "read_back.hpp"

#include "http/http.hpp"
#include "proxy/detail/head_edit.hpp"
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
using bridge::proxy::HeadStatus;
using bridge::proxy::RelayResult;
using RequestParser = bhttp::request_parser<bhttp::buffer_body>;
using bridge::fuzz::MemoryStream;

constexpr size_t header_limit = size_t{64} * 1024;  // limits.max_header_bytes' default
constexpr size_t max_requests = 4;                  // pipelined on one connection

// read_head's framing (core/proxy/request_head.cpp; a template over the proxy's socket
// streams, so it cannot read from MemoryStream): empty lines before a request are skipped,
// the head ends at the first CRLF CRLF (or LF LF, which the parser then refuses), a head over
// the limit is refused.
asio::awaitable<HeadStatus> read_head(MemoryStream& stream, beast::flat_buffer& buffer,
                                      size_t limit, size_t& head_bytes) {
  size_t scanned = 0;
  for (;;) {
    auto data =
        std::string_view(static_cast<const char*>(buffer.data().data()), buffer.data().size());
    size_t skip = 0;
    while (skip < data.size() && (data[skip] == '\r' || data[skip] == '\n')) ++skip;
    if (skip > 0 && skip == data.size()) {
      buffer.consume(skip);
      data = {};
      scanned = 0;
    } else if (skip > 0) {
      buffer.consume(skip);
      continue;
    }
    if (!data.empty()) {
      size_t from = scanned > 3 ? scanned - 3 : 0;
      size_t end = data.find("\r\n\r\n", from);
      if (end != std::string_view::npos) {
        head_bytes = end + 4;
        co_return head_bytes > limit ? HeadStatus::TooLarge : HeadStatus::Ok;
      }
      size_t lf = data.find("\n\n", from);
      if (lf != std::string_view::npos) {
        head_bytes = lf + 2;
        co_return HeadStatus::Ok;
      }
      scanned = data.size();
      if (data.size() > limit) co_return HeadStatus::TooLarge;
    }
    size_t want = std::min<size_t>(16384, limit + 4 - std::min(limit, data.size()));
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(std::max<size_t>(want, 512)),
                                                   bridge::proxy::nothrow);
    buffer.commit(n);
    if (ec) co_return HeadStatus::Closed;
  }
}

// What the relay wrote upstream, read back by a fresh parser: one whole message, nothing
// after it, with the body that was read from the client.
void check_forwarded(const std::string& wire, const RequestParser& parsed, uint64_t body_bytes) {
  bhttp::request_parser<bhttp::string_body> reread;
  bridge::fuzz::read_back_whole(reread, wire, "forwarded message");
  const auto& head = parsed.get().base();
  BRIDGE_FUZZ_CHECK(reread.get().method_string() == head.method_string());
  BRIDGE_FUZZ_CHECK(reread.get().target() == head.target());
  BRIDGE_FUZZ_CHECK(reread.get().body().size() == body_bytes);
  if (auto length = parsed.content_length()) BRIDGE_FUZZ_CHECK(body_bytes == *length);
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
void edit_head(const bhttp::request_header<>& head, bridge::proxy::HeadEdit& edit) {
  edit.reset(head);
  std::string_view connection, expect;
  for (const auto& f : head) {
    if (f.name() == bhttp::field::connection && connection.data() == nullptr)
      connection = f.value();
    if (f.name() == bhttp::field::expect && expect.data() == nullptr) expect = f.value();
  }
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
    HeadStatus status = co_await read_head(client, buffer, header_limit, head_bytes);
    if (status != HeadStatus::Ok) co_return;  // closed, or 431

    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(header_limit + 4));
    parser.body_limit(boost::none);
    error_code ec;
    size_t used = parser.put(asio::buffer(buffer.data().data(), head_bytes), ec);
    if (!ec && !parser.is_header_done()) ec = bhttp::error::partial_message;
    if (ec) co_return;  // 400
    BRIDGE_FUZZ_CHECK(used <= head_bytes);
    std::string_view raw(static_cast<const char*>(buffer.data().data()), head_bytes);
    auto& head = parser.get().base();
    auto refused = bridge::proxy::vet_request_head(head, raw);
    buffer.consume(used);
    if (refused) co_return;  // 400
    // Anything vetted may go into JSON and the access log.
    BRIDGE_FUZZ_CHECK(bridge::http::valid_host(head[bhttp::field::host]));

    if (head.target() != "*") {
      bridge::proxy::FrontDoorTarget normalized;
      if (bridge::proxy::normalize_target(head.target(), policy, normalized)) co_return;  // 400
      head.target(normalized.target);
      check_target(head.target());
    }
    if (body_limit) {
      // As serve_request: a declared length over the route's limit is a 413 before any byte
      // is read (Beast checks a limit set after the head only against chunked bodies).
      parser.body_limit(*body_limit);
      if (parser.content_length() && *parser.content_length() > *body_limit) co_return;
    }

    bridge::proxy::HeadEdit edit;
    edit_head(head, edit);
    std::string wire;
    uint64_t body_bytes = 0;
    MemoryStream upstream(client.get_executor(), {}, 0);
    RelayResult result = co_await bridge::proxy::relay_message(
        client, buffer, parser, upstream, edit,
        bridge::proxy::RelayParams{wire, chunk, std::chrono::seconds(1), std::chrono::seconds(1),
                                   body_bytes},
        []() -> asio::awaitable<bool> { co_return true; });
    if (result != RelayResult::Done) co_return;  // 400, 413, or the client went away
    check_forwarded(upstream.output(), parser, body_bytes);
    if (!parser.keep_alive()) co_return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Relay buffers of 1 to 32 bytes step the chunked decoder through every state boundary;
  // 0 is the proxy's own size.
  static std::array<char, size_t{16} * 1024> storage;
  size_t chunk_size = (data[1] & 0x1f) == 0 ? storage.size() : data[1] & 0x1f;
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
