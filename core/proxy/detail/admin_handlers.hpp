#pragma once
// Admin API request handling, separate from the socket code in admin.cpp.

#include "proxy/admin.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

namespace bridge::proxy {

struct AdminRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string_view path() const;
  /// Percent-decoded value of query parameter `name`, empty when absent.
  std::string param(std::string_view name) const;
};

/// Lines produced on any thread for a streaming response on the control thread.
struct LineQueue : std::enable_shared_from_this<LineQueue> {
  explicit LineQueue(asio::any_io_executor executor) : timer(executor) {}
  /// Appends a line (adds the newline); false when the reader is too far behind (dropped).
  bool push(const std::string& line);
  std::string take();
  bool has_pending();
  /// Runs the cleanup once (unsubscribe, release a breakpoint).
  void close();

  asio::steady_timer timer;  // cancelled to wake the writer
  std::function<void()> on_close;

 private:
  std::mutex mutex_;
  std::string pending_;
  std::atomic<bool> closed_{false};
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

}  // namespace bridge::proxy
