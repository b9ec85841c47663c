#include "proxy/detail/h2_fields.hpp"
#include "proxy/detail/head_edit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace bridge::proxy {
namespace {

std::vector<std::pair<std::string, std::string>> pairs(const H2FieldList& list) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const nghttp2_nv& nv : list.fields) {
    out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                     std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
  }
  return out;
}

TEST(H2Fields, ResponseNamesAreLowerCasedWhateverTheirLength) {
  // Names shorter than a word, of one word, and longer; '@' '[' '`' '{' sit right beside the
  // letters in ASCII and stay as they are.
  ResponseHead head;
  head.status = 200;
  head.fields.add("ETag", "\"1\"");
  head.fields.add("Content-Type", "text/plain");
  head.fields.add("Connection", "keep-alive");  // connection-specific: not in HTTP/2
  head.fields.add("X-AZaz@[`{09-_", "Mixed Case Value");
  head.fields.add("X-Very-Long-Header-NAME-Of-Thirty-Three", "x");
  HeadEdit edit;
  edit.reset(head.fields);
  edit.add("X-Request-Id", "abc");
  H2FieldList out;
  h2_response_fields(head, edit, out, "X-Request-Id");
  const std::vector<std::pair<std::string, std::string>> expected{
      {":status", "200"},
      {"etag", "\"1\""},
      {"content-type", "text/plain"},
      {"x-azaz@[`{09-_", "Mixed Case Value"},
      {"x-very-long-header-name-of-thirty-three", "x"},
      {"x-request-id", "abc"}};
  EXPECT_EQ(pairs(out), expected);
  EXPECT_EQ(out.fields.back().flags, NGHTTP2_NV_FLAG_NO_INDEX);

  // The same list refilled for a smaller head reads only the new one.
  ResponseHead next;
  next.status = 404;
  next.fields.add("Server", "upstream");
  HeadEdit none;
  none.reset(next.fields);
  h2_response_fields(next, none, out);
  EXPECT_EQ(pairs(out), (std::vector<std::pair<std::string, std::string>>{{":status", "404"},
                                                                          {"server", "upstream"}}));
}

TEST(H2Fields, RequestTakesItsAuthorityFromHostAndKeepsTeTrailers) {
  RequestHead head;
  head.set_method("POST");
  head.target = "/pkg.Service/Call";
  head.fields.add("Host", "api.localhost");
  head.fields.add("TE", "trailers");
  head.fields.add("Content-Type", "application/grpc");
  HeadEdit edit;
  edit.reset(head.fields);
  H2FieldList out;
  h2_request_fields(head, edit, "http", out);
  const std::vector<std::pair<std::string, std::string>> expected{
      {":method", "POST"},
      {":scheme", "http"},
      {":authority", "api.localhost"},
      {":path", "/pkg.Service/Call"},
      {"content-type", "application/grpc"},
      {"te", "trailers"}};
  EXPECT_EQ(pairs(out), expected);
}

}  // namespace
}  // namespace bridge::proxy
