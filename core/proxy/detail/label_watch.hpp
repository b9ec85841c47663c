#pragma once
// Reloads when a container of a docker-labels source's compose project starts or stops: its
// labels are part of the config (LoadOptions::container_labels reads the running ones), and
// `docker compose up -d` after a label edit recreates the container. The engine's events come
// on discovery's thread and are posted to the control context, then debounced as file changes
// are (a recreate is a die, a destroy and a start within milliseconds).

#include "discovery/discovery.hpp"
#include "proxy/detail/asio.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace bridge::proxy {

class LabelWatch {
 public:
  /// `on_change` runs on `control`'s thread.
  LabelWatch(asio::io_context& control, std::function<void()> on_change);
  /// Follows exactly `projects` (Config::label_projects); call on the control thread.
  void watch(const std::vector<std::string>& projects);

 private:
  void changed();
  asio::awaitable<void> debounce();

  asio::io_context& control_;
  std::function<void()> on_change_;
  asio::steady_timer timer_;
  bool pending_ = false;
  std::vector<std::string> projects_;
  // Last: destroyed first, so its thread stops before what it posts to goes away.
  std::unique_ptr<discovery::ProjectEvents> events_;
};

}  // namespace bridge::proxy
