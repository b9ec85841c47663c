#include "proxy/detail/head_edit.hpp"
#include "proxy/detail/wire.hpp"

#include <gtest/gtest.h>

namespace bridge::proxy {
namespace {

http::request_header<> parsed_request() {
  http::request_header<> head;
  head.method(http::verb::get);
  head.target("/api/users?page=2");
  head.version(10);
  head.insert("Host", "app.localhost:8080");
  head.insert("Connection", "keep-alive, X-Hop");
  head.insert("X-Hop", "dropped because Connection lists it");
  head.insert("Accept", "*/*");
  head.insert("x-request-id", "incoming");
  return head;
}

std::string written(const http::request_header<>& head, const HeadEdit& edit) {
  std::string out;
  write_head(head, edit, out);
  return out;
}

TEST(HeadEdit, WritesTheParsedHeadUnchangedWithoutEdits) {
  auto head = parsed_request();
  HeadEdit edit;
  edit.reset(head);
  EXPECT_EQ(written(head, edit),
            "GET /api/users?page=2 HTTP/1.0\r\nHost: app.localhost:8080\r\n"
            "Connection: keep-alive, X-Hop\r\nX-Hop: dropped because Connection lists it\r\n"
            "Accept: */*\r\nx-request-id: incoming\r\n\r\n");
}

TEST(HeadEdit, DropsReplacesAndAppendsInBeastsSetOrder) {
  auto head = parsed_request();
  HeadEdit edit;
  edit.reset(head);
  edit.drop_if([](const auto& f) {
    return f.name() == http::field::connection || f.name_string() == "X-Hop";
  });
  std::string host(head[http::field::host]);
  edit.set("X-Forwarded-Host", head[http::field::host]);  // a view into the parsed head
  edit.set("X-Request-ID", "generated");
  edit.set_copy("X-Forwarded-For", {"10.0.0.1", ", ", "127.0.0.1"});
  edit.set("Host", "backend.internal");
  edit.set("X-Extra", "first");
  edit.remove("x-extra");  // also removes what an earlier set added
  edit.set_target("/users?page=2");
  edit.set_version(11);
  const std::string expected =
      "GET /users?page=2 HTTP/1.1\r\nAccept: */*\r\nX-Forwarded-Host: app.localhost:8080\r\n"
      "X-Request-ID: generated\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"
      "Host: backend.internal\r\n\r\n";
  EXPECT_EQ(written(head, edit), expected);
  // The parsed head is untouched until the edits are applied; then it reads the same.
  EXPECT_EQ(head[http::field::host], host);
  edit.apply(head);
  EXPECT_EQ(written(head, edit), expected);
  EXPECT_EQ(head.target(), "/users?page=2");
  EXPECT_EQ(head.version(), 11u);
}

TEST(HeadEdit, DropsHopByHopFieldsButKeepsFraming) {
  http::response_header<> head;
  head.result(http::status::ok);
  head.version(11);
  head.insert("Connection", "keep-alive, X-Listed");
  head.insert("X-Listed", "a");
  head.insert("keep-alive", "timeout=5");
  head.insert("Proxy-Authenticate", "Basic");
  head.insert("Transfer-Encoding", "chunked");
  head.insert("X-Kept", "b");
  HeadEdit edit;
  edit.reset(head);
  edit.drop_hop_by_hop(head[http::field::connection]);
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kept: b\r\n\r\n");
}

TEST(HeadEdit, KeepsUpgradeAndConnectionWhenSwitchingProtocols) {
  http::response_header<> head;
  head.result(http::status::switching_protocols);
  head.version(11);
  head.insert("Upgrade", "websocket");
  head.insert("Connection", "Upgrade");
  head.insert("Sec-WebSocket-Accept", "x");
  HeadEdit edit;
  edit.reset(head);
  edit.drop_hop_by_hop(head[http::field::connection], true);
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n");
}

TEST(HeadEdit, MakesAResponseChunked) {
  http::response_header<> head;
  head.result(http::status::ok);
  head.version(11);
  head.insert("Server", "upstream");
  HeadEdit edit;
  edit.reset(head);
  EXPECT_FALSE(edit.chunked());
  edit.make_chunked();
  EXPECT_TRUE(edit.chunked());
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: upstream\r\nTransfer-Encoding: chunked\r\n\r\n");
}

}  // namespace
}  // namespace bridge::proxy
