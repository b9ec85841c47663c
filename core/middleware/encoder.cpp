// The three encoders behind compress, and the per-thread spares that keep their state from
// being allocated per response.
#include "middleware/encoder.hpp"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <vector>

namespace bridge::middleware {
namespace {

// Levels that keep a proxy's CPU per byte modest and still beat the upstream's bytes by far:
// gzip at nginx's default (zlib's 4 cost 2.7x nginx's CPU for 13% fewer bytes, its 6 twice
// that again); brotli above 5 and zstd above 3 slow down steeply.
constexpr int gzip_level = 1;
constexpr int brotli_quality = 4;
constexpr int brotli_window = 18;  // 256 KiB: the encoder's memory, not the body's limit
constexpr int zstd_level = 3;

// Room to give an encoder for `in` bytes: a text body's output (a fifth of it at gzip's level 1)
// and slack. The libraries' worst-case bounds are more than the input, and resize() zeroes
// every byte of the room; an encoder that needs more fills it and is asked again.
size_t room_for(size_t in) { return in / 4 + 4096; }

// Grows `out` by `room` bytes for a library to write into; returns where they start.
char* grow(std::string& out, size_t room) {
  const size_t at = out.size();
  out.resize(at + room);
  return out.data() + at;
}

class Gzip final : public Encoder {
 public:
  Gzip() : Encoder(Encoding::Gzip) {
    // 15 + 16: a 32 KiB window with gzip's header and trailer.
    ok_ = deflateInit2(&z_, gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Gzip() override {
    if (ok_) deflateEnd(&z_);
  }
  bool valid() const { return ok_; }
  void reset() override { deflateReset(&z_); }
  bool encode(std::string_view in, Then then, std::string& out) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    const bool last = then == Then::End;
    const int flush = last ? Z_FINISH : then == Then::Wait ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    for (;;) {
      const size_t room = room_for(z_.avail_in);
      char* at = grow(out, room);
      z_.next_out = reinterpret_cast<Bytef*>(at);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&z_, flush);
      out.resize(out.size() - z_.avail_out);
      if (rc == Z_STREAM_ERROR) return false;
      if (last ? rc == Z_STREAM_END : (z_.avail_in == 0 && z_.avail_out != 0)) return true;
      if (rc == Z_BUF_ERROR && z_.avail_in == 0 && !last) return true;  // nothing to flush
    }
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

class Brotli final : public Encoder {
 public:
  Brotli() : Encoder(Encoding::Br) { reset(); }
  ~Brotli() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }
  bool valid() const { return state_ != nullptr; }
  // brotli has no reset: a new instance (cheap next to encoding a body).
  void reset() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    if (state_ == nullptr) return;
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, brotli_quality);
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, brotli_window);
  }
  void size_hint(uint64_t bytes) override {
    if (state_ != nullptr)
      BrotliEncoderSetParameter(state_, BROTLI_PARAM_SIZE_HINT,
                                static_cast<uint32_t>(std::min<uint64_t>(bytes, 1U << 30)));
  }
  bool encode(std::string_view in, Then then, std::string& out) override {
    if (state_ == nullptr) return false;
    size_t avail_in = in.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    const bool last = then == Then::End;
    const BrotliEncoderOperation op = last                 ? BROTLI_OPERATION_FINISH
                                      : then == Then::Wait ? BROTLI_OPERATION_FLUSH
                                                           : BROTLI_OPERATION_PROCESS;
    for (;;) {
      size_t room = room_for(avail_in);
      char* at = grow(out, room);
      auto* next_out = reinterpret_cast<uint8_t*>(at);
      if (!BrotliEncoderCompressStream(state_, op, &avail_in, &next_in, &room, &next_out, nullptr))
        return false;
      out.resize(out.size() - room);
      const bool drained = avail_in == 0 && !BrotliEncoderHasMoreOutput(state_);
      if (drained && (!last || BrotliEncoderIsFinished(state_))) return true;
    }
  }

 private:
  BrotliEncoderState* state_ = nullptr;
};

class Zstd final : public Encoder {
 public:
  Zstd() : Encoder(Encoding::Zstd), cctx_(ZSTD_createCCtx()) {
    if (cctx_ != nullptr) ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, zstd_level);
  }
  ~Zstd() override { ZSTD_freeCCtx(cctx_); }
  bool valid() const { return cctx_ != nullptr; }
  void reset() override { ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only); }
  // Exact (a Content-Length): the frame says it, and the tables fit the body.
  void size_hint(uint64_t bytes) override { ZSTD_CCtx_setPledgedSrcSize(cctx_, bytes); }
  bool encode(std::string_view in, Then then, std::string& out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    const ZSTD_EndDirective mode = then == Then::End    ? ZSTD_e_end
                                   : then == Then::Wait ? ZSTD_e_flush
                                                        : ZSTD_e_continue;
    for (;;) {
      const size_t room = room_for(in.size() - input.pos);
      char* at = grow(out, room);
      ZSTD_outBuffer output{at, room, 0};
      const size_t left = ZSTD_compressStream2(cctx_, &output, &input, mode);
      out.resize(out.size() - room + output.pos);
      if (ZSTD_isError(left)) return false;
      // Flushed (or ended) with all input taken; `continue` is done once it took the input.
      if (left == 0 || (mode == ZSTD_e_continue && input.pos == input.size)) return true;
    }
  }

 private:
  ZSTD_CCtx* cctx_;
};

template <class T>
Encoder* made() {
  auto e = std::make_unique<T>();
  return e->valid() ? e.release() : nullptr;
}

// A handful per thread is plenty: one per response being encoded at once on this worker.
constexpr size_t spares_kept = 8;
thread_local std::array<std::vector<std::unique_ptr<Encoder>>, 3> spares;

}  // namespace

void EncoderReturn::operator()(Encoder* e) const {
  auto& kept = spares[static_cast<size_t>(e->encoding())];
  if (kept.size() < spares_kept) {
    kept.emplace_back(e);
  } else {
    delete e;
  }
}

EncoderLease take_encoder(Encoding e) {
  auto& kept = spares[static_cast<size_t>(e)];
  if (!kept.empty()) {
    Encoder* reused = kept.back().release();
    kept.pop_back();
    reused->reset();
    return EncoderLease(reused);
  }
  switch (e) {
  case Encoding::Gzip:
    return EncoderLease(made<Gzip>());
  case Encoding::Br:
    return EncoderLease(made<Brotli>());
  case Encoding::Zstd:
    return EncoderLease(made<Zstd>());
  }
  return nullptr;
}

}  // namespace bridge::middleware
