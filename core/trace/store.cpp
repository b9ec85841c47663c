#include "trace/store.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace bridge::trace {

bool RecordFilter::matches(const Record& r) const {
  if (!route.empty() && r.route != route) return false;
  if (status != 0 && r.status != status) return false;
  if (status_class != 0 && r.status / 100 != status_class) return false;
  if (since && r.start < *since) return false;
  return true;
}

bool parse_status_filter(std::string_view text, RecordFilter& filter) {
  if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && (text[1] == 'x' || text[1] == 'X') &&
      (text[2] == 'x' || text[2] == 'X')) {
    filter.status_class = text[0] - '0';
    return true;
  }
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 100 || value > 599) {
    return false;
  }
  filter.status = value;
  return true;
}

Store::Store(size_t capacity, size_t shards) {
  shards = std::max<size_t>(shards, 1);
  per_shard_ = capacity == 0 ? 0 : (capacity + shards - 1) / shards;
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::shared_ptr<Record> Store::add(size_t shard_index, std::shared_ptr<Record> record) {
  if (subscriber_count_.load(std::memory_order_relaxed) > 0) {
    RecordPtr shared = record;
    std::lock_guard lock(subscribers_mutex_);
    for (auto& [token, subscriber] : subscribers_) subscriber(shared);
  }
  if (per_shard_ == 0) return nullptr;
  Shard& shard = *shards_[shard_index % shards_.size()];
  std::shared_ptr<Record> evicted;
  {
    std::lock_guard lock(shard.mutex);
    if (shard.ring.size() < per_shard_) {
      shard.ring.push_back(std::move(record));
      return nullptr;
    }
    evicted = std::exchange(shard.ring[shard.next], std::move(record));
    shard.next = (shard.next + 1) % per_shard_;
  }
  // Readers copy pointers only under the shard lock, so a count of one cannot grow again; the
  // fence orders the last reader's accesses before our reuse.
  if (evicted.use_count() != 1) return nullptr;
  std::atomic_thread_fence(std::memory_order_acquire);
  return evicted;
}

std::vector<RecordPtr> Store::query(const RecordFilter& filter, size_t limit) const {
  std::vector<RecordPtr> out;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const auto& r : shard->ring) {
      if (filter.matches(*r)) out.push_back(r);
    }
  }
  std::sort(out.begin(), out.end(), [](const RecordPtr& a, const RecordPtr& b) {
    return a->start > b->start;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

RecordPtr Store::find(std::string_view request_id) const {
  RecordPtr best;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (const auto& r : shard->ring) {
      // A trusted incoming id can repeat: the newest record with it wins.
      if (r->request_id == request_id && (!best || r->start > best->start)) best = r;
    }
  }
  return best;
}

size_t Store::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->ring.size();
  }
  return n;
}

uint64_t Store::subscribe(Subscriber subscriber) {
  std::lock_guard lock(subscribers_mutex_);
  uint64_t token = next_token_++;
  subscribers_.emplace_back(token, std::move(subscriber));
  subscriber_count_ = subscribers_.size();
  return token;
}

void Store::unsubscribe(uint64_t token) {
  std::lock_guard lock(subscribers_mutex_);
  std::erase_if(subscribers_, [&](const auto& s) { return s.first == token; });
  subscriber_count_ = subscribers_.size();
}

}  // namespace bridge::trace
