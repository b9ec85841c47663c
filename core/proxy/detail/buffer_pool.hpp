#pragma once
// Relay buffers reused within a worker. Asio recycles coroutine frames only up to about 1 KiB,
// so a buffer inside a relay's frame cost a large malloc and free twice per request; taken from
// here it costs a vector push and pop. Worker thread only.
//
// 64 KiB, the size of a loopback segment: a 1 MiB body crosses in 16 reads and 16 writes, and
// the worker sleeps in epoll between them a quarter as often as with 16 KiB (which cost 50%
// more CPU per byte than haproxy, mostly in wake-ups).

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace bridge::proxy {

class BufferPool {
 public:
  static constexpr size_t buffer_size = 65536;

  /// A buffer on loan; goes back to the pool when the lease ends.
  class Lease {
   public:
    Lease(BufferPool& pool, std::unique_ptr<char[]> data) : pool_(&pool), data_(std::move(data)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (data_) pool_->give_back(std::move(data_));
    }
    char* data() const { return data_.get(); }
    static constexpr size_t size() { return buffer_size; }

   private:
    BufferPool* pool_;
    std::unique_ptr<char[]> data_;
  };

  Lease take() {
    if (free_.empty()) return Lease(*this, std::make_unique_for_overwrite<char[]>(buffer_size));
    auto data = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(data));
  }

 private:
  // Enough for a burst of 256 concurrent relays (16 MiB); beyond that buffers are freed, not
  // hoarded. Fewer made 200 connections free and allocate 64 KiB per request (malloc
  // consolidation showed in the profile).
  static constexpr size_t max_free = 256;
  void give_back(std::unique_ptr<char[]> data) {
    if (free_.size() < max_free) free_.push_back(std::move(data));
  }
  std::vector<std::unique_ptr<char[]>> free_;
};

/// The body buffer of one exchange, leased from the worker's pool the first time a relay asks
/// for it: a body that came whole with its head (most small responses) passes without one.
/// With 1,000 streams in flight the pool's spare buffers ran out and every stream paid a
/// 64 KiB allocation and free (~3,400 instructions) for a buffer it never used.
class RelayBuffer {
 public:
  explicit RelayBuffer(BufferPool& pool) : pool_(&pool) {}
  /// A buffer of the caller's own (the fuzz harnesses step relays through small ones).
  explicit RelayBuffer(std::span<char> fixed) : span_(fixed) {}

  std::span<char> get() {
    if (span_.empty()) {
      lease_.emplace(pool_->take());
      span_ = {lease_->data(), BufferPool::Lease::size()};
    }
    return span_;
  }

 private:
  BufferPool* pool_ = nullptr;
  std::optional<BufferPool::Lease> lease_;
  std::span<char> span_;
};

}  // namespace bridge::proxy
