// contentType as pure code: the type a body's first bytes show, as Go's http.DetectContentType
// (which Traefik uses) names it, for the signatures it knows, text and binary; and the chain
// noting that a response is to get one (autoDetect = false: not).
#include "fixture.hpp"

namespace bridge::middleware {
namespace {

using namespace test_support;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}

TEST(SniffContentType, HtmlAndXmlAfterWhiteSpaceAnyCase) {
  EXPECT_EQ(sniff_content_type("<!DOCTYPE html><html>"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff_content_type(" \r\n\t<html lang=\"en\">"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff_content_type("<HEAD>"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff_content_type("<p>hi</p>"), "text/html; charset=utf-8");
  EXPECT_EQ(sniff_content_type("<!-- c -->"), "text/html; charset=utf-8");
  // A tag must end with a space or '>': "<a" is not "<abbr".
  EXPECT_EQ(sniff_content_type("<abbr>"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff_content_type("<html"), "text/plain; charset=utf-8") << "no byte after the tag";
  EXPECT_EQ(sniff_content_type("  <?XML version=\"1.0\"?>"), "text/xml; charset=utf-8");
}

TEST(SniffContentType, BinarySignatures) {
  EXPECT_EQ(sniff_content_type("\x89PNG\r\n\x1A\n" + bytes({0, 0, 0, 13})), "image/png");
  EXPECT_EQ(sniff_content_type(bytes({0xFF, 0xD8, 0xFF, 0xE0})), "image/jpeg");
  EXPECT_EQ(sniff_content_type("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_content_type("RIFF" + bytes({1, 2, 3, 4}) + "WEBPVP8 "), "image/webp");
  EXPECT_EQ(sniff_content_type("RIFF" + bytes({1, 2, 3, 4}) + "WAVEfmt "), "audio/wave");
  EXPECT_EQ(sniff_content_type("%PDF-1.7\n"), "application/pdf");
  EXPECT_EQ(sniff_content_type(bytes({0x1F, 0x8B, 0x08, 0})), "application/x-gzip");
  EXPECT_EQ(sniff_content_type("PK" + bytes({3, 4, 20, 0})), "application/zip");
  EXPECT_EQ(sniff_content_type(bytes({0, 'a', 's', 'm', 1, 0, 0, 0})), "application/wasm");
  EXPECT_EQ(sniff_content_type("wOF2" + bytes({0, 1, 0, 0})), "font/woff2");
  EXPECT_EQ(sniff_content_type("FORM" + bytes({0, 0, 0, 4}) + "AIFF"), "audio/aiff");
  // An MP4 'ftyp' box naming an mp4 brand.
  EXPECT_EQ(
      sniff_content_type(bytes({0, 0, 0, 0x18}) + "ftypmp42" + bytes({0, 0, 0, 0}) + "isommp41"),
      "video/mp4");
}

TEST(SniffContentType, TextUnlessABinaryByteShows) {
  EXPECT_EQ(sniff_content_type("{\"id\": 7}"), "text/plain; charset=utf-8") << "Go sniffs no JSON";
  EXPECT_EQ(sniff_content_type("h\xC3\xA9llo\r\n\x1B[0m"), "text/plain; charset=utf-8")
      << "ESC (0x1B) counts as text";
  EXPECT_EQ(sniff_content_type("\xEF\xBB\xBFhi"), "text/plain; charset=utf-8");
  EXPECT_EQ(sniff_content_type("\xFF\xFEh\0i\0"), "text/plain; charset=utf-16le");
  EXPECT_EQ(sniff_content_type("ab" + bytes({0}) + "cd"), "application/octet-stream");
  EXPECT_EQ(sniff_content_type("ab\x0B"), "application/octet-stream");
  // Only the first 512 bytes count.
  EXPECT_EQ(sniff_content_type(std::string(512, 'a') + bytes({0})), "text/plain; charset=utf-8");
}

class ContentTypeUnit : public Middlewares {};

TEST_F(ContentTypeUnit, TheChainAsksForATypeUnlessAutoDetectIsOff) {
  ASSERT_TRUE(load("[middlewares.sniff.contentType]\n"
                   "[middlewares.tag.headers]\ncustomResponseHeaders = { X-Tag = \"t\" }\n"
                   "[middlewares.off.contentType]\nautoDetect = false\n"));
  run_on(std::vector<std::string>{"tag", "sniff"}, request("GET", "/"));
  ASSERT_TRUE(fx_.sniff_step.has_value());
  EXPECT_EQ(*fx_.sniff_step, 1u);
  EXPECT_EQ(fx_.steps[1].detail,
            "a response without Content-Type gets the type its first bytes show");
  run_on("off", request("GET", "/"));
  EXPECT_FALSE(fx_.sniff_step.has_value());
  EXPECT_EQ(detail(), "autoDetect = false: responses keep the Content-Type they have");
}

}  // namespace
}  // namespace bridge::middleware
