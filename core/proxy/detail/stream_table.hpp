#pragma once
// The open streams of an HTTP/2 connection by id. New stream ids only grow (RFC 9113 5.1.1),
// so adding one appends to a sorted vector and finding one is a binary search: no allocation
// per stream, as a hash map's node was.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace bridge::proxy {

template <class Stream>
class StreamTable {
 public:
  using Entry = std::pair<int32_t, std::shared_ptr<Stream>>;

  Stream* find(int32_t id) const {
    auto it = lower(id);
    return it != entries_.end() && it->first == id ? it->second.get() : nullptr;
  }
  std::shared_ptr<Stream> shared(int32_t id) const {
    auto it = lower(id);
    return it != entries_.end() && it->first == id ? it->second : nullptr;
  }
  void add(int32_t id, std::shared_ptr<Stream> stream) {
    if (entries_.empty() || entries_.back().first < id)
      entries_.emplace_back(id, std::move(stream));
    else
      entries_.emplace(lower(id), id, std::move(stream));
  }
  /// Removes stream `id`; null when it is not here.
  std::shared_ptr<Stream> take(int32_t id) {
    auto it = lower(id);
    if (it == entries_.end() || it->first != id) return nullptr;
    std::shared_ptr<Stream> stream = std::move(it->second);
    entries_.erase(it);
    return stream;
  }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }
  auto begin() { return entries_.begin(); }
  auto end() { return entries_.end(); }

 private:
  typename std::vector<Entry>::const_iterator lower(int32_t id) const {
    return std::lower_bound(entries_.begin(), entries_.end(), id,
                            [](const Entry& e, int32_t v) { return e.first < v; });
  }
  std::vector<Entry> entries_;
};

}  // namespace bridge::proxy
