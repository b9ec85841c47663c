#pragma once
// TLS straight over the socket: OpenSSL reads and writes the connection's descriptor itself
// (a socket BIO) and the stream waits for readiness only when OpenSSL asks for it.
// asio::ssl::stream runs every record through a memory BIO pair instead: each byte is copied
// into and out of OpenSSL, and every record costs an asynchronous socket operation. At 64 KiB
// responses over TLS that cost bridge 180 us per response more than haproxy, which uses
// OpenSSL the way this stream does.
//
// Errors read as asio::ssl::stream's do (eof, ssl::error::stream_truncated, system errors,
// asio's SSL category), so callers and messages stay the same. Worker thread only, like the
// DeadlineStream underneath: one read and one write may be under way at once.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/deadline_stream.hpp"

#include <openssl/ssl.h>

#include <memory>

namespace bridge::proxy {

class TlsStream {
 public:
  using executor_type = DeadlineStream::executor_type;
  using next_layer_type = DeadlineStream;

  TlsStream(DeadlineStream next, ssl::context& context);
  /// Only before any operation has started (a connection moves into its pool entry).
  TlsStream(TlsStream&& other) noexcept = default;
  TlsStream& operator=(TlsStream&&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  DeadlineStream& next_layer() noexcept { return next_; }
  SSL* native_handle() noexcept { return ssl_.get(); }

  /// A client that checks the peer's certificate names `host` (a DNS name or an IP literal),
  /// as ssl::host_name_verification does.
  bool verify_host(const std::string& host);

  template <class Token>
  auto async_handshake(ssl::stream_base::handshake_type type, Token&& token) {
    if (type == ssl::stream_base::client) {
      SSL_set_connect_state(ssl_.get());
    } else {
      SSL_set_accept_state(ssl_.get());
    }
    return start<void(error_code)>([this](error_code& ec, size_t&) { return try_handshake(ec); },
                                   std::forward<Token>(token));
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    asio::mutable_buffer into = first_non_empty(buffers);
    return start<void(error_code, size_t)>(
        [this, into](error_code& ec, size_t& n) { return try_read(into, n, ec); },
        std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return start<void(error_code, size_t)>(
        [this, buffers](error_code& ec, size_t& n) { return try_write_all(buffers, n, ec); },
        std::forward<Token>(token));
  }

  /// Sends close_notify; does not wait for the peer's (the socket closes right after).
  template <class Token>
  auto async_shutdown(Token&& token) {
    return start<void(error_code)>([this](error_code& ec, size_t&) { return try_shutdown(ec); },
                                   std::forward<Token>(token));
  }

 private:
  /// What one attempt of an operation came to.
  enum class Step { Done, WantRead, WantWrite };

  struct FreeSsl {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  template <class Signature, class Attempt>
  struct Operation;

  template <class Signature, class Attempt, class Token>
  auto start(Attempt attempt, Token&& token) {
    return asio::async_compose<Token, Signature>(
        Operation<Signature, Attempt>{this, std::move(attempt)}, token, next_.socket());
  }

  template <class Buffers>
  static asio::mutable_buffer first_non_empty(const Buffers& buffers) {
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::mutable_buffer b(*it);
      if (b.size() > 0) return b;
    }
    return {};
  }

  /// Writes as much of `buffers` as the socket takes now. Small pieces are gathered into one
  /// record of up to 16 KiB (a head and the first body bytes leave in one write).
  template <class ConstBuffers>
  Step try_write_all(const ConstBuffers& buffers, size_t& n, error_code& ec) {
    beast::buffers_suffix<ConstBuffers> rest(buffers);
    n = 0;
    while (beast::buffer_bytes(rest) > 0) {
      asio::const_buffer piece = *rest.begin();
      if (piece.size() < record_bytes && piece.size() < beast::buffer_bytes(rest)) {
        piece = asio::const_buffer(gather_space(), asio::buffer_copy(gather_buffer(), rest));
      }
      size_t wrote = 0;
      Step step = try_write(piece, wrote, ec);
      n += wrote;
      rest.consume(wrote);
      if (ec || step != Step::Done) {
        if (n == 0) return step;
        ec = {};  // report what went; the next write meets the error again
        return Step::Done;
      }
    }
    return Step::Done;
  }

  static constexpr size_t record_bytes = 16 * 1024;
  static unsigned char* gather_space();
  static asio::mutable_buffer gather_buffer() { return {gather_space(), record_bytes}; }

  Step try_handshake(error_code& ec);
  Step try_read(asio::mutable_buffer into, size_t& n, error_code& ec);
  Step try_write(asio::const_buffer piece, size_t& n, error_code& ec);
  Step try_shutdown(error_code& ec);
  /// Why an SSL call that returned `result` did not finish; `saved_errno` right after it.
  Step failed(int result, int saved_errno, error_code& ec);
  /// False (ec set) once the socket is closed: the descriptor may belong to another
  /// connection by then, so OpenSSL must not touch it.
  bool usable(error_code& ec);

  DeadlineStream next_;
  std::unique_ptr<SSL, FreeSsl> ssl_;
};

/// Runs `attempt` until it is Done, waiting for the socket between tries as OpenSSL asks.
/// An attempt that is Done before any wait completes through a post, never inside the
/// initiating call (what Asio promises of every asynchronous operation).
template <class Signature, class Attempt>
struct TlsStream::Operation {
  Operation(TlsStream* s, Attempt a) : stream(s), attempt(std::move(a)) {}

  TlsStream* stream;
  Attempt attempt;
  error_code result;
  size_t bytes = 0;
  bool waited = false;
  bool finished = false;

  template <class Self>
  void operator()(Self& self, error_code wait_error = {}) {
    if (!finished) {
      if (wait_error) {
        result = wait_error;  // closed by the deadline watch (timeout), or cancelled
      } else {
        Step step = attempt(result, bytes);
        if (step != Step::Done) {
          waited = true;
          stream->next_.async_wait(step == Step::WantRead ? tcp::socket::wait_read
                                                          : tcp::socket::wait_write,
                                   std::move(self));
          return;
        }
      }
      finished = true;
      if (!waited) {
        asio::post(stream->get_executor(), std::move(self));
        return;
      }
    }
    if constexpr (std::is_same_v<Signature, void(error_code)>) {
      self.complete(result);
    } else {
      self.complete(result, bytes);
    }
  }
};

/// A client connection on an HTTPS listener.
using TlsClientStream = TlsStream;

}  // namespace bridge::proxy
