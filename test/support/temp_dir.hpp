#pragma once
/// A private temporary directory per test, removed with everything in it at destruction.

#include <string>
#include <string_view>

namespace bridge::test {

class TempDir {
 public:
  /// Creates /tmp/bridge-test-XXXXXX (or under $TMPDIR) with mode 0700.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name
  std::string operator/(std::string_view name) const;

 private:
  std::string path_;
};

/// Writes `text` to `path` in place (open with O_TRUNC, write, close), creating parent dirs.
void write_file(const std::string& path, std::string_view text);
/// Writes to a temp file beside `path` and renames it over `path` (how editors save).
void write_file_atomic(const std::string& path, std::string_view text);
/// The whole file, or "" when it cannot be read.
std::string read_file(const std::string& path);
/// Writes `size` pseudo-random bytes (deterministic for a seed) to `path`.
void write_random_file(const std::string& path, size_t size, unsigned seed = 1);

}  // namespace bridge::test
