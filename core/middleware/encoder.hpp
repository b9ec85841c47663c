#pragma once
/// Streaming encoders for compress: gzip (zlib), br (libbrotli) and zstd (libzstd). The
/// encoder is flushed whenever the proxy is about to wait for more of the body, so a streamed
/// response (server-sent events, a long poll) reaches the client as it comes rather than when
/// the encoder's window fills; pieces already at hand are encoded without a flush between.

#include "middleware/middleware.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace bridge::middleware {

/// What follows a piece given to Encoder::encode().
enum class Then {
  More,  // more of the body, at once: the encoder may keep output back
  Wait,  // a wait for more: everything so far is flushed out
  End,   // nothing: the stream ends
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  /// Appends the encoding of `in` to `out`, flushed or ended as `then` says. False when the
  /// library failed (out of memory): the response cannot go on.
  virtual bool encode(std::string_view in, Then then, std::string& out) = 0;
  /// Ready for a new stream.
  virtual void reset() = 0;
  /// The body's length, when its Content-Length says it, before the first encode(): zstd and
  /// brotli size their tables by it (a 100 KB body then costs a fraction of the tables a
  /// window of megabytes needs).
  virtual void size_hint(uint64_t /*bytes*/) {}
  Encoding encoding() const { return encoding_; }

 protected:
  explicit Encoder(Encoding e) : encoding_(e) {}

 private:
  Encoding encoding_;
};

/// Gives an encoder back to its thread's spares when the response is done: an encoder's state
/// is hundreds of KiB (zlib's window, zstd's tables), too much to allocate per response.
struct EncoderReturn {
  void operator()(Encoder* e) const;
};
using EncoderLease = std::unique_ptr<Encoder, EncoderReturn>;

/// An encoder for `e`, reset, from the thread's spares when it has one; null when the library
/// cannot allocate one.
EncoderLease take_encoder(Encoding e);

}  // namespace bridge::middleware
