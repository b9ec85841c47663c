#pragma once
// Watches the directories of the loaded config files with inotify. Directories, not files:
// editors replace files by rename and Kubernetes swaps a `..data` symlink, which file
// watches miss. Polling the files' contents backs it up where inotify sees nothing (a file
// behind a symlink into another directory, network filesystems, no inotify at all).

#include "proxy/detail/asio.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace bridge::proxy {

class ConfigWatch {
 public:
  ConfigWatch(asio::io_context& context, std::function<void()> on_change,
              std::chrono::milliseconds poll_interval);
  ~ConfigWatch();
  /// Replaces the watched set with the directories of `files` (embedded ones are ignored).
  void watch(const std::vector<std::string>& files);

 private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> debounce();
  asio::awaitable<void> poll_loop(std::chrono::milliseconds interval);
  size_t contents_digest() const;

  asio::io_context& context_;
  std::function<void()> on_change_;
  int fd_ = -1;
  std::unique_ptr<asio::posix::stream_descriptor> stream_;
  std::vector<int> watches_;
  std::vector<std::string> files_;
  size_t digest_ = 0;  // of files_' contents when watch() was last called
  asio::steady_timer timer_;
  asio::steady_timer poll_timer_;
  bool pending_ = false;
};

}  // namespace bridge::proxy
