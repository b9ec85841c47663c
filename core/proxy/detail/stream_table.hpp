#pragma once
// The open streams of an HTTP/2 connection by id. New stream ids only grow (RFC 9113 5.1.1),
// so adding one appends to a sorted vector and finding one is a binary search: no allocation
// per stream, as a hash map's node was. A closed stream leaves an empty entry (erasing it from
// the front, where streams mostly close, would move every entry behind it); the empty entries
// go in one pass once they outnumber the open ones, so a long-lived stream among thousands of
// short ones does not keep their entries.

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
    // nghttp2 reports a head field by field, each looked up here: the last stream found
    // answers them without a search.
    if (id == last_id_ && last_ != nullptr) return last_;
    auto it = lower(id);
    Stream* found = it != entries_.end() && it->first == id ? it->second.get() : nullptr;
    if (found != nullptr) {
      last_id_ = id;
      last_ = found;
    }
    return found;
  }
  std::shared_ptr<Stream> shared(int32_t id) const {
    auto it = lower(id);
    return it != entries_.end() && it->first == id ? it->second : nullptr;
  }
  void add(int32_t id, std::shared_ptr<Stream> stream) {
    forget(id);
    ++live_;
    if (entries_.empty() || entries_.back().first < id) {
      entries_.emplace_back(id, std::move(stream));
      return;
    }
    auto it = entries_.begin() + (lower(id) - entries_.cbegin());
    if (it != entries_.end() && it->first == id)
      it->second = std::move(stream);  // an empty entry of the same id
    else
      entries_.emplace(it, id, std::move(stream));
  }
  /// Removes stream `id`; null when it is not here.
  std::shared_ptr<Stream> take(int32_t id) {
    auto at = lower(id);
    if (at == entries_.end() || at->first != id || !at->second) return nullptr;
    auto it = entries_.begin() + (at - entries_.cbegin());
    std::shared_ptr<Stream> stream = std::move(it->second);
    forget(id);
    --live_;
    if (entries_.size() >= 2 * live_ + 16)
      std::erase_if(entries_, [](const Entry& e) { return !e.second; });
    return stream;
  }
  size_t size() const { return live_; }
  /// Entries held, open or empty (for tests: how much closed streams leave behind).
  size_t capacity_used() const { return entries_.size(); }
  bool empty() const { return live_ == 0; }
  void clear() {
    entries_.clear();
    live_ = 0;
    forget(last_id_);
  }
  /// Calls `fn(stream)` for every open stream, in id order.
  template <class Fn>
  void for_each(Fn fn) {
    for (auto& entry : entries_)
      if (entry.second) fn(*entry.second);
  }

 private:
  typename std::vector<Entry>::const_iterator lower(int32_t id) const {
    return std::lower_bound(entries_.begin(), entries_.end(), id,
                            [](const Entry& e, int32_t v) { return e.first < v; });
  }
  void forget(int32_t id) {
    if (id == last_id_) last_ = nullptr;
  }
  std::vector<Entry> entries_;  // sorted by id; closed streams' entries are empty
  size_t live_ = 0;
  mutable int32_t last_id_ = 0;
  mutable Stream* last_ = nullptr;  // the stream of last_id_, while it is in the table
};

}  // namespace bridge::proxy
