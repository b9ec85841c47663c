// HTTP/2 frames as a client connection delivers them (core/proxy/h2_connection.cpp): the
// preface, then the input, fed to bridge's HTTP/2 server session in pieces, with every stream
// it completes served as bridge serves it (routing, the front door, ids, records, and the
// builtin://echo upstream answering in memory). Frames, HPACK and flow control are
// libnghttp2's; the callbacks that turn them into requests (pseudo-fields, cookies, header
// list limits, body limits, the flood counters) and the stream exchanges are bridge's.
//
// Checked: nothing throws or crashes; what bridge sends back is a sequence of whole frames
// (9-byte headers whose lengths add up).
//
// Input: byte 0 seeds the sizes of the pieces; the rest follows the client preface.
#include "fuzz.hpp"

#include "proxy/detail/access_log.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/h2_connection.hpp"
#include "proxy/detail/runtime.hpp"
#include "proxy/detail/worker.hpp"
#include "proxy/snapshot.hpp"

#include <memory>
#include <string>

namespace {

namespace proxy = bridge::proxy;

constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// One worker (not running a thread: the harness polls its context) with a snapshot that
// routes everything to builtin://echo, as `bridge up` with the dev profile does.
struct Bench {
  proxy::Runtime runtime{16, 1};
  proxy::Worker worker{0, proxy::AccessLog::create("off", "json"), runtime};
  Bench() {
    bridge::config::Config config;
    bridge::config::Listener listener;
    listener.name = "web";
    listener.bind = "127.0.0.1:0";
    listener.http2.max_header_list_size = 4096;  // small, so the 431 path is reachable
    config.listeners.push_back(listener);
    bridge::config::Upstream upstream;
    upstream.name = "echo";
    upstream.targets = {"builtin://echo"};
    config.upstreams.push_back(upstream);
    bridge::config::Route route;
    route.name = "all";
    route.rule = "PathPrefix(`/`)";
    route.upstream = "echo";
    route.max_body_bytes = 4096;
    config.routes.push_back(route);
    auto snapshot = proxy::build_snapshot(std::move(config));
    BRIDGE_FUZZ_CHECK(snapshot.has_value());
    worker.set_snapshot(*snapshot);
  }
};

Bench& bench() {
  static Bench instance;
  return instance;
}

size_t headers_frames(std::string_view out) {
  size_t count = 0;
  while (out.size() >= 9) {
    size_t length = (static_cast<unsigned char>(out[0]) << 16) |
                    (static_cast<unsigned char>(out[1]) << 8) | static_cast<unsigned char>(out[2]);
    if (out[3] == 1) ++count;
    if (out.size() < 9 + length) break;
    out.remove_prefix(9 + length);
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Bench& b = bench();
  uint32_t state = data[0] | 1u;
  std::string input(preface);
  input.append(bridge::fuzz::as_text(data + 1, size - 1));
  proxy::ConnectionSlot slot;
  proxy::DeadlineStream io(boost::asio::ip::tcp::socket(b.worker.context()), b.worker.deadlines());
  proxy::Peer peer{
      "web",  "127.0.0.1", "", "http", true, true, bridge::route::IpAddress::parse("127.0.0.1"),
      nullptr};
  auto& limits = b.worker.snapshot()->policy("web").http2;
  auto connection = std::make_shared<proxy::H2Connection>(b.worker, peer, limits, slot, io);
  BRIDGE_FUZZ_CHECK(connection->start());
  std::string out;
  std::string_view rest = input;
  bool open = true;
  while (open && !rest.empty()) {
    const size_t piece = bridge::fuzz::next_piece(state, rest.size());
    open = connection->receive(rest.data(), piece);
    rest.remove_prefix(piece);
    connection->start_streams(connection);
    b.worker.context().poll();  // the streams' exchanges run as far as they can
    b.worker.context().restart();
    std::string chunk;
    connection->produce(chunk, 1 << 20);
    out += chunk;
    if (!connection->wants_io()) break;
  }
  connection->close_all();
  b.worker.context().poll();  // closed streams end their exchanges
  b.worker.context().restart();
  std::string tail;
  connection->produce(tail, 1 << 20);
  out += tail;
  if (std::getenv("BRIDGE_FUZZ_VERBOSE") != nullptr)  // what came back, when writing seeds
    std::fprintf(stderr, "%zu bytes back, %zu frames of HEADERS\n", out.size(),
                 headers_frames(out));
  bridge::fuzz::check_whole_frames(
      out, 16777215);  // the protocol's largest; the peer may allow any size
  return 0;
}
