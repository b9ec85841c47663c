#pragma once
/// The bounded in-memory store of recent request records. Sharded per worker: a worker only
/// ever locks its own shard (uncontended), readers (the admin API) lock one shard at a time.
/// Records are kept serialized, one compact block per slot, copied in with streaming stores:
/// a full store is 10,000 records, and writing each into cold memory as a live object (a
/// dozen strings and four header lists) cost the proxy more than everything else recording
/// does. Readers get a rebuilt Record. Subscribers (live streams) are called on the worker
/// thread and must only hand off.

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
  ~Store();

  bool enabled() const { return per_shard_ > 0; }
  /// Copies `record` into shard `shard`'s ring (the oldest record there makes room) and
  /// hands a shared copy to subscribers, if there are any.
  void add(size_t shard, const Record& record);
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
  struct Shard;  // store.cpp
  size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::mutex subscribers_mutex_;
  std::vector<std::pair<uint64_t, Subscriber>> subscribers_;
  std::atomic<size_t> subscriber_count_{0};
  uint64_t next_token_ = 1;
};

}  // namespace bridge::trace
