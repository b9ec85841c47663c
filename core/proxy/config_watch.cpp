#include "proxy/detail/config_watch.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <set>

namespace bridge::proxy {

ConfigWatch::ConfigWatch(asio::io_context& context, std::function<void()> on_change)
    : context_(context), on_change_(std::move(on_change)), timer_(context) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("config watch unavailable ({}); reload with SIGHUP", std::strerror(errno));
    return;
  }
  stream_ = std::make_unique<asio::posix::stream_descriptor>(context_, fd_);
  asio::co_spawn(context_, read_loop(), asio::detached);
}

ConfigWatch::~ConfigWatch() {
  if (stream_) {
    error_code ec;
    stream_->close(ec);
  }
}

void ConfigWatch::watch(const std::vector<std::string>& files) {
  if (fd_ < 0) return;
  for (int wd : watches_) inotify_rm_watch(fd_, wd);
  watches_.clear();
  std::set<std::string> dirs;
  for (const auto& f : files) {
    if (f.rfind("<embedded>", 0) == 0) continue;
    auto dir = std::filesystem::path(f).parent_path();
    dirs.insert(dir.empty() ? "." : dir.string());
  }
  for (const auto& dir : dirs) {
    int wd = inotify_add_watch(fd_, dir.c_str(),
                               IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB);
    if (wd >= 0) watches_.push_back(wd);
  }
}

asio::awaitable<void> ConfigWatch::read_loop() {
  alignas(inotify_event) char buf[8192];
  for (;;) {
    auto [ec, n] = co_await stream_->async_read_some(asio::buffer(buf), nothrow);
    if (ec) co_return;
    if (!pending_) {
      pending_ = true;
      asio::co_spawn(context_, debounce(), asio::detached);
    }
  }
}

// Editors and the kubelet write in several steps; reload once they are done.
asio::awaitable<void> ConfigWatch::debounce() {
  timer_.expires_after(std::chrono::milliseconds(150));
  co_await timer_.async_wait(nothrow);
  pending_ = false;
  on_change_();
}

}  // namespace bridge::proxy
