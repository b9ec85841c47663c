#include "trace/store.hpp"

#include "trace/detail/record_codec.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace bridge::trace {

namespace {

constexpr size_t slot_alignment = 64;

// Copies into a slot without reading its old lines into the cache first (and without
// evicting the proxy's working set for bytes that are read back rarely, if ever).
void copy_around_cache(char* to, const char* from, size_t n) {
#if defined(__SSE2__)
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(to + i),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i)));
  }
  std::memcpy(to + i, from + i, n - i);
  _mm_sfence();
#else
  std::memcpy(to, from, n);
#endif
}

}  // namespace

// One slot per record: its encoded bytes in a block that only grows (64-byte aligned for the
// streaming stores), and the shared hash of the config that routed it.
struct Store::Shard {
  struct Slot {
    struct Free {
      void operator()(char* p) const { std::free(p); }
    };
    std::unique_ptr<char, Free> bytes;
    size_t size = 0;
    size_t room = 0;
    std::shared_ptr<const std::string> config_hash;
    std::string_view view() const { return {bytes.get(), size}; }
  };
  mutable std::mutex mutex;
  std::vector<Slot> ring;
  size_t next = 0;
  size_t used = 0;

  RecordPtr rebuild(const Slot& slot) const {
    auto record = std::make_shared<Record>();
    if (!detail::decode(slot.view(), *record)) return nullptr;
    record->config_hash = slot.config_hash;
    return record;
  }
  // Oldest first: slots [next, end) then [0, next) once the ring has wrapped.
  template <class F>
  void each(F&& f) const {
    for (size_t i = 0; i < used; ++i) f(ring[(next + ring.size() - used + i) % ring.size()]);
  }
};

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
  for (size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->ring.resize(per_shard_);
  }
}

Store::~Store() = default;

void Store::add(size_t shard_index, const Record& record) {
  if (subscriber_count_.load(std::memory_order_relaxed) > 0) {
    RecordPtr shared = std::make_shared<const Record>(record);
    std::lock_guard lock(subscribers_mutex_);
    for (auto& [token, subscriber] : subscribers_) subscriber(shared);
  }
  if (per_shard_ == 0) return;
  thread_local std::string encoded;  // warm: reused by every record this thread stores
  detail::encode(record, encoded);
  Shard& shard = *shards_[shard_index % shards_.size()];
  std::lock_guard lock(shard.mutex);
  Shard::Slot& slot = shard.ring[shard.next];
  if (slot.room < encoded.size()) {
    // A quarter to spare, so that a slot settles after a few records instead of growing often.
    size_t room = (encoded.size() * 5 / 4 + slot_alignment - 1) / slot_alignment * slot_alignment;
    slot.bytes.reset(static_cast<char*>(std::aligned_alloc(slot_alignment, room)));
    slot.room = slot.bytes ? room : 0;
    if (!slot.bytes) return;  // out of memory: this record is not kept
  }
  copy_around_cache(slot.bytes.get(), encoded.data(), encoded.size());
  slot.size = encoded.size();
  slot.config_hash = record.config_hash;
  shard.next = (shard.next + 1) % per_shard_;
  shard.used = std::min(shard.used + 1, per_shard_);
}

std::vector<RecordPtr> Store::query(const RecordFilter& filter, size_t limit) const {
  std::vector<RecordPtr> out;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    shard->each([&](const Shard::Slot& slot) {
      if (auto r = shard->rebuild(slot); r && filter.matches(*r)) out.push_back(std::move(r));
    });
  }
  std::sort(out.begin(), out.end(),
            [](const RecordPtr& a, const RecordPtr& b) { return a->start > b->start; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

RecordPtr Store::find(std::string_view request_id) const {
  RecordPtr best;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    shard->each([&](const Shard::Slot& slot) {
      if (detail::encoded_request_id(slot.view()) != request_id) return;
      // A trusted incoming id can repeat: the newest record with it wins.
      auto r = shard->rebuild(slot);
      if (r && (!best || r->start > best->start)) best = std::move(r);
    });
  }
  return best;
}

size_t Store::size() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    n += shard->used;
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
