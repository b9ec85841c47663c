// compose://SERVICE:PORT: the compose files say what the service is; the Docker Engine says
// where its containers are right now. /events keeps the answer fresh while bridge runs.
#include "common/spawn.hpp"
#include "common/text.hpp"
#include "detail/compose.hpp"
#include "detail/docker.hpp"
#include "detail/source.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace bridge::discovery::detail {

namespace asio = boost::asio;

namespace {

using net::nothrow;

Resolution failed(std::string error, std::string via = {}) {
  Resolution r;
  r.state = State::Failed;
  r.error = std::move(error);
  r.via = std::move(via);
  return r;
}

// Which other projects run a service of this name (for "did you mean ?project=").
asio::awaitable<std::vector<std::string>>
projects_with_service(std::string socket, std::string service, std::chrono::milliseconds timeout) {
  std::set<std::string> names;
  auto body = co_await docker_get(socket, containers_target("", service), timeout);
  if (body) {
    if (auto containers = decode_containers(*body)) {
      for (const auto& c : *containers) {
        if (!c.project.empty()) names.insert(c.project);
      }
    }
  }
  co_return std::vector<std::string>(names.begin(), names.end());
}

Resolution from_containers(const ComposeUrl& url, const std::string& project,
                           const ComposeProject* file, std::vector<Container> containers,
                           const std::vector<std::string>& other_projects) {
  std::sort(containers.begin(), containers.end(), [](const Container& a, const Container& b) {
    return a.number != b.number ? a.number < b.number : a.name < b.name;
  });
  std::vector<std::string> unpublished;
  Resolution r;
  r.via = "docker engine";
  r.endpoints = container_endpoints(containers, url.port, &unpublished);
  std::string what = "compose service \"" + url.service + "\" of project \"" + project + "\"";
  if (!r.endpoints.empty()) {
    r.state = State::Resolved;
    if (!unpublished.empty()) {
      r.error = std::to_string(unpublished.size()) + " container(s) do not publish port " +
                std::to_string(url.port);
    }
    return r;
  }
  if (!unpublished.empty()) {
    return failed("container port " + std::to_string(url.port) + " of " + what +
                      " is not published on a loopback address (running: " + join(unpublished) +
                      ")\nhint: " + unpublished_hint(file, url.service, url.port),
                  r.via);
  }
  std::string hint;
  std::vector<std::string> others;
  for (const auto& p : other_projects) {
    if (p != project) others.push_back(p);
  }
  if (!others.empty()) {
    hint = "a service \"" + url.service + "\" runs in project(s) " + join(others) +
           "; name one with compose://" + url.service + ":" + std::to_string(url.port) +
           "?project=" + others.front();
  } else {
    hint = "start it: docker compose" + (project.empty() ? "" : " -p " + project) + " up -d " +
           url.service;
  }
  return failed("no running container for " + what + "\nhint: " + hint, r.via);
}

Resolution from_file(const ComposeUrl& url, const ComposeProject& project,
                     const std::string& engine_error) {
  std::string via = "compose file (docker engine not reachable: " + engine_error + ")";
  const auto& service = project.services.at(url.service);
  auto endpoint = static_endpoint(project, service, url.port);
  if (!endpoint) return failed(error_text(endpoint.error()), via);
  Resolution r;
  r.state = State::Resolved;
  r.via = via;
  r.endpoints.push_back(*endpoint);
  return r;
}

}  // namespace

asio::awaitable<ComposeOutcome> resolve_compose(ComposeUrl url, Options options,
                                                std::set<std::string> exclude) {
  ComposeOutcome out;
  auto project = load_compose_project_from(options.working_dir, options.env);
  const ComposeProject* file = nullptr;
  std::string name = url.project;
  if (project && (name.empty() || name == project->name)) {
    file = &*project;
    name = project->name;
  } else if (!project && name.empty()) {
    out.resolution = failed(error_text(project.error()), "compose file");
    co_return out;
  }
  out.project = name;
  std::string description = "compose " + name + "/" + url.service + ":" + std::to_string(url.port);
  if (file && file->services.count(url.service) == 0) {
    out.resolution = failed(error_text(unknown_service_error(*file, url.service)), "compose file");
    out.resolution.description = description;
    co_return out;
  }

  auto socket = docker_socket_path(options.env);
  std::string engine_error;
  if (socket) {
    out.socket_path = *socket;
    auto body =
        co_await docker_get(*socket, containers_target(name, url.service), options.engine_timeout);
    if (body) {
      auto containers = decode_containers(*body);
      if (containers) {
        out.engine_ok = true;
        std::erase_if(*containers, [&](const Container& c) { return exclude.count(c.id) != 0; });
        std::vector<std::string> others;
        if (containers->empty()) {
          others = co_await projects_with_service(*socket, url.service, options.engine_timeout);
        }
        out.resolution = from_containers(url, name, file, std::move(*containers), others);
        out.resolution.description = description;
        co_return out;
      }
      engine_error = containers.error().message;
    } else {
      engine_error = body.error().message;
    }
  } else {
    engine_error = socket.error().message;
  }
  if (!file) {
    out.resolution = failed("no compose file for project \"" + name +
                                "\" and the docker engine is not reachable: " + engine_error,
                            "docker engine");
  } else {
    out.resolution = from_file(url, *file, engine_error);
  }
  out.resolution.description = description;
  co_return out;
}

namespace {

class ComposeSource final : public SourceBase {
 public:
  using SourceBase::SourceBase;

  void start(asio::any_io_executor executor) override {
    executor_ = executor;
    asio::co_spawn(executor, watch(std::static_pointer_cast<ComposeSource>(shared_from_this())),
                   bridge::log_failure("compose discovery"));
  }

 private:
  void wake() override {
    if (timer_) timer_->cancel();
    if (events_) events_->close();
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds how_long) {
    asio::steady_timer timer(executor_, how_long);
    timer_ = &timer;
    co_await timer.async_wait(nothrow);
    timer_ = nullptr;
  }

  void publish_outcome(const ComposeOutcome& outcome) {
    const auto& r = outcome.resolution;
    auto before = current();
    if (before->state != r.state || before->endpoints != r.endpoints || before->via != r.via) {
      std::string where;
      for (const auto& e : r.endpoints) where += " " + e.host + ":" + std::to_string(e.port);
      spdlog::debug("discovery: {} ->{} ({}){}", url_.text,
                    r.endpoints.empty() ? std::string(" no endpoints") : where, r.via,
                    r.error.empty() ? std::string() : ": " + r.error);
    }
    publish(r);
  }

  static asio::awaitable<void> watch(std::shared_ptr<ComposeSource> self) {
    co_await self->run();
    self->mark_finished();
  }

  // Subscribe to events first, then list, so a change in between is not missed.
  asio::awaitable<void> run() {
    auto backoff = std::chrono::milliseconds(500);
    while (!stopping_) {
      auto outcome = co_await resolve_compose(url_.compose, options_);
      publish_outcome(outcome);
      if (stopping_) break;
      if (!outcome.engine_ok) {
        co_await sleep(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
      DockerEventStream stream;
      events_ = &stream;
      auto opened = co_await stream.open(outcome.socket_path, events_target(outcome.project),
                                         options_.engine_timeout);
      if (!opened) {
        events_ = nullptr;
        spdlog::debug("discovery: {}: {}", url_.text, opened.error().message);
        co_await sleep(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(500);
      dead_.clear();
      publish_outcome(co_await resolve_compose(url_.compose, options_));
      while (!stopping_) {
        auto line = co_await stream.next_line();
        if (!line) {
          spdlog::debug("discovery: {}: {}", url_.text, line.error().message);
          break;
        }
        auto event = decode_event(*line);
        if (!event || event->service != url_.compose.service) continue;
        spdlog::debug("discovery: {}: container {} {}", url_.text, event->name, event->action);
        if (event->action == "start" || event->action == "unpause")
          dead_.erase(event->id);
        else
          dead_.insert(event->id);
        publish_outcome(co_await resolve_compose(url_.compose, options_, dead_));
      }
      events_ = nullptr;
    }
  }

  asio::steady_timer* timer_ = nullptr;
  DockerEventStream* events_ = nullptr;
  std::set<std::string> dead_;  // ids seen dying/destroyed on the current event stream
};

}  // namespace

std::shared_ptr<SourceBase> make_compose_source(TargetUrl url, Options options) {
  return std::make_shared<ComposeSource>(std::move(url), std::move(options));
}

}  // namespace bridge::discovery::detail
