// compress and retry as pure code: the encoding a request's Accept-Encoding gets (q-values,
// `*`, the preference order of `encodings`, defaultEncoding), which responses qualify, the
// encoders' output decoded again by the libraries' own decoders, and what retry asks of
// forwarding.
#include "fixture.hpp"
#include "middleware/encoder.hpp"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <random>

namespace bridge::middleware {
namespace {

using namespace test_support;

constexpr const char* defaults = "[middlewares.zip.compress]\n";

class Compress : public Middlewares {
 protected:
  // The encoding chosen for a request with `accept` (nullptr: no Accept-Encoding field), as
  // its name, or "none".
  std::string chosen(const char* accept, const std::string& name = "zip") {
    Req req = request("GET", "/");
    if (accept != nullptr) req.with("Accept-Encoding", accept);
    const Effects& fx = run_on(name, req);
    EXPECT_EQ(fx.steps.size(), 1u);
    EXPECT_FALSE(fx.answer.has_value());
    if (!fx.compression) return "none";
    return std::string(encoding_names[static_cast<size_t>(fx.compression->encoding)]);
  }
};

TEST_F(Compress, PicksTheHighestWeightAndBreaksTiesByTheEncodingsOrder) {
  ASSERT_TRUE(load(defaults));  // encodings: gzip, br, zstd
  EXPECT_EQ(chosen("gzip, deflate, br, zstd"), "gzip");
  EXPECT_EQ(chosen("br, zstd"), "br");
  EXPECT_EQ(chosen("zstd"), "zstd");
  EXPECT_EQ(chosen("gzip;q=0.5, br;q=0.9"), "br");
  EXPECT_EQ(chosen("gzip;q=0.5, br;q=0.5, zstd;q=0.8"), "zstd");
  EXPECT_EQ(chosen("GZIP"), "gzip");
  EXPECT_EQ(chosen("x-gzip"), "gzip");
  EXPECT_EQ(chosen(" gzip ; q=1.0 , br;Q=0.3"), "gzip");
}

TEST_F(Compress, RefusedAndUnknownCodingsGetNothing) {
  ASSERT_TRUE(load(defaults));
  EXPECT_EQ(chosen("gzip;q=0, br;q=0"), "none");
  EXPECT_EQ(chosen("deflate, identity"), "none");
  EXPECT_EQ(chosen(""), "none");  // present but empty: compression is off (Traefik)
  EXPECT_EQ(chosen(nullptr), "none");
  EXPECT_EQ(detail(), "no Accept-Encoding: responses go uncompressed");
  chosen("deflate");
  EXPECT_EQ(
      detail(),
      "Accept-Encoding \"deflate\" accepts none of gzip, br, zstd: responses go uncompressed");
}

TEST_F(Compress, AWildcardStandsForTheEncodingsNotNamed) {
  ASSERT_TRUE(load(defaults));
  EXPECT_EQ(chosen("*"), "gzip");
  EXPECT_EQ(chosen("gzip;q=0, *"), "br");
  EXPECT_EQ(chosen("gzip;q=0, br;q=0, *;q=0.1"), "zstd");
  EXPECT_EQ(chosen("*;q=0"), "none");
}

TEST_F(Compress, EncodingsSetWhichAndInWhatOrder) {
  ASSERT_TRUE(load("[middlewares.zip.compress]\nencodings = [\"zstd\", \"br\"]\n"));
  EXPECT_EQ(chosen("gzip, br, zstd"), "zstd");
  EXPECT_EQ(chosen("gzip, br"), "br");
  EXPECT_EQ(chosen("gzip"), "none");
}

TEST_F(Compress, DefaultEncodingServesRequestsWithoutAcceptEncodingAndTheWildcard) {
  ASSERT_TRUE(load("[middlewares.zip.compress]\ndefaultEncoding = \"br\"\n"));
  EXPECT_EQ(chosen(nullptr), "br");
  EXPECT_EQ(detail(),
            "br (defaultEncoding: no Accept-Encoding) for responses of 1024 bytes or more");
  EXPECT_EQ(chosen("*"), "br");
  EXPECT_EQ(chosen("gzip"), "gzip");
  EXPECT_EQ(chosen(""), "none");
}

TEST_F(Compress, TheStepSaysWhatItChose) {
  ASSERT_TRUE(load("[middlewares.zip.compress]\nminResponseBodyBytes = 200\n"));
  chosen("br;q=0.5, gzip");
  EXPECT_EQ(detail(), "gzip (Accept-Encoding: br;q=0.5, gzip) for responses of 200 bytes or more");
  EXPECT_EQ(fx_.compression->step, 0u);
  EXPECT_EQ(fx_.compression->options->min_response_body_bytes, 200);
}

// ---- which responses qualify ----------------------------------------------------------------

class Refusal : public Compress {
 protected:
  std::string refusal(unsigned status, std::vector<std::pair<std::string, std::string>> fields,
                      bool head_request = false) {
    http::Fields response;
    for (const auto& [name, value] : fields) response.add(name, value);
    return compression_refusal(*fx_.compression, status, response, head_request);
  }
};

TEST_F(Refusal, ResponsesWithoutABodyRangesAndEncodedOnesStayAsTheyAre) {
  ASSERT_TRUE(load(defaults));
  ASSERT_EQ(chosen("gzip"), "gzip");
  EXPECT_EQ(refusal(200, {{"Content-Type", "text/html"}}), "");
  EXPECT_EQ(refusal(200, {{"Content-Type", "text/html"}}, true), "no body");
  EXPECT_EQ(refusal(204, {}), "no body");
  EXPECT_EQ(refusal(304, {}), "no body");
  EXPECT_EQ(refusal(206, {{"Content-Range", "bytes 0-99/5000"}}), "a range (206)");
  EXPECT_EQ(refusal(200, {{"Content-Encoding", "br"}}), "already encoded (br)");
  EXPECT_EQ(refusal(200, {{"Content-Encoding", "identity"}}), "");
  EXPECT_EQ(refusal(200, {{"Cache-Control", "public, no-transform"}}),
            "Cache-Control: no-transform");
  EXPECT_EQ(refusal(200, {{"Content-Type", "application/grpc+proto"}}),
            "gRPC (application/grpc+proto)");
}

TEST_F(Refusal, SmallBodiesAreLeftAloneAndUnknownLengthsAreEncoded) {
  ASSERT_TRUE(load(defaults));
  ASSERT_EQ(chosen("gzip"), "gzip");
  EXPECT_EQ(refusal(200, {{"Content-Length", "1023"}}),
            "1023 bytes, under minResponseBodyBytes (1024)");
  EXPECT_EQ(refusal(200, {{"Content-Length", "1024"}}), "");
  EXPECT_EQ(refusal(200, {{"Transfer-Encoding", "chunked"}}), "");
}

TEST_F(Refusal, ContentTypesAreComparedWithoutCaseSpacesOrParameters) {
  ASSERT_TRUE(load("[middlewares.zip.compress]\n"
                   "excludedContentTypes = [\"text/event-stream\", \"Image/PNG\"]\n"
                   "[middlewares.only.compress]\n"
                   "includedContentTypes = [\"application/json\", \"text/html\"]\n"));
  ASSERT_EQ(chosen("gzip"), "gzip");
  EXPECT_EQ(refusal(200, {{"Content-Type", "text/event-stream"}}),
            "content type \"text/event-stream\" is in excludedContentTypes");
  EXPECT_EQ(refusal(200, {{"Content-Type", "image/png"}}),
            "content type \"image/png\" is in excludedContentTypes");
  EXPECT_EQ(refusal(200, {{"Content-Type", "text/html"}}), "");
  ASSERT_EQ(chosen("gzip", "only"), "gzip");
  EXPECT_EQ(refusal(200, {{"Content-Type", "Application/JSON ; charset=utf-8"}}), "");
  EXPECT_EQ(refusal(200, {{"Content-Type", "text/css"}}),
            "content type \"text/css\" is not in includedContentTypes");
  EXPECT_EQ(refusal(200, {}), "content type \"\" is not in includedContentTypes");
}

// ---- encoders -------------------------------------------------------------------------------

std::string gunzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string unbrotli(std::string_view in) {
  std::string out(in.size() * 20 + 1024, '\0');
  size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

std::string unzstd(std::string_view in) {
  std::string out(in.size() * 20 + 1024, '\0');
  const size_t size = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(size)) << ZSTD_getErrorName(size);
  out.resize(ZSTD_isError(size) ? 0 : size);
  return out;
}

std::string decoded(Encoding e, std::string_view in) {
  switch (e) {
  case Encoding::Gzip:
    return gunzip(in);
  case Encoding::Br:
    return unbrotli(in);
  case Encoding::Zstd:
    return unzstd(in);
  }
  return {};
}

// JSON-like text: compressible, as API responses are.
std::string sample_body(size_t size) {
  std::string out;
  std::mt19937 random(7);
  while (out.size() < size)
    out += "{\"id\":" + std::to_string(random() % 100000) + ",\"name\":\"item\",\"ok\":true},";
  out.resize(size);
  return out;
}

class Encoders : public ::testing::TestWithParam<Encoding> {
 protected:
  // `body` in 64 KiB pieces, at hand (More) and before a wait (Wait, flushed) in turn, as a
  // relay sees them, then the end; empty when an encode failed.
  std::string encoded_in_pieces(std::string_view body) {
    EncoderLease encoder = take_encoder(GetParam());
    std::string out;
    for (size_t at = 0, n = 0; at < body.size(); at += 64 * 1024, ++n)
      if (!encoder->encode(body.substr(at, 64 * 1024), n % 2 == 0 ? Then::More : Then::Wait, out))
        return {};
    return encoder->encode({}, Then::End, out) ? out : std::string();
  }
};

TEST_P(Encoders, PiecesEncodeToOneStreamTheDecoderRestores) {
  const std::string body = sample_body(300 * 1024);
  const std::string out = encoded_in_pieces(body);
  EXPECT_LT(out.size(), body.size() / 3);
  EXPECT_EQ(decoded(GetParam(), out), body);
}

// Random bytes grow under every encoder: the output outgrows the room an encoder is first given
// for a piece, and still comes out whole.
TEST_P(Encoders, IncompressibleBytesEncodeWhole) {
  std::string body(200 * 1024, '\0');
  std::mt19937 random(3);
  for (char& c : body) c = static_cast<char>(random());
  const std::string out = encoded_in_pieces(body);
  EXPECT_GT(out.size(), body.size() * 3 / 4);
  EXPECT_EQ(decoded(GetParam(), out), body);
}

// Pieces that were all at hand are one run of the encoder, not flushed apart: fewer bytes than
// the same pieces flushed one by one.
TEST_P(Encoders, PiecesAtHandAreNotFlushedApart) {
  const std::string body = sample_body(100 * 1000);
  std::string at_hand, flushed;
  for (auto [then, out] : {std::pair{Then::More, &at_hand}, std::pair{Then::Wait, &flushed}}) {
    EncoderLease encoder = take_encoder(GetParam());
    ASSERT_NE(encoder, nullptr);
    for (size_t at = 0; at < body.size(); at += 8 * 1024)
      ASSERT_TRUE(encoder->encode(std::string_view(body).substr(at, 8 * 1024), then, *out));
    ASSERT_TRUE(encoder->encode({}, Then::End, *out));
    EXPECT_EQ(decoded(GetParam(), *out), body);
  }
  EXPECT_LT(at_hand.size(), flushed.size());
}

TEST_P(Encoders, APieceBeforeAWaitIsFlushedSoAStreamedResponseArrivesAsItComes) {
  EncoderLease encoder = take_encoder(GetParam());
  ASSERT_NE(encoder, nullptr);
  std::string out;
  ASSERT_TRUE(encoder->encode("data: first event\n\n", Then::Wait, out));
  ASSERT_FALSE(out.empty());
  // What went out so far decodes to the whole first piece (a streaming decoder, as a browser).
  std::string so_far;
  if (GetParam() == Encoding::Gzip) {
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
    so_far.resize(256);
    z.next_in = reinterpret_cast<Bytef*>(out.data());
    z.avail_in = static_cast<uInt>(out.size());
    z.next_out = reinterpret_cast<Bytef*>(so_far.data());
    z.avail_out = static_cast<uInt>(so_far.size());
    EXPECT_EQ(inflate(&z, Z_SYNC_FLUSH), Z_OK);
    so_far.resize(z.total_out);
    inflateEnd(&z);
  } else if (GetParam() == Encoding::Br) {
    BrotliDecoderState* s = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    so_far.resize(256);
    size_t in_left = out.size(), out_left = so_far.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(out.data());
    auto* next_out = reinterpret_cast<uint8_t*>(so_far.data());
    BrotliDecoderDecompressStream(s, &in_left, &next_in, &out_left, &next_out, nullptr);
    so_far.resize(so_far.size() - out_left);
    BrotliDecoderDestroyInstance(s);
  } else {
    ZSTD_DCtx* d = ZSTD_createDCtx();
    so_far.resize(256);
    ZSTD_inBuffer in{out.data(), out.size(), 0};
    ZSTD_outBuffer o{so_far.data(), so_far.size(), 0};
    ZSTD_decompressStream(d, &o, &in);
    so_far.resize(o.pos);
    ZSTD_freeDCtx(d);
  }
  EXPECT_EQ(so_far, "data: first event\n\n");
}

TEST_P(Encoders, AnEncoderGivenBackServesTheNextResponseFromAFreshStart) {
  for (int response = 0; response < 3; ++response) {
    const std::string body = "response " + std::to_string(response) + sample_body(5000);
    EncoderLease encoder = take_encoder(GetParam());
    ASSERT_NE(encoder, nullptr);
    std::string out;
    ASSERT_TRUE(encoder->encode(body, Then::End, out));
    EXPECT_EQ(decoded(GetParam(), out), body);
  }
}

// A Content-Length sizes the encoder (zstd's tables, brotli's window); the body still comes in
// flushed pieces, and a hinted encoder given back serves an unhinted response after it.
TEST_P(Encoders, ASizeHintKeepsTheStreamDecodable) {
  const std::string body = sample_body(100 * 1000);
  {
    EncoderLease encoder = take_encoder(GetParam());
    ASSERT_NE(encoder, nullptr);
    encoder->size_hint(body.size());
    std::string out;
    for (size_t at = 0; at < body.size(); at += 16 * 1024)
      ASSERT_TRUE(encoder->encode(std::string_view(body).substr(at, 16 * 1024), Then::Wait, out));
    ASSERT_TRUE(encoder->encode({}, Then::End, out));
    EXPECT_EQ(decoded(GetParam(), out), body);
    if (GetParam() == Encoding::Zstd) {
      EXPECT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), body.size())
          << "zstd's frame names the size it was told";
    }
  }
  EncoderLease next = take_encoder(GetParam());
  std::string out;
  ASSERT_TRUE(next->encode("after " + body, Then::End, out));
  EXPECT_EQ(decoded(GetParam(), out), "after " + body);
}

TEST_P(Encoders, AnEmptyBodyIsAValidEmptyStream) {
  EncoderLease encoder = take_encoder(GetParam());
  ASSERT_NE(encoder, nullptr);
  std::string out;
  ASSERT_TRUE(encoder->encode({}, Then::End, out));
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(decoded(GetParam(), out), "");
}

INSTANTIATE_TEST_SUITE_P(All, Encoders,
                         ::testing::Values(Encoding::Gzip, Encoding::Br, Encoding::Zstd),
                         [](const auto& info) {
                           return std::string(encoding_names[static_cast<size_t>(info.param)]);
                         });

// ---- retry ----------------------------------------------------------------------------------

TEST_F(Compress, RetryAsksForAttemptsWithDoublingPauses) {
  ASSERT_TRUE(load("[middlewares.again.retry]\nattempts = 4\ninitialInterval = \"50ms\"\n"));
  const Effects& fx = run_on("again", request("GET", "/"));
  ASSERT_TRUE(fx.retry.has_value());
  EXPECT_EQ(fx.retry->attempts, 4);
  EXPECT_EQ(fx.retry->step, 0u);
  EXPECT_EQ(fx.retry->delay_before(1), std::chrono::milliseconds(50));
  EXPECT_EQ(fx.retry->delay_before(2), std::chrono::milliseconds(100));
  EXPECT_EQ(fx.retry->delay_before(3), std::chrono::milliseconds(200));
  EXPECT_EQ(detail(),
            "up to 4 attempts, 50 ms before the first retry, doubling; on connection failures "
            "and upstreams that close before answering, not once the request body was sent");
  EXPECT_FALSE(fx.answer.has_value());
}

TEST_F(Compress, RetryWaitsAHundredMillisecondsByDefault) {
  ASSERT_TRUE(load("[http.middlewares.again.retry]\nattempts = 2\n"));
  const Effects& fx = run_on("again", request("GET", "/"));
  ASSERT_TRUE(fx.retry.has_value());
  EXPECT_EQ(fx.retry->delay_before(1), std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace bridge::middleware
