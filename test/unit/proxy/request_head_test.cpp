#include "proxy/detail/request_head.hpp"

#include "http/h1.hpp"

#include <gtest/gtest.h>

namespace bridge::proxy {
namespace {

// Decodes `raw` with the HTTP/1.1 codec, then returns vet_request_head's verdict ("ok" when
// accepted); the codec's own refusals come back as they are.
std::string vet(const std::string& raw, std::string* target = nullptr) {
  RequestHead head;
  std::string refused = bridge::http::h1::parse_request_head(raw, head);
  if (!refused.empty()) return refused;
  auto reason = vet_request_head(head);
  if (target) *target = head.target;
  return reason.value_or("ok");
}

TEST(RequestHead, AcceptsOrdinaryRequests) {
  EXPECT_EQ(vet("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), "ok");
  EXPECT_EQ(vet("GET / HTTP/1.0\r\n\r\n"), "ok");
  EXPECT_EQ(vet("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), "ok");
  EXPECT_EQ(vet("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), "ok");
}

TEST(RequestHead, RefusesObsoleteLineFolding) {
  EXPECT_EQ(vet("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"),
            "obsolete line folding in a header");
}

TEST(RequestHead, RefusesMissingOrRepeatedHost) {
  EXPECT_EQ(vet("GET / HTTP/1.1\r\n\r\n"), "missing Host header (required in HTTP/1.1)");
  EXPECT_EQ(vet("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "multiple Host headers");
}

TEST(RequestHead, RefusesTransferEncodingsOtherThanChunked) {
  EXPECT_EQ(vet("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
            "unsupported Transfer-Encoding \"chunked, gzip\" (only chunked is accepted)");
  EXPECT_EQ(vet("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n"),
            "unsupported Transfer-Encoding \"xchunked\" (only chunked is accepted)");
  EXPECT_EQ(vet("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            "Transfer-Encoding in an HTTP/1.0 request");
}

TEST(RequestHead, RefusesLengthConflicts) {
  EXPECT_EQ(vet("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: "
                "chunked\r\n\r\n"),
            "Transfer-Encoding together with Content-Length");
  EXPECT_EQ(vet("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            "malformed request: multiple different Content-Length values");
}

TEST(RequestHead, RefusesConnectAndForeignAbsoluteForm) {
  EXPECT_EQ(vet("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"),
            "CONNECT is not supported: bridge is a reverse proxy, not a forward proxy");
  EXPECT_EQ(vet("GET http://evil/x HTTP/1.1\r\nHost: a\r\n\r\n"),
            "absolute-form target authority \"evil\" does not match Host \"a\"");
  EXPECT_EQ(vet("GET *x HTTP/1.1\r\nHost: a\r\n\r\n"), "invalid request target \"*x\"");
}

TEST(RequestHead, RewritesMatchingAbsoluteFormToOriginForm) {
  std::string target;
  EXPECT_EQ(vet("GET http://a:8080/x?y=1 HTTP/1.1\r\nHost: a:8080\r\n\r\n", &target), "ok");
  EXPECT_EQ(target, "/x?y=1");
  EXPECT_EQ(vet("GET http://a HTTP/1.1\r\nHost: a\r\n\r\n", &target), "ok");
  EXPECT_EQ(target, "/");
}

}  // namespace
}  // namespace bridge::proxy
