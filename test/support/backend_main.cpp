// bridge_test_backend: a small Boost.Beast HTTP/1.1 + WebSocket server used as the upstream in
// integration tests where nginx cannot do what a test needs. One thread per connection.
//
//   bridge_test_backend --port N     (0 = any free port; prints "listening PORT" on stdout)
//
// Paths (query strings are ignored except where said):
//   /slow?ms=N             prints "slow TARGET" on stdout (so a test knows the request is in
//                          flight), sleeps N ms (default 1000), then 200 "slow done\n"
//                          with X-Backend-Connection: ID
//   /close-before-response reads the request, closes without answering
//   /close-mid-body        200 with Content-Length 1 MiB, sends 64 KiB, closes the connection
//   /exit-mid-body         same, then the whole process exits (a backend that dies)
//   /hop-response          200 "ok" with hop-by-hop response headers (Connection: X-Resp-Hop,
//                          X-Resp-Hop, Keep-Alive, Proxy-Authenticate) and X-Kept: yes
//   /chunked-response      200 with Transfer-Encoding: chunked: "chunk-one,chunk-two,chunk-three"
//   /chunked-bytes?n=N     200 with Transfer-Encoding: chunked: N bytes of 'x' in 64 KiB chunks
//   /drip?ms=N             200 text/plain, chunked: "first piece\n", then after N ms (default
//                          1000) "second piece\n" and the end (a stream that pauses)
//   /chunked-trailers      200 chunked "with trailers", then the trailer fields
//                          X-Checksum: 5d41402a and Content-Length: 13 (which no trailer may
//                          carry)
//   /close-delimited       200 with neither length nor chunking: "body until close\n", then
//                          closes the connection (the body's end)
//   /http10-response       the same as an HTTP/1.0 server sends it: "HTTP/1.0 200 OK", no length
//   /ws                    WebSocket echo (text and binary)
//   /ws-page               200 text/html: a page whose script opens a WebSocket to /ws on its
//                          own origin (wss:// when loaded over https), sends "hello from
//                          chromium", writes "echo: MESSAGE" (or what went wrong) into
//                          <pre id="out">, then closes the WebSocket
//   anything else          200 application/json describing the request:
//     {"method","target","version","headers":[[name,value],...],"body_length",
//      "body_sha256","chunked","connection_id","request_on_connection"}
//     with response headers X-Backend-Secret: s3cret and X-Backend-Connection: ID
//   /vary/TOKENS           the same description, with "Vary: TOKENS" as well (TOKENS as the
//                          path has them: /vary/Accept-Encoding,Origin)
// "Expect: 100-continue" is answered with "100 Continue" before the body is read.
#include "sha256.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::atomic<uint64_t> next_connection_id{1};

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

long query_number(std::string_view target, std::string_view key, long fallback) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return fallback;
  std::string query(target.substr(q + 1));
  std::string needle = std::string(key) + "=";
  auto pos = query.find(needle);
  if (pos == std::string::npos) return fallback;
  return std::strtol(query.c_str() + pos + needle.size(), nullptr, 10);
}

// For a real browser: the WebSocket is opened by the page, so it takes the path a browser
// chooses (over HTTPS with h2, a second connection with HTTP/1.1). The data: icon spares the
// browser a /favicon.ico request.
constexpr std::string_view ws_page = R"(<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>ws-page</title></head>
<body><pre id="out">waiting</pre>
<script>
const out = document.getElementById("out");
const scheme = location.protocol === "https:" ? "wss://" : "ws://";
const ws = new WebSocket(scheme + location.host + "/ws");
ws.onopen = () => ws.send("hello from chromium");
ws.onmessage = (e) => { out.textContent = "echo: " + e.data; ws.close(1000); };
ws.onerror = () => { out.textContent = "websocket error"; };
ws.onclose = (e) => {
  if (out.textContent === "waiting") out.textContent = "closed before the echo: " + e.code;
};
</script>
</body></html>
)";

void write_raw(tcp::socket& sock, std::string_view bytes) {
  beast::error_code ec;
  asio::write(sock, asio::buffer(bytes.data(), bytes.size()), ec);
}

void send_partial_body(tcp::socket& sock) {
  write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  "Content-Length: 1048576\r\n\r\n");
  write_raw(sock, std::string(65536, 'x'));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void websocket_echo(tcp::socket sock, const http::request<http::empty_body>& upgrade) {
  websocket::stream<tcp::socket> ws(std::move(sock));
  beast::error_code ec;
  ws.accept(upgrade, ec);
  if (ec) return;
  for (;;) {
    beast::flat_buffer b;
    ws.read(b, ec);
    if (ec) return;
    ws.text(ws.got_text());
    ws.write(b.data(), ec);
    if (ec) return;
  }
}

// Returns false when the connection should end.
bool serve_one(tcp::socket& sock, beast::flat_buffer& buffer, uint64_t conn_id, int index) {
  beast::error_code ec;
  http::request_parser<http::buffer_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(boost::none);
  http::read_header(sock, buffer, parser, ec);
  if (ec) return false;
  auto& req = parser.get();
  std::string target(req.target());
  std::string path = path_of(target);

  if (websocket::is_upgrade(req) && path == "/ws") {
    http::request<http::empty_body> upgrade;
    upgrade.base() = req.base();
    websocket_echo(std::move(sock), upgrade);
    return false;
  }
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, 11};
    http::write(sock, cont, ec);
    if (ec) return false;
  }

  bridge::test::Sha256 sha;
  uint64_t length = 0;
  char chunk[65536];
  while (!parser.is_done()) {
    req.body().data = chunk;
    req.body().size = sizeof chunk;
    http::read(sock, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return false;
    size_t n = sizeof chunk - req.body().size;
    sha.update(std::string_view(chunk, n));
    length += n;
  }
  bool keep_alive = req.keep_alive();

  if (path == "/slow") {
    std::printf("slow %s\n", target.c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(query_number(target, "ms", 1000)));
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "slow done\n";
    res.set("X-Backend-Connection", std::to_string(conn_id));
    res.keep_alive(keep_alive);
    res.prepare_payload();
    http::write(sock, res, ec);
    return !ec && keep_alive;
  }
  if (path == "/ws-page") {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = ws_page;
    res.keep_alive(keep_alive);
    res.prepare_payload();
    http::write(sock, res, ec);
    return !ec && keep_alive;
  }
  if (path == "/chunked-bytes") {
    // N bytes of 'x' in 64 KiB chunks, each chunk in one write.
    write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");
    const std::string piece(65536, 'x');
    for (long left = query_number(target, "n", 0); left > 0;) {
      size_t n = static_cast<size_t>(std::min<long>(left, 65536));
      char size_line[32];
      int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
      std::string frame =
          std::string(size_line, static_cast<size_t>(len)) + piece.substr(0, n) + "\r\n";
      write_raw(sock, frame);
      left -= static_cast<long>(n);
    }
    write_raw(sock, "0\r\n\r\n");
    return keep_alive;
  }
  if (path == "/drip") {
    write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\nc\r\nfirst piece\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(query_number(target, "ms", 1000)));
    write_raw(sock, "d\r\nsecond piece\n\r\n0\r\n\r\n");
    return keep_alive;
  }
  if (path == "/close-before-response") return false;
  if (path == "/close-mid-body") {
    send_partial_body(sock);
    return false;
  }
  if (path == "/exit-mid-body") {
    send_partial_body(sock);
    std::fflush(stdout);
    std::_Exit(0);
  }
  if (path == "/hop-response") {
    write_raw(sock, "HTTP/1.1 200 OK\r\nConnection: X-Resp-Hop\r\nX-Resp-Hop: 1\r\n"
                    "Keep-Alive: timeout=5\r\nProxy-Authenticate: Basic realm=\"x\"\r\n"
                    "X-Kept: yes\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok");
    return keep_alive;
  }
  if (path == "/status-020") {  // three digits, but not a status code
    write_raw(sock, "HTTP/1.1 020 OK\r\nContent-Length: 2\r\n\r\nok");
    return false;
  }
  if (path == "/unasked-101") {  // a switch the request did not ask for, then other bytes
    write_raw(sock, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\n\r\nnot http");
    return false;
  }
  if (path == "/chunked-response" && req.method() == http::verb::head) {
    write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n");  // a HEAD answer has no body
    return keep_alive;
  }
  if (path == "/http10-response") {
    write_raw(sock, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nan HTTP/1.0 answer\n");
    return false;
  }
  if (path == "/close-delimited") {
    write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                    "body until ");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    write_raw(sock, "close\n");
    return false;
  }
  if (path == "/chunked-trailers") {
    write_raw(sock,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: X-Checksum\r\n"
              "Transfer-Encoding: chunked\r\n\r\n"
              "d\r\nwith trailers\r\n0\r\nX-Checksum: 5d41402a\r\nContent-Length: 13\r\n\r\n");
    return keep_alive;
  }
  if (path == "/chunked-response") {
    write_raw(sock, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n"
                    "a\r\nchunk-one,\r\na\r\nchunk-two,\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    write_raw(sock, "b\r\nchunk-three\r\n0\r\n\r\n");
    return keep_alive;
  }

  nlohmann::json headers = nlohmann::json::array();
  for (const auto& field : req.base()) {
    headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  nlohmann::json body = {{"method", std::string(req.method_string())},
                         {"target", target},
                         {"version", req.version() == 11 ? "HTTP/1.1" : "HTTP/1.0"},
                         {"headers", headers},
                         {"body_length", length},
                         {"body_sha256", sha.hex()},
                         {"chunked", parser.chunked()},
                         {"connection_id", conn_id},
                         {"request_on_connection", index}};
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.set("X-Backend-Secret", "s3cret");
  res.set("X-Backend-Connection", std::to_string(conn_id));
  if (path.starts_with("/vary/")) res.set(http::field::vary, path.substr(6));
  res.body() = body.dump() + "\n";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  http::write(sock, res, ec);
  return !ec && keep_alive;
}

void serve_connection(tcp::socket sock) {
  uint64_t id = next_connection_id++;
  beast::flat_buffer buffer;
  for (int index = 1; serve_one(sock, buffer, id, index); ++index) {
  }
  beast::error_code ec;
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port")
      port = static_cast<unsigned short>(std::atoi(argv[i + 1]));
  }
  try {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::cout << "listening " << acceptor.local_endpoint().port() << std::endl;
    for (;;) {
      tcp::socket sock(io);
      acceptor.accept(sock);
      sock.set_option(tcp::no_delay(true));
      std::thread(serve_connection, std::move(sock)).detach();
    }
  } catch (const std::exception& e) {
    std::cerr << "bridge_test_backend: " << e.what() << std::endl;
    return 1;
  }
}
