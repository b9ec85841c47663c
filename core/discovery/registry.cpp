// Registry: one io_context thread that runs every source's refresh coroutine; the public
// entry points check_url and resolve_once.
#include "detail/source.hpp"
#include "detail/url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/spdlog.h>

#include <mutex>
#include <thread>
#include <unordered_map>

namespace bridge::discovery {

namespace asio = boost::asio;
using detail::SourceBase;
using detail::TargetUrl;

namespace {

std::shared_ptr<SourceBase> make_source(const TargetUrl& url, const Options& options) {
  if (url.kind == TargetUrl::Kind::Compose) return detail::make_compose_source(url, options);
  if (url.k8s.direct) return detail::make_k8s_direct_source(url, options);
  return detail::make_k8s_forward_source(url, options);
}

// Waits (bounded) until every source's coroutine has returned.
void wait_finished(const std::vector<std::shared_ptr<SourceBase>>& sources,
                   std::chrono::milliseconds bound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  for (const auto& s : sources) {
    while (!s->finished() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!s->finished()) {
      spdlog::warn("discovery: {} did not stop within {} ms; stopping it by force",
                   s->current()->description, bound.count());
    }
  }
}

}  // namespace

struct Registry::Impl {
  explicit Impl(Options o) : options(std::move(o)), work(asio::make_work_guard(io)) {
    thread = std::thread([this] { io.run(); });
  }

  Options options;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;
  mutable std::mutex mutex;
  // `handle` is what get() hands out: its own control block (keeping `source` alive), so
  // prune() can tell whether anyone outside still holds it.
  struct Entry {
    std::shared_ptr<SourceBase> source;
    std::weak_ptr<Source> handle;
  };
  std::unordered_map<std::string, Entry> sources;
};

Registry::Registry(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Registry::~Registry() {
  std::vector<std::shared_ptr<SourceBase>> all;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [url, entry] : impl_->sources) all.push_back(entry.source);
    impl_->sources.clear();
  }
  for (auto& s : all) s->request_stop();
  wait_finished(all, std::chrono::milliseconds(4000));
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  for (auto& s : all) s->force_cleanup();
}

Result<std::shared_ptr<Source>> Registry::get(const std::string& url) {
  auto parsed = detail::parse_target_url(url);
  if (!parsed) return parsed.error();
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->sources.find(url);
  if (it == impl_->sources.end()) {
    auto source = make_source(*parsed, impl_->options);
    source->start(impl_->io.get_executor());
    it = impl_->sources.emplace(url, Impl::Entry{source, {}}).first;
  }
  if (auto handle = it->second.handle.lock()) return handle;
  auto& source = it->second.source;
  std::shared_ptr<Source> handle(source.get(), [keep = source](Source*) {});
  it->second.handle = handle;
  return handle;
}

void Registry::prune() {
  std::vector<std::shared_ptr<SourceBase>> unused;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto it = impl_->sources.begin(); it != impl_->sources.end();) {
      if (it->second.handle.expired()) {
        unused.push_back(it->second.source);
        it = impl_->sources.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : unused) {
    spdlog::debug("discovery: stopping {} (no longer used)", s->url());
    s->request_stop();
  }
}

size_t Registry::size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sources.size();
}

bool is_discovery_url(const std::string& url) {
  return url.starts_with("compose://") || url.starts_with("k8s://");
}

Result<void> check_url(const std::string& url) {
  auto parsed = detail::parse_target_url(url);
  if (!parsed) return parsed.error();
  return {};
}

Resolution resolve_once(const std::string& url, const Options& options) {
  auto parsed = detail::parse_target_url(url);
  if (!parsed) {
    Resolution r;
    r.state = State::Failed;
    r.error = detail::error_text(parsed.error());
    return r;
  }
  if (parsed->kind == TargetUrl::Kind::K8s && !parsed->k8s.direct) {
    Resolution r;
    r.state = State::Pending;
    r.via = "kubectl port-forward";
    r.description = detail::describe(*parsed);
    r.error = "resolved by `bridge up`, which runs kubectl port-forward svc/" +
              parsed->k8s.service + " :" + parsed->k8s.port + " -n " + parsed->k8s.namespace_;
    return r;
  }
  asio::io_context io{1};
  std::future<Resolution> result;
  if (parsed->kind == TargetUrl::Kind::Compose) {
    result = asio::co_spawn(
        io,
        [](detail::ComposeUrl u, Options o) -> asio::awaitable<Resolution> {
          auto outcome = co_await detail::resolve_compose(std::move(u), std::move(o));
          co_return outcome.resolution;
        }(parsed->compose, options),
        asio::use_future);
  } else {
    result = asio::co_spawn(io, detail::resolve_k8s_direct(parsed->k8s, options), asio::use_future);
  }
  io.run();
  Resolution r = result.get();
  r.generation = 1;
  r.updated = std::chrono::system_clock::now();
  if (r.description.empty()) r.description = detail::describe(*parsed);
  return r;
}

}  // namespace bridge::discovery
