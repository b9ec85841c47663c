#include "proxy/detail/worker.hpp"

#include "common/spawn.hpp"
#include "net/owned_socket.hpp"
#include "proxy/detail/session.hpp"
#include "proxy/detail/tcp_session.hpp"

#include <spdlog/spdlog.h>

namespace bridge::proxy {

Worker::Worker(int index, std::shared_ptr<AccessLog> access_log, Runtime& runtime)
    : index_(index), access_log_(std::move(access_log)), work_(asio::make_work_guard(context_)),
      runtime_(runtime), pools_(context_, deadlines_) {
  deadlines_.start(context_);
  buffers_.on_surplus([this] { schedule_buffer_trim(); });
}

void Worker::schedule_buffer_trim() {
  buffer_trim_.expires_after(std::chrono::seconds(10));
  buffer_trim_.async_wait([this](error_code ec) {
    if (!ec && buffers_.trim()) schedule_buffer_trim();
  });
}

Worker::~Worker() {
  // Frames destroyed with the context give buffers back after the trim timer is gone.
  buffers_.on_surplus(nullptr);
  work_.reset();
  context_.stop();
  join();
  deadlines_.stop();  // its timer goes before the context; the streams go with the context
}

void Worker::start_thread() {
  thread_ = std::thread([this] {
    for (;;) {
      try {
        context_.run();
        return;
      } catch (const std::exception& e) {
        // A throw on the data plane is a bug; log it and keep the worker serving.
        spdlog::error("worker {}: unexpected exception: {}", index_, e.what());
      }
    }
  });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

Result<void>
Worker::sync_listeners(const std::vector<std::pair<std::string, tcp::endpoint>>& binds) {
  std::map<std::string, Acceptor> next;
  for (const auto& [name, endpoint] : binds) {
    auto it = acceptors_.find(name);
    if (it != acceptors_.end() && it->second.endpoint == endpoint) {
      next[name] = std::move(it->second);
      acceptors_.erase(it);
      continue;
    }
    auto opened = open_acceptor(context_, endpoint, true);
    if (!opened) {
      Error e = opened.error();
      e.message = "listener \"" + name + "\": " + e.message;
      e.subject = name;  // the server points at the listener's bind line
      return e;
    }
    Acceptor acceptor{name, endpoint, std::move(*opened)};
    asio::co_spawn(context_, accept_loop(*acceptor.acceptor, name),
                   log_failure("worker " + std::to_string(index_) + ", accepting on " + name));
    next[name] = std::move(acceptor);
  }
  for (auto& [name, old] : acceptors_) {
    error_code ec;
    old.acceptor->close(ec);  // its accept_loop ends; established connections stay
  }
  acceptors_ = std::move(next);
  return {};
}

namespace {

// Takes one of a listener's connection slots unless `cap` (non-zero) are taken, across all
// workers: a compare-and-swap, so two workers cannot both take the last slot.
bool reserve_slot(std::atomic<uint64_t>& open, uint64_t cap) {
  uint64_t n = open.load(std::memory_order_relaxed);
  while (cap == 0 || n < cap) {
    if (open.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

// Holds a slot taken by reserve_slot until the connection ends.
struct CountedConnection {
  std::shared_ptr<std::atomic<uint64_t>> count;
  explicit CountedConnection(std::shared_ptr<std::atomic<uint64_t>> c) : count(std::move(c)) {}
  CountedConnection(CountedConnection&& other) noexcept : count(std::move(other.count)) {}
  ~CountedConnection() {
    if (count) count->fetch_sub(1, std::memory_order_relaxed);
  }
};

asio::awaitable<void> serve_counted(asio::awaitable<void> connection,
                                    [[maybe_unused]] CountedConnection held) {
  co_await std::move(connection);
}

}  // namespace

asio::awaitable<void> Worker::accept_loop(tcp::acceptor& acceptor, std::string listener_name) {
  auto open = runtime_.listener_connections.get(listener_name);
  error_code lec;
  const tcp::endpoint listening = acceptor.local_endpoint(lec);
  const std::string listening_ip =
      listening.address().is_unspecified() ? std::string() : listening.address().to_string();
  acceptor.non_blocking(true, lec);  // accept4() says would_block when the backlog is empty
  const auto failure_context = std::make_shared<const std::string>(
      "worker " + std::to_string(index_) + ", listener " + listener_name);
  asio::steady_timer wait(context_);
  // The acceptor object lives in acceptors_ until closed; keep serving until then.
  for (;;) {
    // At the cap, new connections wait in the kernel's backlog (as nginx's worker_connections
    // and Envoy's max_connections): polled, since a slot may free on another worker.
    if (at_cap(*open, listener_name)) {
      wait.expires_after(std::chrono::milliseconds(5));
      co_await wait.async_wait(nothrow);
      if (!acceptor.is_open()) co_return;
      continue;
    }
    auto [ec] = co_await acceptor.async_wait(tcp::acceptor::wait_read, nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    // Everything in the backlog, up to max_accept_batch in this pass of the event loop
    // (haproxy's maxaccept): the new connections connect upstream together, so a backend
    // asleep in epoll is woken once for the batch rather than once per connection. A slot is
    // taken before each accept, so no connection is taken past the cap.
    for (int batch = 0; batch < max_accept_batch; ++batch) {
      if (draining_) co_return;
      if (!reserve_slot(*open, snapshot()->policy(listener_name).max_connections)) break;
      tcp::endpoint peer;  // from accept4() itself: no getpeername() per connection
      tcp::socket socket = net::accept_connection(acceptor, peer, ec);
      if (ec) {
        open->fetch_sub(1, std::memory_order_relaxed);
        if (ec == asio::error::would_block) break;
        // EMFILE and friends: back off instead of spinning.
        spdlog::warn("accept on {}: {}", listener_name, ec.message());
        asio::steady_timer pause(context_, std::chrono::milliseconds(100));
        co_await pause.async_wait(nothrow);
        break;
      }
      serve(std::move(socket), ConnectionEnds::accepted(peer, listening_ip, listening.port()),
            listener_name, open, failure_context);
    }
  }
}

bool Worker::at_cap(const std::atomic<uint64_t>& open, const std::string& listener_name) const {
  const uint64_t cap = snapshot()->policy(listener_name).max_connections;
  return cap > 0 && open.load(std::memory_order_relaxed) >= cap;
}

void Worker::serve(tcp::socket socket, ConnectionEnds ends, const std::string& listener_name,
                   std::shared_ptr<std::atomic<uint64_t>> slot,
                   const std::shared_ptr<const std::string>& failure_context) {
  CountedConnection held(std::move(slot));
  if (snapshot()->policy(listener_name).tcp) {
    asio::co_spawn(context_,
                   serve_counted(serve_tcp_connection(std::move(socket), std::move(ends), *this,
                                                      listener_name),
                                 std::move(held)),
                   log_failure(failure_context));
    return;
  }
  auto tls = tls_->find(listener_name);
  asio::co_spawn(
      context_,
      serve_counted(serve_connection(std::move(socket), std::move(ends), *this, listener_name,
                                     tls == tls_->end() ? nullptr : tls->second),
                    std::move(held)),
      log_failure(failure_context));
}

std::list<ConnectionSlot>::iterator Worker::add_connection(tcp::socket* socket) {
  ++live_;
  return connections_.insert(connections_.end(), ConnectionSlot{socket, false});
}

void Worker::remove_connection(std::list<ConnectionSlot>::iterator slot) {
  connections_.erase(slot);
  --live_;
}

std::shared_ptr<trace::Record> Worker::take_record() {
  if (spare_records_.empty()) return std::make_shared<trace::Record>();
  auto record = std::move(spare_records_.back());
  spare_records_.pop_back();
  record->reset();
  return record;
}

void Worker::recycle(std::shared_ptr<trace::Record> record) {
  // A burst of concurrent requests (1,000 HTTP/2 streams in flight is 10 connections at their
  // default limit), not the whole store: a few KiB each once warm.
  constexpr size_t max_spares = 1024;
  if (record && spare_records_.size() < max_spares) spare_records_.push_back(std::move(record));
}

void Worker::close_lingering() {
  // A slot goes away as its connection ends, possibly inside close_now: step first.
  for (auto it = connections_.begin(); it != connections_.end();) {
    auto& slot = *it++;
    if (slot.close_now != nullptr) slot.close_now(slot.close_context);
  }
}

void Worker::begin_drain() {
  draining_ = true;
  for (auto& [name, a] : acceptors_) {
    error_code ec;
    a.acceptor->close(ec);
  }
  acceptors_.clear();
  for (auto& slot : connections_) {
    if (slot.drain != nullptr) {
      slot.drain(slot.drain_context);
    } else if (!slot.busy) {
      error_code ec;
      slot.socket->cancel(ec);
      slot.socket->shutdown(tcp::socket::shutdown_both, ec);
    }
  }
}

}  // namespace bridge::proxy
