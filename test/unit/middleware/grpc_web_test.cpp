// grpcWeb as pure code: a gRPC-Web call is marked for the proxy with its content type turned
// into gRPC's, its preflight answered for allowed origins, anything else passed; and the wire
// format: content types both ways, the trailer frame, base64 streamed in pieces of any size
// (decoded as OpenSSL's command-line tool encodes).
#include "fixture.hpp"
#include "middleware/grpc_web.hpp"

#include <cstdio>
#include <memory>

namespace bridge::middleware {
namespace {

using namespace test_support;

constexpr const char* config_toml =
    "[middlewares.web.grpcWeb]\nallowOrigins = [\"http://localhost:5173\"]\n\n"
    "[middlewares.any.grpcWeb]\nallowOrigins = [\"*\"]\n";

Req call(std::string type, std::string origin = "") {
  Req r = request("POST", "/test.Echo/Unary");
  r.with("Content-Type", type).with("X-Grpc-Web", "1").with("Content-Length", "10");
  if (!origin.empty()) r.with("Origin", origin);
  return r;
}

class GrpcWebTest : public Middlewares {};

TEST_F(GrpcWebTest, ACallGoesUpAsGrpcWithCorsForAnAllowedOrigin) {
  ASSERT_TRUE(load(config_toml));
  const Effects& fx = run_on("web", call("application/grpc-web+proto", "http://localhost:5173"));
  EXPECT_FALSE(fx.answer);
  ASSERT_TRUE(fx.grpc_web.has_value());
  EXPECT_FALSE(fx.grpc_web->text);
  EXPECT_TRUE(fx.grpc_web->expose);
  EXPECT_EQ(words(fx.request), (Words{"set Content-Type: application/grpc+proto"}));
  EXPECT_EQ(words(fx.response),
            (Words{"set Access-Control-Allow-Origin: http://localhost:5173",
                   "set Access-Control-Allow-Credentials: true", "append Vary: Origin"}));
  EXPECT_EQ(detail(),
            "gRPC-Web call: sent to the HTTP/2 upstream as application/grpc+proto, answered as "
            "gRPC-Web with the trailers in the body; origin http://localhost:5173 allowed");
}

TEST_F(GrpcWebTest, ATextCallLosesItsLengthAndAnOriginElsewhereGetsNoCors) {
  ASSERT_TRUE(load(config_toml));
  const Effects& fx = run_on("web", call("application/grpc-web-text", "http://evil.test"));
  ASSERT_TRUE(fx.grpc_web.has_value());
  EXPECT_TRUE(fx.grpc_web->text);
  EXPECT_FALSE(fx.grpc_web->expose);
  EXPECT_EQ(words(fx.request),
            (Words{"set Content-Type: application/grpc", "remove Content-Length"}));
  EXPECT_EQ(words(fx.response), (Words{"append Vary: Origin"}));
  EXPECT_TRUE(detail().ends_with("; origin http://evil.test not in allowOrigins: no "
                                 "Access-Control-Allow-Origin will be sent, so the browser will "
                                 "not read the answer"))
      << detail();
  // "*" allows any origin, with credentials (the origin is echoed, never "*").
  const Effects& any = run_on("any", call("application/grpc-web", "http://evil.test"));
  EXPECT_EQ(words(any.response),
            (Words{"set Access-Control-Allow-Origin: http://evil.test",
                   "set Access-Control-Allow-Credentials: true", "append Vary: Origin"}));
}

TEST_F(GrpcWebTest, PreflightsAreAnsweredForAllowedOrigins) {
  ASSERT_TRUE(load(config_toml));
  Req preflight = request("OPTIONS", "/test.Echo/Unary");
  preflight.with("Origin", "http://localhost:5173")
      .with("Access-Control-Request-Method", "POST")
      .with("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent");
  const Effects& fx = run_on("web", preflight);
  ASSERT_TRUE(fx.answer.has_value());
  EXPECT_EQ(fx.answer->status, 204u);
  EXPECT_EQ(
      fx.answer->fields,
      (std::vector<std::pair<std::string, std::string>>{
          {"Access-Control-Allow-Origin", "http://localhost:5173"},
          {"Access-Control-Allow-Credentials", "true"},
          {"Access-Control-Allow-Methods", "POST"},
          {"Access-Control-Allow-Headers", "content-type,x-grpc-web,x-user-agent"},
          {"Access-Control-Max-Age", "600"},
          {"Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}}));
  EXPECT_EQ(detail(), "gRPC-Web preflight from http://localhost:5173 answered 204");

  Req elsewhere = preflight;
  elsewhere.fields.set("Origin", "http://evil.test");
  const Effects& denied = run_on("web", elsewhere);
  ASSERT_TRUE(denied.answer.has_value());
  EXPECT_EQ(denied.answer->fields.size(), 1u) << "only Vary";
  EXPECT_EQ(detail(),
            "gRPC-Web preflight from http://evil.test answered 204 without "
            "Access-Control-Allow-Origin: origin not in allowOrigins, so the browser will block "
            "the call");
}

TEST_F(GrpcWebTest, OtherRequestsPassAsTheyAre) {
  ASSERT_TRUE(load(config_toml));
  const Effects& grpc = run_on("web", call("application/grpc"));
  EXPECT_FALSE(grpc.grpc_web);
  EXPECT_TRUE(grpc.request.empty());
  EXPECT_EQ(detail(), "not a gRPC-Web call (Content-Type \"application/grpc\"): passed as it is");
  // A CORS preflight for something else is not grpcWeb's to answer.
  Req preflight = request("OPTIONS", "/api");
  preflight.with("Origin", "http://localhost:5173")
      .with("Access-Control-Request-Method", "PUT")
      .with("Access-Control-Request-Headers", "content-type");
  EXPECT_FALSE(run_on("web", preflight).answer);
}

TEST(GrpcWebCodec, ContentTypesBothWays) {
  bool text = false;
  EXPECT_TRUE(is_grpc_web("application/grpc-web", text));
  EXPECT_FALSE(text);
  EXPECT_TRUE(is_grpc_web("application/grpc-web+proto", text));
  EXPECT_TRUE(is_grpc_web("Application/gRPC-Web-Text+proto", text));
  EXPECT_TRUE(text);
  EXPECT_FALSE(is_grpc_web("application/grpc", text));
  EXPECT_FALSE(is_grpc_web("application/grpc-webby", text));
  EXPECT_EQ(grpc_content_type_for("application/grpc-web-text+proto"), "application/grpc+proto");
  EXPECT_EQ(grpc_content_type_for("application/grpc-web"), "application/grpc");
  EXPECT_EQ(grpc_web_content_type_for("application/grpc+proto", false),
            "application/grpc-web+proto");
  EXPECT_EQ(grpc_web_content_type_for("application/grpc", true), "application/grpc-web-text");
}

TEST(GrpcWebCodec, TheTrailerFrameIsAFlaggedHeaderBlock) {
  const std::string frame = grpc_web_trailer_frame({{"grpc-status", "0"}, {"x-trailer", "u"}});
  const std::string block = "grpc-status: 0\r\nx-trailer: u\r\n";
  ASSERT_EQ(frame.size(), 5 + block.size());
  EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0x80);
  EXPECT_EQ(frame.substr(1, 4), std::string("\0\0\0\x1e", 4));  // 30, big-endian
  EXPECT_EQ(frame.substr(5), block);
}

// What `openssl base64 -A` makes of `bytes`: the reference encoder.
std::string openssl_base64(const std::string& bytes) {
  test::TempDir dir;
  test::write_file(dir / "in", bytes);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      ::popen(("openssl base64 -A -in " + (dir / "in")).c_str(), "r"), ::pclose);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0;) out.append(buffer, n);
  return out;
}

TEST(GrpcWebCodec, Base64StreamsInPiecesOfAnySize) {
  std::string bytes;
  for (int i = 0; i < 1000; ++i) bytes.push_back(static_cast<char>(i * 37 % 256));
  const std::string reference = openssl_base64(bytes);
  ASSERT_FALSE(reference.empty());
  for (size_t piece : {1u, 2u, 3u, 5u, 64u, 1000u}) {
    Base64Encoder encoder;
    std::string encoded;
    for (size_t at = 0; at < bytes.size(); at += piece)
      encoder.encode(std::string_view(bytes).substr(at, piece), encoded);
    encoder.finish(encoded);
    EXPECT_EQ(encoded, reference) << "pieces of " << piece;
    Base64Decoder decoder;
    std::string decoded;
    for (size_t at = 0; at < reference.size(); at += piece)
      ASSERT_TRUE(decoder.decode(std::string_view(reference).substr(at, piece), decoded));
    EXPECT_TRUE(decoder.complete());
    EXPECT_EQ(decoded, bytes) << "pieces of " << piece;
  }
}

TEST(GrpcWebCodec, Base64TakesPaddingBetweenMessagesAndRefusesGarbage) {
  Base64Decoder decoder;
  std::string out;
  ASSERT_TRUE(decoder.decode("YQ==YWI=YWJj", out));  // "a", "ab", "abc" encoded one by one
  EXPECT_EQ(out, "aababc");
  EXPECT_FALSE(Base64Decoder().decode("a=bc", out));
  EXPECT_FALSE(Base64Decoder().decode("ab=c", out));
  EXPECT_FALSE(Base64Decoder().decode("ab!c", out));
  Base64Decoder partial;
  ASSERT_TRUE(partial.decode("YWJ", out));
  EXPECT_FALSE(partial.complete());
}

}  // namespace
}  // namespace bridge::middleware
