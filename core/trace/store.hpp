#pragma once
/// The bounded in-memory store of recent request records. Sharded per worker: a worker only
/// ever locks its own shard (uncontended), readers (the admin API) lock one shard at a time.
/// Subscribers (live streams) are called on the worker thread and must only hand off.

#include "trace/record.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace bridge::trace {

using RecordPtr = std::shared_ptr<const Record>;

struct RecordFilter {
  std::string route;
  int status = 0;        // exact status, or
  int status_class = 0;  // 1..5 for "1xx".."5xx"
  std::optional<std::chrono::system_clock::time_point> since;
  bool matches(const Record& r) const;
};

/// "404" or "5xx" -> filter fields; false when malformed.
bool parse_status_filter(std::string_view text, RecordFilter& filter);

class Store {
 public:
  /// `capacity` records in all (0 turns recording off), spread over `shards` rings.
  Store(size_t capacity, size_t shards);

  bool enabled() const { return per_shard_ > 0; }
  /// Stores `record` (readers see it as const from here on). Returns the record it pushed
  /// out of the ring when nobody else holds that one any more, for the caller to reuse.
  std::shared_ptr<Record> add(size_t shard, std::shared_ptr<Record> record);
  /// Newest first, at most `limit`.
  std::vector<RecordPtr> query(const RecordFilter& filter, size_t limit) const;
  RecordPtr find(std::string_view request_id) const;
  size_t size() const;
  size_t capacity() const { return per_shard_ * shards_.size(); }

  using Subscriber = std::function<void(const RecordPtr&)>;
  /// Returns a token; `unsubscribe(token)` stops the calls.
  uint64_t subscribe(Subscriber subscriber);
  void unsubscribe(uint64_t token);

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::vector<std::shared_ptr<Record>> ring;
    size_t next = 0;
  };
  size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex subscribers_mutex_;
  std::vector<std::pair<uint64_t, Subscriber>> subscribers_;
  std::atomic<size_t> subscriber_count_{0};
  uint64_t next_token_ = 1;
};

}  // namespace bridge::trace
