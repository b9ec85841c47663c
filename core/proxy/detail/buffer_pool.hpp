#pragma once
// Relay buffers reused within a worker. Asio recycles coroutine frames only up to about 1 KiB,
// so a buffer inside a relay's frame cost a large malloc and free twice per request; taken from
// here it costs a vector push and pop. Worker thread only.
//
// 64 KiB, the size of a loopback segment: a 1 MiB body crosses in 16 reads and 16 writes, and
// the worker sleeps in epoll between them a quarter as often as with 16 KiB (which cost 50%
// more CPU per byte than haproxy, mostly in wake-ups).

#include <algorithm>
#include <cstddef>
#include <functional>
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
    if (free_.empty()) {
      low_water_ = 0;
      return Lease(*this, std::make_unique_for_overwrite<char[]>(buffer_size));
    }
    auto data = std::move(free_.back());
    free_.pop_back();
    low_water_ = std::min(low_water_, free_.size());
    return Lease(*this, std::move(data));
  }

  /// Called once when the spares first grow past `kept`: the owner schedules trim() then.
  void on_surplus(std::function<void()> schedule) { on_surplus_ = std::move(schedule); }
  /// Frees half of the spares past `kept` that no take() needed since the last trim (a burst
  /// that comes back finds most of them still there). True while spares past `kept` remain,
  /// for the owner to trim again later.
  bool trim() {
    const size_t unused = low_water_ > kept ? low_water_ - kept : 0;
    free_.resize(free_.size() - (unused + 1) / 2);
    low_water_ = free_.size();
    surplus_ = free_.size() > kept;
    return surplus_;
  }
  size_t spares() const { return free_.size(); }

  // Spares always kept (16 MiB); a burst may keep up to max_free (64 MiB) while it lasts.
  // With 256 as the hard limit, 1,000 concurrent 1 MiB responses allocated and freed 744
  // buffers per round (20-25% fewer requests/s at 1,000 connections).
  static constexpr size_t kept = 256;
  static constexpr size_t max_free = 1024;

 private:
  void give_back(std::unique_ptr<char[]> data) {
    if (free_.size() >= max_free) return;
    free_.push_back(std::move(data));
    if (free_.size() > kept && !surplus_) {
      surplus_ = true;
      if (on_surplus_) on_surplus_();
    }
  }
  std::vector<std::unique_ptr<char[]>> free_;
  size_t low_water_ = 0;  // the fewest spares since the last trim
  bool surplus_ = false;  // spares past `kept`, a trim scheduled
  std::function<void()> on_surplus_;
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
