#pragma once
// A message body held whole (the buffering middleware): in memory up to a threshold, then in
// an unnamed temporary file, so that a large upload waits on disk rather than in RAM, as
// Traefik's buffering does. Read back from any offset, as often as the request is sent again.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace bridge::proxy {

class SpooledBody {
 public:
  /// Bytes past `memory_limit` move the body to a file (0: every byte goes to the file).
  explicit SpooledBody(uint64_t memory_limit) : memory_limit_(memory_limit) {}
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;
  ~SpooledBody();

  /// Adds `bytes` at the end; false when the file could not take them (error() says why).
  bool append(std::string_view bytes);
  uint64_t size() const { return size_; }
  bool on_disk() const { return fd_ >= 0; }
  /// Why the last append failed ("" when none did).
  const std::string& error() const { return error_; }
  /// Copies up to `into.size()` bytes from `offset` into `into`; how many (0 at the end, or
  /// when the file could not be read).
  size_t read_at(uint64_t offset, std::span<char> into) const;
  /// Where it is, for the record: "in memory" or "in a temporary file".
  std::string_view where() const { return on_disk() ? "in a temporary file" : "in memory"; }

 private:
  bool move_to_file();

  uint64_t memory_limit_;
  std::string memory_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string error_;
};

}  // namespace bridge::proxy
