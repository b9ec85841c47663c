#pragma once
// One worker: an io_context run by one thread, its acceptors, its upstream connection pools
// and the connections it accepted. Everything here is touched only on the worker's thread,
// except the atomics and `post`.

#include "net/listen.hpp"
#include "proxy/detail/access_log.hpp"
#include "proxy/detail/asio.hpp"
#include "proxy/detail/buffer_pool.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/runtime.hpp"
#include "proxy/detail/upstream_pool.hpp"
#include "proxy/snapshot.hpp"

#include <algorithm>
#include <array>
#include <list>
#include <map>
#include <memory>
#include <thread>

namespace bridge::proxy {

/// Per-connection bookkeeping so that drain can close idle keep-alive connections.
struct ConnectionSlot {
  tcp::socket* socket = nullptr;
  bool busy = false;
  // How the connection drains itself, when it knows better than a closed socket (HTTP/2
  // says GOAWAY and lets its streams finish); null for HTTP/1.x.
  void (*drain)(void* context) = nullptr;
  void* drain_context = nullptr;
  // Ends the connection now, once the drain timeout has passed, so that it is recorded as
  // drained (a TCP relay); null: the connection goes when its worker does.
  void (*close_now)(void* context) = nullptr;
  void* close_context = nullptr;
  // The request being served, for the log line of a failure (no allocation per request).
  std::array<char, 128> request_id{};
  uint8_t request_id_size = 0;
  void set_request_id(std::string_view id) {
    request_id_size = static_cast<uint8_t>(std::min(id.size(), request_id.size()));
    std::copy_n(id.data(), request_id_size, request_id.data());
  }
  std::string_view current_request_id() const { return {request_id.data(), request_id_size}; }
};

struct ConnectionEnds;

class Worker {
 public:
  Worker(int index, std::shared_ptr<AccessLog> access_log, Runtime& runtime);
  ~Worker();

  asio::io_context& context() { return context_; }
  int index() const { return index_; }

  /// Called on the worker thread.
  const std::shared_ptr<const Snapshot>& snapshot() const { return snapshot_; }
  void set_snapshot(std::shared_ptr<const Snapshot> snapshot) { snapshot_ = std::move(snapshot); }
  /// HTTPS listeners' contexts; new connections use the current map (reload swaps it).
  void set_tls(std::shared_ptr<const ListenerTlsMap> tls) { tls_ = std::move(tls); }
  UpstreamPools& pools() { return pools_; }
  BufferPool& buffers() { return buffers_; }
  /// Timeouts of this worker's client and upstream streams.
  DeadlineWatch& deadlines() { return deadlines_; }
  /// A fresh record for the next exchange: a finished one when there is one (its strings
  /// and header blocks keep their memory, and it is still in cache).
  std::shared_ptr<trace::Record> take_record();
  void recycle(std::shared_ptr<trace::Record> record);
  AccessLog& access_log() { return *access_log_; }
  Runtime& runtime() { return runtime_; }
  bool draining() const { return draining_; }

  /// Opens (or keeps) one SO_REUSEPORT acceptor per listener and closes removed ones.
  /// Worker thread only. Errors are returned, not thrown.
  Result<void> sync_listeners(const std::vector<std::pair<std::string, tcp::endpoint>>& binds);

  /// Stop accepting, close idle connections, let busy ones finish. Worker thread only.
  void begin_drain();
  /// The drain timeout passed: ends the connections that can end themselves (close_now).
  void close_lingering();
  size_t open_connections() const { return connections_.size(); }
  std::atomic<size_t>& live_connections() { return live_; }

  std::list<ConnectionSlot>::iterator add_connection(tcp::socket* socket);
  void remove_connection(std::list<ConnectionSlot>::iterator slot);

  void start_thread();
  void join();

 private:
  struct Acceptor {
    std::string name;
    tcp::endpoint endpoint;
    std::unique_ptr<tcp::acceptor> acceptor;
  };
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::string listener_name);
  /// At most this many connections accepted in one pass of the event loop (haproxy's
  /// tune.maxaccept default).
  static constexpr int max_accept_batch = 64;
  bool at_cap(const std::atomic<uint64_t>& open, const std::string& listener_name) const;
  /// Starts serving an accepted connection; `slot` is the listener count reserved for it,
  /// `failure_context` names the worker and listener in a log line should it throw.
  void serve(tcp::socket socket, ConnectionEnds ends, const std::string& listener_name,
             std::shared_ptr<std::atomic<uint64_t>> slot,
             const std::shared_ptr<const std::string>& failure_context);
  /// Relay buffers a burst left spare go back to the allocator bit by bit once it is over.
  void schedule_buffer_trim();

  int index_;
  // Declared before the io_context, so destroyed after it: coroutines still suspended when a
  // worker goes away (a drain that timed out) are destroyed with the context, and their
  // destructors log the request, return relay buffers and hand back records.
  std::shared_ptr<AccessLog> access_log_;
  BufferPool buffers_;
  std::vector<std::shared_ptr<trace::Record>> spare_records_;
  DeadlineWatch deadlines_;  // streams in suspended coroutines unlink from it as they go
  std::list<ConnectionSlot> connections_;  // ConnectionLease gives slots back as frames go
  std::atomic<size_t> live_{0};
  // One thread runs it, and only that thread starts, performs or cancels operations on its
  // sockets (other threads post to it: reloads, drain, certificates), so the reactor's
  // per-socket lock is off; the scheduler's stays, for those posts. About 300 instructions
  // per proxied request (two lock/unlock pairs per read and write).
  asio::io_context context_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer buffer_trim_{context_};
  std::thread thread_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::shared_ptr<const ListenerTlsMap> tls_ = std::make_shared<const ListenerTlsMap>();
  Runtime& runtime_;
  UpstreamPools pools_;
  std::map<std::string, Acceptor> acceptors_;
  bool draining_ = false;
};

using net::open_acceptor;  // net/listen.hpp, shared with the admin API
using net::parse_bind;

/// A connection's slot in its worker, given back however the connection ends (an exception
/// included): a slot left behind would be counted by /metrics and waited for by drain.
class ConnectionLease {
 public:
  ConnectionLease(Worker& worker, tcp::socket* socket)
      : worker_(worker), slot_(worker.add_connection(socket)) {}
  ~ConnectionLease() { worker_.remove_connection(slot_); }
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;
  ConnectionSlot& slot() { return *slot_; }

 private:
  Worker& worker_;
  std::list<ConnectionSlot>::iterator slot_;
};

}  // namespace bridge::proxy
