#include "proxy/detail/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>

namespace bridge::proxy {

namespace {

// OpenSSL's socket BIO writes with write(), which raises SIGPIPE once the peer has gone. This
// one sends with MSG_NOSIGNAL: the write fails with EPIPE and the process's signals stay as
// they were (as Asio's own sends do).
int send_nosignal(BIO* bio, const char* data, size_t size, size_t* written) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
  if (n >= 0) {
    *written = static_cast<size_t>(n);
    return 1;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
  return 0;  // errno says why (SSL_ERROR_SYSCALL)
}

long send_control(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int send_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* send_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bridge send");
    BIO_meth_set_write_ex(m, send_nosignal);
    BIO_meth_set_ctrl(m, send_control);
    BIO_meth_set_create(m, send_create);
    return m;
  }();
  return method;
}

}  // namespace

TlsStream::TlsStream(DeadlineStream next, ssl::context& context)
    : next_(std::move(next)), ssl_(SSL_new(context.native_handle())) {
  if (!ssl_) {
    throw boost::system::system_error(
        error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()), "SSL_new");
  }
  error_code ec;
  next_.socket().non_blocking(true, ec);
  // OpenSSL reads the socket through its socket BIO and writes it through send_nosignal;
  // neither closes it (Asio does).
  const int fd = next_.socket().native_handle();
  BIO* out = BIO_new(send_method());
  if (out == nullptr || SSL_set_rfd(ssl_.get(), fd) != 1) {
    BIO_free(out);
    throw boost::system::system_error(
        error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()), "BIO_new");
  }
  BIO_set_data(out, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set0_wbio(ssl_.get(), out);
  // Partial writes: a write_some may end after whole records. Moving buffers: a retried write
  // may come from the gather buffer again. Released buffers: an idle keep-alive connection
  // holds no record buffers (as asio::ssl::stream, nginx and haproxy set it).
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
  // Read ahead into OpenSSL's one-record buffer: a record's header and body in one read (two
  // without). Not into a larger buffer: OpenSSL moves the bytes it holds past a record to the
  // buffer's front (aligning the next record) at every record, which at 64 KiB cost 5% more
  // CPU in memmove at 1 MiB responses than the reads it saved.
  SSL_set_read_ahead(ssl_.get(), 1);
}

bool TlsStream::verify_host(const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
  error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

unsigned char* TlsStream::gather_space() {
  thread_local std::array<unsigned char, record_bytes> space;
  return space.data();
}

bool TlsStream::usable(error_code& ec) {
  if (next_.socket().is_open()) return true;
  ec = asio::error::bad_descriptor;
  return false;
}

TlsStream::Step TlsStream::try_handshake(error_code& ec) {
  if (!usable(ec)) return Step::Done;
  ERR_clear_error();
  errno = 0;
  const int result = SSL_do_handshake(ssl_.get());
  if (result == 1) return Step::Done;
  return failed(result, errno, ec);
}

TlsStream::Step TlsStream::try_read(asio::mutable_buffer into, size_t& n, error_code& ec) {
  n = 0;
  if (!usable(ec)) return Step::Done;
  auto* data = static_cast<unsigned char*>(into.data());
  // One SSL_read returns one record at most: go on while the read-ahead buffer holds more,
  // without a system call that would only say "nothing yet".
  while (n < into.size()) {
    ERR_clear_error();
    errno = 0;
    size_t got = 0;
    const int result = SSL_read_ex(ssl_.get(), data + n, into.size() - n, &got);
    if (result != 1) {
      if (n > 0) break;  // the error, if any, comes back on the next read
      return failed(result, errno, ec);
    }
    n += got;
    if (SSL_has_pending(ssl_.get()) == 0) break;
  }
  return Step::Done;
}

TlsStream::Step TlsStream::try_write(asio::const_buffer piece, size_t& n, error_code& ec) {
  n = 0;
  if (!usable(ec)) return Step::Done;
  const auto* data = static_cast<const unsigned char*>(piece.data());
  // With partial writes on, SSL_write returns after each record it wrote.
  while (n < piece.size()) {
    ERR_clear_error();
    errno = 0;
    size_t wrote = 0;
    const int result = SSL_write_ex(ssl_.get(), data + n, piece.size() - n, &wrote);
    if (result != 1) {
      // After some records went, say whether the socket is full (the caller stops without
      // another try that could only fail); an error waits for the next write.
      const Step step = failed(result, errno, ec);
      if (n > 0) ec = {};
      return step;
    }
    n += wrote;
  }
  return Step::Done;
}

TlsStream::Step TlsStream::try_shutdown(error_code& ec) {
  if (!usable(ec) || SSL_is_init_finished(ssl_.get()) == 0) return Step::Done;
  ERR_clear_error();
  errno = 0;
  const int result = SSL_shutdown(ssl_.get());
  if (result >= 0) return Step::Done;  // 0: our close_notify is out; the peer's is not awaited
  Step step = failed(result, errno, ec);
  return step == Step::WantRead ? Step::Done : step;
}

TlsStream::Step TlsStream::failed(int result, int saved_errno, error_code& ec) {
  switch (SSL_get_error(ssl_.get(), result)) {
  case SSL_ERROR_WANT_READ:
    return Step::WantRead;
  case SSL_ERROR_WANT_WRITE:
    return Step::WantWrite;
  case SSL_ERROR_ZERO_RETURN:  // close_notify
    ec = asio::error::eof;
    break;
  case SSL_ERROR_SYSCALL:
    if (saved_errno != 0) {
      ec = error_code(saved_errno, asio::error::get_system_category());
    } else {
      ec = ssl::error::stream_truncated;  // the peer closed without close_notify
    }
    break;
  default: {
    const unsigned long error = ERR_get_error();
    if (error == 0) {
      ec = asio::error::connection_aborted;  // failed without saying why
    } else if (ERR_GET_LIB(error) == ERR_LIB_SSL &&
               ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
      ec = ssl::error::stream_truncated;
    } else {
      ec = error_code(static_cast<int>(error), asio::error::get_ssl_category());
    }
  }
  }
  ERR_clear_error();
  return Step::Done;
}

}  // namespace bridge::proxy
