#pragma once
// Open connections per listener across all workers, for listeners[].max_connections.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace bridge::proxy {

/// Kept across reloads (a counter lives as long as bridge runs), looked up once per accept
/// loop, then counted without the lock.
class ListenerCounts {
 public:
  std::shared_ptr<std::atomic<uint64_t>> get(const std::string& listener) {
    std::lock_guard lock(mutex_);
    auto& count = counts_[listener];
    if (!count) count = std::make_shared<std::atomic<uint64_t>>(0);
    return count;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::atomic<uint64_t>>> counts_;
};

}  // namespace bridge::proxy
