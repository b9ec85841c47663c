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

/// What a live stream sends, produced on any thread and written by the control thread.
/// Workers only append (a record pointer or a short line) to a bounded queue; serializing
/// and filtering by rule happen on the control thread. A reader that falls behind until the
/// queue is full is dropped: its connection closes, and no worker ever waits for it.
struct LineQueue : std::enable_shared_from_this<LineQueue> {
  static constexpr size_t max_items = 4096;
  static constexpr size_t max_line_bytes = 4u << 20;

  explicit LineQueue(asio::any_io_executor executor) : timer(executor), overflow(executor) {
    overflow.expires_at(asio::steady_timer::time_point::max());
  }
  /// Appends a line (the newline is added). False when the queue is full: the stream is
  /// dropped and nothing more is taken.
  bool push(std::string line);
  /// Appends a record for `render`. False when the queue is full (as above).
  bool push(trace::RecordPtr record);
  /// Control thread: everything queued, records rendered; empty when nothing is.
  std::string take();
  bool has_pending();
  bool overflowed() const { return overflowed_.load(std::memory_order_relaxed); }
  /// Runs the cleanup once (unsubscribe, release a breakpoint).
  void close();

  asio::steady_timer timer;     // cancelled to wake the writer
  asio::steady_timer overflow;  // cancelled when the queue overflowed: drop the stream
  std::function<void()> on_close;
  /// Control thread: a record's line (with its newline), or "" when it is filtered out.
  std::function<std::string(const trace::RecordPtr&)> render;

 private:
  bool admit(size_t line_bytes);  // under mutex_
  void wake(bool was_empty);

  std::mutex mutex_;
  std::vector<std::variant<std::string, trace::RecordPtr>> pending_;
  size_t line_bytes_ = 0;
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
