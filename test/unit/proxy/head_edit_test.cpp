#include "proxy/detail/head_edit.hpp"
#include "proxy/detail/wire.hpp"

#include <gtest/gtest.h>

namespace bridge::proxy {
namespace {

RequestHead parsed_request() {
  RequestHead head;
  head.set_method("GET");
  head.target = "/api/users?page=2";
  head.version = 10;
  head.fields.add("Host", "app.localhost:8080");
  head.fields.add("Connection", "keep-alive, X-Hop");
  head.fields.add("X-Hop", "dropped because Connection lists it");
  head.fields.add("Accept", "*/*");
  head.fields.add("x-request-id", "incoming");
  return head;
}

ResponseHead response(unsigned status) {
  ResponseHead head;
  head.status = status;
  return head;
}

std::string written(const RequestHead& head, const HeadEdit& edit) {
  std::string out;
  write_head(head, edit, out);
  return out;
}

TEST(HeadEdit, WritesTheParsedHeadUnchangedWithoutEdits) {
  auto head = parsed_request();
  HeadEdit edit;
  edit.reset(head.fields);
  EXPECT_EQ(written(head, edit),
            "GET /api/users?page=2 HTTP/1.0\r\nHost: app.localhost:8080\r\n"
            "Connection: keep-alive, X-Hop\r\nX-Hop: dropped because Connection lists it\r\n"
            "Accept: */*\r\nx-request-id: incoming\r\n\r\n");
}

TEST(HeadEdit, DropsReplacesAndAppendsInSetOrder) {
  auto head = parsed_request();
  HeadEdit edit;
  edit.reset(head.fields);
  edit.drop_if([](const FieldRef& f) { return f.known == Field::Connection || f.name == "X-Hop"; });
  std::string host(head.fields.get(Field::Host));
  edit.set("X-Forwarded-Host", head.fields.get(Field::Host));  // a view into the parsed head
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
  EXPECT_EQ(head.fields.get(Field::Host), host);
  edit.apply(head);
  EXPECT_EQ(written(head, edit), expected);
  EXPECT_EQ(head.target, "/users?page=2");
  EXPECT_EQ(head.version, 11u);
}

TEST(HeadEdit, RemovesSeveralNamesInOnePassAsRemoveWouldOneByOne) {
  auto head = parsed_request();
  head.fields.add("X-Forwarded-For", "6.6.6.6");
  head.fields.add("forwarded", "for=6.6.6.6");
  HeadEdit edit;
  edit.reset(head.fields);
  edit.add("X-Real-IP", "added before");
  edit.add("X-Kept", "added before");
  constexpr std::string_view names[] = {"x-forwarded-for", "Forwarded", "X-REAL-IP",
                                        "X-Request-Id"};
  edit.remove_all(names);
  edit.add("X-Forwarded-For", "127.0.0.1");
  EXPECT_EQ(written(head, edit),
            "GET /api/users?page=2 HTTP/1.0\r\nHost: app.localhost:8080\r\n"
            "Connection: keep-alive, X-Hop\r\nX-Hop: dropped because Connection lists it\r\n"
            "Accept: */*\r\nX-Kept: added before\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n");
}

TEST(HeadEdit, DropsHopByHopFieldsButKeepsFraming) {
  ResponseHead head = response(200);
  head.fields.add("Connection", "keep-alive, X-Listed");
  head.fields.add("X-Listed", "a");
  head.fields.add("keep-alive", "timeout=5");
  head.fields.add("Proxy-Authenticate", "Basic");
  head.fields.add("Transfer-Encoding", "chunked");
  head.fields.add("X-Kept", "b");
  HeadEdit edit;
  edit.reset(head.fields);
  edit.drop_hop_by_hop(head.fields.get(Field::Connection));
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kept: b\r\n\r\n");
}

TEST(HeadEdit, KeepsUpgradeAndConnectionWhenSwitchingProtocols) {
  ResponseHead head = response(101);
  head.fields.add("Upgrade", "websocket");
  head.fields.add("Connection", "Upgrade");
  head.fields.add("Sec-WebSocket-Accept", "x");
  HeadEdit edit;
  edit.reset(head.fields);
  edit.drop_hop_by_hop(head.fields.get(Field::Connection), true);
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n");
}

TEST(HeadEdit, MakesAResponseChunked) {
  ResponseHead head = response(200);
  head.fields.add("Server", "upstream");
  HeadEdit edit;
  edit.reset(head.fields);
  EXPECT_FALSE(edit.chunked());
  edit.make_chunked();
  EXPECT_TRUE(edit.chunked());
  std::string out;
  write_head(head, edit, out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: upstream\r\nTransfer-Encoding: chunked\r\n\r\n");
}

}  // namespace
}  // namespace bridge::proxy
