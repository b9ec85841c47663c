#pragma once
// Admin API request handling, separate from the socket code in admin.cpp.

#include "proxy/admin.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

namespace bridge::proxy {

struct AdminRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string_view path() const;
  /// Percent-decoded value of query parameter `name`, empty when absent.
  std::string param(std::string_view name) const;
};

/// A record on its way to the live streams: one per record for all of them, its summary line
/// serialized once, on the control thread, by the first stream that writes it.
struct StreamRecord {
  explicit StreamRecord(trace::RecordPtr r) : record(std::move(r)) {}
  trace::RecordPtr record;
  std::string line;  // control thread only; empty until serialized
};

/// What a live stream sends, produced on any thread and written by the control thread.
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

struct AdminReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::shared_ptr<LineQueue> stream;  // set for ndjson streams
};

AdminReply json_reply(int status, const nlohmann::json& body);
AdminReply error_reply(int status, const std::string& code, const std::string& message);

AdminReply handle_admin_request(AdminHooks& hooks, const AdminRequest& request);

/// GET /v1/stream: a stream of request summaries (admin_streams.cpp).
AdminReply stream_requests(AdminHooks& hooks, const AdminRequest& request);
/// GET /v1/breakpoints/{id}/events: the requests breakpoint `id` holds, as they are held.
AdminReply breakpoint_events(AdminHooks& hooks, const std::string& id);

/// A request view rebuilt from a stored record, for explain and for stream rule filters.
struct RecordView {
  std::string decoded_path;
  std::vector<route::HeaderField> fields;
  route::RequestView view;
  explicit RecordView(const trace::Record& r);
};

/// ?route=, ?status= and ?since= of /v1/requests and /v1/stream; false with `why` when bad.
bool parse_filter(const AdminRequest& request, trace::RecordFilter& filter, std::string& why);

}  // namespace bridge::proxy
