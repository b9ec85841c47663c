#include "net/owned_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#if defined(BOOST_ASIO_HAS_IOCP) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "owned_socket.cpp sets the state of Asio's reactive (epoll) socket service"
#endif

namespace bridge::net {

namespace {

using boost::asio::ip::tcp;
using boost::system::error_code;

// assign() must treat a descriptor as possibly dup()ed: Asio then sets O_NONBLOCK with an
// ioctl() before the first operation, and takes the descriptor out of epoll with an
// epoll_ctl() before close() (closing a dup would leave it registered). A descriptor this
// process just made with SOCK_NONBLOCK is neither blocking nor shared, so both calls are
// dropped: two of the ~20 system calls a proxied connection costs on each socket.
class OwnedSocket : public tcp::socket {
 public:
  using tcp::socket::socket;
  void mark_non_blocking_and_unshared() {
    namespace ops = boost::asio::detail::socket_ops;
    auto& state = impl_.get_implementation().state_;
    state |= ops::internal_non_blocking;
    state &= ~ops::possible_dup;
  }
};

tcp::socket adopt(const boost::asio::any_io_executor& executor, int fd, const tcp& protocol,
                  error_code& ec) {
  OwnedSocket socket(executor);
  socket.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return tcp::socket(executor);
  }
  socket.mark_non_blocking_and_unshared();
  return socket;  // moved into a plain tcp::socket: the state set above goes with it
}

}  // namespace

tcp::socket accept_connection(tcp::acceptor& acceptor, tcp::endpoint& peer, error_code& ec) {
  socklen_t size;
  int fd;
  // A client that gave up while it waited in the backlog (ECONNABORTED, EPROTO): the next one.
  do {
    size = static_cast<socklen_t>(peer.capacity());
    fd = ::accept4(acceptor.native_handle(), peer.data(), &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EPROTO));
  if (fd < 0) {
    ec = error_code(errno, boost::system::system_category());  // EAGAIN: would_block
    return tcp::socket(acceptor.get_executor());
  }
  peer.resize(size);
  return adopt(acceptor.get_executor(), fd, peer.protocol(), ec);
}

tcp::socket open_stream_socket(const boost::asio::any_io_executor& executor, int family,
                               error_code& ec) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = error_code(errno, boost::system::system_category());
    return tcp::socket(executor);
  }
  return adopt(executor, fd, family == AF_INET6 ? tcp::v6() : tcp::v4(), ec);
}

size_t read_now(tcp::socket& socket, void* data, size_t size, error_code& ec) {
  ssize_t n;
  do {
    n = ::recv(socket.native_handle(), data, size, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<size_t>(n);
  ec = error_code(errno, boost::system::system_category());  // EAGAIN: would_block
  return 0;
}

}  // namespace bridge::net
