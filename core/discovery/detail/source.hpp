#pragma once
/// The live sources behind Registry: each refreshes itself with coroutines on the registry's
/// io_context (one thread) and publishes immutable Resolutions that any thread may read.

#include "detail/url.hpp"
#include "discovery/discovery.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <set>
#include <string>

namespace bridge::discovery::detail {

class SourceBase : public Source, public std::enable_shared_from_this<SourceBase> {
 public:
  SourceBase(TargetUrl url, Options options);
  std::shared_ptr<const Resolution> current() const override;
  void report_failure(const Endpoint& endpoint) override;
  const std::string& url() const override { return url_.text; }

  /// Starts the refresh coroutine on `executor` (any thread).
  virtual void start(boost::asio::any_io_executor executor) = 0;
  /// Asks it to stop: children killed, watchers closed (any thread; returns at once).
  void request_stop();
  /// True once the refresh coroutine has returned.
  bool finished() const { return finished_.load(); }
  /// Last-resort cleanup after the io_context stopped (kills a kubectl still running).
  virtual void force_cleanup() {}

 protected:
  /// Io thread only. Stamps generation, time and description, then swaps it in.
  void publish(Resolution resolution);
  /// Io thread only: wake the refresh loop to notice stop/restart requests.
  virtual void wake() = 0;
  /// Io thread only: react to report_failure.
  virtual void on_failure(const Endpoint&) {}
  void mark_finished() { finished_.store(true); }

  TargetUrl url_;
  Options options_;
  boost::asio::any_io_executor executor_;
  bool stopping_ = false;  // io thread only

 private:
  std::atomic<std::shared_ptr<const Resolution>> state_;
  uint64_t generation_ = 0;
  std::atomic<bool> finished_{false};
};

std::shared_ptr<SourceBase> make_compose_source(TargetUrl url, Options options);
std::shared_ptr<SourceBase> make_k8s_forward_source(TargetUrl url, Options options);
std::shared_ptr<SourceBase> make_k8s_direct_source(TargetUrl url, Options options);

/// One resolution of a compose:// target: files, then the engine when it answers, else the
/// files' static mapping. `engine_ok`/`project` say what the watcher should subscribe to.
struct ComposeOutcome {
  Resolution resolution;
  bool engine_ok = false;
  std::string project;
  std::string socket_path;
};
/// `exclude`: container ids known to be dead from /events (the engine may still list a
/// container as running for a moment after its `die` event).
boost::asio::awaitable<ComposeOutcome> resolve_compose(ComposeUrl url, Options options,
                                                       std::set<std::string> exclude = {});

/// One `kubectl get svc -o json` resolution (mode=direct).
boost::asio::awaitable<Resolution> resolve_k8s_direct(K8sUrl url, Options options);

/// "message" plus "\nhint: ..." and a "file:line:col: " prefix when the error has a place.
std::string error_text(const Error& error);

}  // namespace bridge::discovery::detail
