#pragma once
// A TCP stream whose reads and writes end with beast::error::timeout once its deadline has
// passed, as with beast::tcp_stream, but without a timer per operation: one timer per worker
// (DeadlineWatch) looks over that worker's streams when the earliest deadline comes and closes
// the overdue ones. beast::tcp_stream arms and cancels a timer for every read and write;
// on a proxied request that was about 8% of all instructions.

#include "proxy/detail/asio.hpp"

#include <boost/intrusive/list.hpp>

#include <optional>

namespace bridge::proxy {

class DeadlineWatch;

using DeadlineHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

/// Wraps a completion handler of a DeadlineStream operation: counts the operation as done and
/// reports a close by the watch as a timeout. Keeps the handler's executor, allocator and
/// cancellation slot (see the asio::associator specialisation below).
template <class Handler>
struct DeadlineCompletion;

class DeadlineStream : public DeadlineHook {
 public:
  using executor_type = tcp::socket::executor_type;

  DeadlineStream(tcp::socket socket, DeadlineWatch& watch);
  /// Only before any operation has started (a stream moves into a TLS stream or a pool entry).
  DeadlineStream(DeadlineStream&& other) noexcept;
  DeadlineStream& operator=(DeadlineStream&&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  tcp::socket& socket() noexcept { return socket_; }

  /// Reads and writes fail with beast::error::timeout if still pending `timeout` from now
  /// (one deadline for both directions, pending operations included).
  void expires_after(Clock::duration timeout);
  void expires_never() { deadline_ = Clock::time_point::max(); }
  void close() {
    error_code ec;
    socket_.close(ec);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          begin_operation();
          socket_.async_read_some(
              b, DeadlineCompletion<std::decay_t<decltype(handler)>>{std::move(handler), this});
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          begin_operation();
          socket_.async_write_some(
              b, DeadlineCompletion<std::decay_t<decltype(handler)>>{std::move(handler), this});
        },
        token, buffers);
  }

  /// Waits until the socket is ready (TlsStream: OpenSSL reads and writes the socket itself).
  template <class Token>
  auto async_wait(tcp::socket::wait_type what, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this](auto handler, tcp::socket::wait_type w) {
          begin_operation();
          socket_.async_wait(
              w, DeadlineCompletion<std::decay_t<decltype(handler)>>{std::move(handler), this});
        },
        token, what);
  }

 private:
  template <class Handler>
  friend struct DeadlineCompletion;
  friend class DeadlineWatch;

  void begin_operation();
  void end_operation(error_code& ec) {
    --pending_;
    if (timed_out_ && ec == asio::error::operation_aborted) ec = beast::error::timeout;
  }

  tcp::socket socket_;
  DeadlineWatch* watch_;
  Clock::time_point deadline_ = Clock::time_point::max();
  int pending_ = 0;         // reads, writes and waits under way
  bool timed_out_ = false;  // closed by the watch: the pending operations end as timeouts
};

template <class Handler>
struct DeadlineCompletion {
  Handler handler;
  DeadlineStream* stream;
  void operator()(error_code ec, size_t n) {
    stream->end_operation(ec);  // before the handler, which may destroy the stream
    std::move(handler)(ec, n);
  }
  void operator()(error_code ec) {
    stream->end_operation(ec);
    std::move(handler)(ec);
  }
};

/// The streams of one worker and the one timer that enforces their deadlines. Worker thread
/// only. Declare it before the io_context that runs the streams (streams unlink themselves
/// when destroyed, some of them while that context is destroyed), start() it with that
/// context and stop() it before the context goes away.
class DeadlineWatch {
 public:
  DeadlineWatch() = default;
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  /// The timer runs on `context`, which must outlive stop() (not this object).
  void start(asio::io_context& context) { timer_.emplace(context); }

  void watch(DeadlineStream& stream) { streams_.push_back(stream); }
  /// An operation started that must end by `deadline`: wake up by then.
  void arm(Clock::time_point deadline) {
    if (deadline < wake_) schedule(deadline);
  }
  /// Drops the timer; streams may still unlink themselves afterwards.
  void stop() {
    timer_.reset();
    wake_ = Clock::time_point::min();  // arm() schedules nothing any more
  }
  size_t size() const { return streams_.size(); }

 private:
  void schedule(Clock::time_point when);
  void sweep();

  std::optional<asio::steady_timer> timer_;
  boost::intrusive::list<DeadlineStream, boost::intrusive::constant_time_size<false>> streams_;
  Clock::time_point wake_ = Clock::time_point::max();
};

inline void DeadlineStream::expires_after(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
  if (pending_ > 0) watch_->arm(deadline_);
}

inline void DeadlineStream::begin_operation() {
  ++pending_;
  watch_->arm(deadline_);
}

}  // namespace bridge::proxy

namespace boost::asio {

template <template <typename, typename> class Associator, typename Handler,
          typename DefaultCandidate>
struct associator<Associator, bridge::proxy::DeadlineCompletion<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type
  get(const bridge::proxy::DeadlineCompletion<Handler>& h) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler);
  }
  static auto get(const bridge::proxy::DeadlineCompletion<Handler>& h,
                  const DefaultCandidate& c) noexcept
      -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
    return Associator<Handler, DefaultCandidate>::get(h.handler, c);
  }
};

}  // namespace boost::asio
