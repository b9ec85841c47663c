#pragma once
// What a live stream of the admin API sends, produced on any thread and written by the
// control thread (streams.cpp).

#include "trace/record.hpp"
#include "trace/store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace bridge::admin {

namespace asio = boost::asio;

/// A record on its way to the live streams: one per record for all of them, its summary line
/// serialized once, on the control thread, by the first stream that writes it.
struct StreamRecord {
  explicit StreamRecord(trace::RecordPtr r) : record(std::move(r)) {}
  trace::RecordPtr record;
  std::string line;  // control thread only; empty until serialized
};

/// Workers only append to a bounded queue, and wake the writer only when it waits for work;
/// serializing and rule filters run on the control thread. A reader that falls behind until
/// the queue is full is dropped: its connection closes, and no worker ever waits for it.
struct LineQueue : std::enable_shared_from_this<LineQueue> {
  static constexpr size_t max_items = 4096;
  static constexpr size_t max_line_bytes = 4u << 20;

  explicit LineQueue(asio::any_io_executor executor) : timer(executor), overflow(executor) {
    overflow.expires_at(asio::steady_timer::time_point::max());
  }
  /// Appends a line (the newline is added). False when the queue is full: the stream is
  /// dropped and nothing more is taken.
  bool push(std::string line);
  /// Appends a record (the same StreamRecord for every stream). False when full, as above.
  bool push(const std::shared_ptr<StreamRecord>& record);
  /// Control thread: true when something is queued; else the writer is marked as waiting,
  /// so that the next push wakes it (cancels `timer`).
  bool ready_or_wait();
  /// Control thread: everything queued, as ndjson; empty when nothing (left after `keep`) is.
  std::string take();
  bool overflowed() const { return overflowed_.load(std::memory_order_relaxed); }
  /// Runs the cleanup once (unsubscribe, release a breakpoint).
  void close();

  asio::steady_timer timer;     // cancelled to wake the writer
  asio::steady_timer overflow;  // cancelled when the queue overflowed: drop the stream
  std::function<void()> on_close;
  /// Control thread: whether this stream shows a record (a ?rule= filter); all when empty.
  std::function<bool(const trace::Record&)> keep;

 private:
  using Item = std::variant<std::string, std::shared_ptr<StreamRecord>>;
  bool push_item(Item item, size_t line_bytes);

  std::mutex mutex_;
  std::vector<Item> pending_;    // guarded by mutex_
  size_t line_bytes_ = 0;        // guarded by mutex_
  bool writer_waiting_ = false;  // guarded by mutex_
  std::atomic<bool> closed_{false};
  std::atomic<bool> overflowed_{false};
};

}  // namespace bridge::admin
