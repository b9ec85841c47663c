// A compose project's running containers with their labels, and the engine's events about them:
// what docker-labels sources read, and what tells `bridge up` that a container was recreated
// with other labels (discovery.hpp: project_containers, ProjectEvents).
#include "common/spawn.hpp"
#include "detail/docker.hpp"
#include "net/asio.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace bridge::discovery {

namespace asio = boost::asio;

Result<std::vector<ProjectContainer>> project_containers(const std::string& project,
                                                         const Options& options) {
  auto socket = detail::docker_socket_path(options.env);
  if (!socket) return socket.error();
  asio::io_context io{1};
  auto answer = asio::co_spawn(
      io,
      detail::docker_get(*socket, detail::containers_target(project, ""), options.engine_timeout),
      asio::use_future);
  io.run();
  auto body = answer.get();
  if (!body) return body.error();
  auto containers = detail::decode_containers(*body);
  if (!containers) return containers.error();
  std::vector<ProjectContainer> out;
  for (auto& c : *containers)
    if (c.state == "running" || c.state.empty())
      out.push_back(ProjectContainer{c.name, c.service, std::move(c.labels)});
  return out;
}

namespace {

// One followed project; io thread only.
struct Follower {
  std::string project;
  bool stopping = false;
  detail::DockerEventStream* stream = nullptr;
  asio::steady_timer* timer = nullptr;
  void stop() {
    stopping = true;
    if (stream != nullptr) stream->close();
    if (timer != nullptr) timer->cancel();
  }
};

}  // namespace

struct ProjectEvents::Impl {
  Impl(Options o, std::function<void(const std::string&)> f)
      : options(std::move(o)), on_change(std::move(f)), work(asio::make_work_guard(io)) {
    thread = std::thread([this] { io.run(); });
  }

  asio::awaitable<void> sleep(Follower& f, std::chrono::milliseconds how_long) {
    asio::steady_timer timer(io, how_long);
    f.timer = &timer;
    co_await timer.async_wait(net::nothrow);
    f.timer = nullptr;
  }

  // Subscribes to the project's events and reports each; after a broken or refused stream it
  // subscribes again, reporting once (what happened meanwhile is unknown).
  asio::awaitable<void> follow(std::shared_ptr<Follower> f) {
    auto backoff = std::chrono::milliseconds(500);
    bool missed = false;
    while (!f->stopping) {
      auto socket = detail::docker_socket_path(options.env);
      if (!socket) {
        spdlog::debug("container events of {}: {}", f->project, socket.error().message);
        co_await sleep(*f, options.max_backoff);
        continue;
      }
      detail::DockerEventStream stream;
      f->stream = &stream;
      auto opened =
          co_await stream.open(*socket, detail::events_target(f->project), options.engine_timeout);
      if (!opened) {
        f->stream = nullptr;
        missed = true;
        spdlog::debug("container events of {}: {}", f->project, opened.error().message);
        co_await sleep(*f, backoff);
        backoff = std::min(backoff * 2, options.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(500);
      if (missed && !f->stopping) on_change(f->project);
      while (!f->stopping) {
        auto line = co_await stream.next_line();
        if (!line) break;
        auto event = detail::decode_event(*line);
        if (!event || f->stopping) continue;
        spdlog::debug("container events of {}: {} {}", f->project, event->name, event->action);
        on_change(f->project);
      }
      f->stream = nullptr;
      missed = true;
    }
    --running;
  }

  Options options;
  std::function<void(const std::string&)> on_change;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  std::map<std::string, std::shared_ptr<Follower>> followers;  // io thread only
  std::atomic<int> running{0};
};

ProjectEvents::ProjectEvents(Options options,
                             std::function<void(const std::string& project)> on_change)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_change))) {}

ProjectEvents::~ProjectEvents() {
  try {
    asio::post(impl_->io, [impl = impl_.get()] {
      for (auto& [name, f] : impl->followers) f->stop();
    });
    impl_->work.reset();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (impl_->running.load() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  } catch (const std::exception& e) {  // a destructor must not throw; the thread is gone or stuck
    spdlog::error("container events: stopping: {}", e.what());
  }
}

void ProjectEvents::watch(const std::vector<std::string>& projects) {
  asio::post(impl_->io, [impl = impl_.get(), projects] {
    for (auto it = impl->followers.begin(); it != impl->followers.end();) {
      if (std::find(projects.begin(), projects.end(), it->first) != projects.end()) {
        ++it;
        continue;
      }
      it->second->stop();
      it = impl->followers.erase(it);
    }
    for (const std::string& project : projects) {
      if (impl->followers.contains(project)) continue;
      auto f = std::make_shared<Follower>();
      f->project = project;
      impl->followers.emplace(project, f);
      ++impl->running;
      asio::co_spawn(impl->io, impl->follow(f), log_failure("container events of " + project));
    }
  });
}

}  // namespace bridge::discovery
