#pragma once
// Watches the directories of the loaded config files with inotify. Directories, not files:
// editors replace files by rename and Kubernetes swaps a `..data` symlink, which file
// watches miss.

#include "proxy/detail/asio.hpp"

#include <functional>
#include <string>
#include <vector>

namespace bridge::proxy {

class ConfigWatch {
 public:
  ConfigWatch(asio::io_context& context, std::function<void()> on_change);
  ~ConfigWatch();
  /// Replaces the watched set with the directories of `files` (embedded ones are ignored).
  void watch(const std::vector<std::string>& files);

 private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> debounce();

  asio::io_context& context_;
  std::function<void()> on_change_;
  int fd_ = -1;
  std::unique_ptr<asio::posix::stream_descriptor> stream_;
  std::vector<int> watches_;
  asio::steady_timer timer_;
  bool pending_ = false;
};

}  // namespace bridge::proxy
