#include "proxy/detail/label_watch.hpp"

#include "common/spawn.hpp"

#include <spdlog/spdlog.h>

namespace bridge::proxy {

LabelWatch::LabelWatch(asio::io_context& control, std::function<void()> on_change)
    : control_(control), on_change_(std::move(on_change)), timer_(control) {}

void LabelWatch::watch(const std::vector<std::string>& projects) {
  if (projects == projects_) return;
  projects_ = projects;
  if (!events_) {
    if (projects.empty()) return;
    events_ = std::make_unique<discovery::ProjectEvents>(
        discovery::Options{}, [this](const std::string& project) {
          spdlog::debug("container labels: a container of compose project {} started or stopped",
                        project);
          asio::post(control_, [this] { changed(); });
        });
  }
  events_->watch(projects);
}

void LabelWatch::changed() {
  if (pending_) return;
  pending_ = true;
  asio::co_spawn(control_, debounce(), log_failure("container labels reload"));
}

asio::awaitable<void> LabelWatch::debounce() {
  timer_.expires_after(std::chrono::milliseconds(300));
  auto [ec] = co_await timer_.async_wait(nothrow);
  if (ec) co_return;  // the watch is going away
  pending_ = false;
  on_change_();
}

}  // namespace bridge::proxy
