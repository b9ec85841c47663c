#include "proxy/detail/config_watch.hpp"
#include "common/spawn.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace bridge::proxy {

ConfigWatch::ConfigWatch(asio::io_context& context, std::function<void()> on_change,
                         std::chrono::milliseconds poll_interval)
    : context_(context), on_change_(std::move(on_change)), timer_(context), poll_timer_(context) {
  if (poll_interval.count() > 0)
    asio::co_spawn(context_, poll_loop(poll_interval), log_failure("config poll"));
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("config watch unavailable ({}); reload with SIGHUP", std::strerror(errno));
    return;
  }
  stream_ = std::make_unique<asio::posix::stream_descriptor>(context_, fd_);
  asio::co_spawn(context_, read_loop(), log_failure("config watch"));
}

ConfigWatch::~ConfigWatch() {
  if (stream_) {
    error_code ec;
    stream_->close(ec);
  }
}

void ConfigWatch::watch(const std::vector<std::string>& files) {
  files_.clear();
  for (const auto& f : files)
    if (f.rfind("<embedded>", 0) != 0) files_.push_back(f);
  digest_ = contents_digest();
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
      asio::co_spawn(context_, debounce(), log_failure("config reload"));
    }
  }
}

// Editors and the kubelet write in several steps; reload once they are done.
asio::awaitable<void> ConfigWatch::debounce() {
  timer_.expires_after(std::chrono::milliseconds(150));
  auto [ec] = co_await timer_.async_wait(nothrow);
  if (ec) co_return;  // the watch is going away
  pending_ = false;
  digest_ = contents_digest();  // the poll need not report this change again
  on_change_();
}

size_t ConfigWatch::contents_digest() const {
  std::string all;
  for (const auto& f : files_) {
    std::ifstream in(f, std::ios::binary);  // follows symlinks, as the loader does
    all += f;
    all += '\0';
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    all += '\0';
  }
  return std::hash<std::string>{}(all);
}

// Only a change of contents reloads; the reload itself compares the full config hash again.
asio::awaitable<void> ConfigWatch::poll_loop(std::chrono::milliseconds interval) {
  for (;;) {
    poll_timer_.expires_after(interval);
    auto [ec] = co_await poll_timer_.async_wait(nothrow);
    if (ec) co_return;
    if (files_.empty() || pending_) continue;
    size_t now = contents_digest();
    if (now == digest_) continue;
    digest_ = now;
    on_change_();
  }
}

}  // namespace bridge::proxy
