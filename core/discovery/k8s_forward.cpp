// k8s://NS/SVC:PORT: a supervised `kubectl port-forward`. kubectl prints the local port it
// picked; when it exits, or keeps running with a dead tunnel ("lost connection to pod"), or
// the proxy reports a failed connection through it, it is restarted with exponential backoff
// and the new port is published.
#include "common/spawn.hpp"
#include "detail/child.hpp"
#include "detail/k8s.hpp"
#include "detail/source.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <sys/wait.h>

#include <optional>

namespace bridge::discovery::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

using net::nothrow;
constexpr auto first_backoff = 250ms;
constexpr auto stable_after = 10s;   // a forward that lived this long resets the backoff
constexpr auto start_timeout = 20s;  // no "Forwarding from" line by then: restart
constexpr auto term_grace = 2s;      // SIGTERM, then SIGKILL

// One kubectl process and its pipes.
struct Run {
  Run(const asio::any_io_executor& ex, const Child& c)
      : child(c), out(ex, c.out_fd), err(ex, c.err_fd), exit(ex, c.pidfd) {}
  Child child;
  asio::posix::stream_descriptor out, err, exit;
  bool exited = false;
  bool signalled = false;    // bridge sent SIGTERM: what follows is shutdown noise
  bool stderr_done = false;  // its stderr reached end of file (every line read)
  int status = -1;
  uint16_t port = 0;
  Clock::time_point started = Clock::now();
};

std::string trim_line(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) {
    line.pop_back();
  }
  return line;
}

std::string millis_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

class K8sForwardSource final : public SourceBase {
 public:
  using SourceBase::SourceBase;

  void start(asio::any_io_executor executor) override {
    executor_ = executor;
    wake_.emplace(executor);
    asio::co_spawn(executor,
                   supervise(std::static_pointer_cast<K8sForwardSource>(shared_from_this())),
                   bridge::log_failure("kubectl port-forward supervisor"));
  }

  void force_cleanup() override {
    pid_t pid = live_pid_.exchange(0);
    if (pid > 0) {
      kill_group(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }

 private:
  void wake() override {
    if (wake_) wake_->cancel();
  }

  void on_failure(const Endpoint& endpoint) override {
    if (!run_ || run_->exited || run_->port != endpoint.port || !restart_reason_.empty()) return;
    restart_reason_ =
        "a connection through the tunnel (127.0.0.1:" + std::to_string(endpoint.port) + ") failed";
    wake();
  }

  // Waits until wake() or `deadline`.
  asio::awaitable<void> wait_until(Clock::time_point deadline) {
    wake_->expires_at(deadline);
    co_await wake_->async_wait(nothrow);
  }

  void publish_state(State state, std::string error) {
    Resolution r;
    r.state = state;
    r.via = "kubectl port-forward";
    r.error = std::move(error);
    r.restarts = restarts_;
    r.last_stderr = last_stderr_;
    if (run_ && !run_->exited) {
      r.pid = run_->child.pid;
      if (run_->port != 0 && state == State::Resolved) {
        r.endpoints.push_back(
            Endpoint{"127.0.0.1", run_->port,
                     "kubectl port-forward pid " + std::to_string(run_->child.pid)});
      }
    }
    publish(std::move(r));
  }

  static asio::awaitable<void> read_stdout(std::shared_ptr<K8sForwardSource> self,
                                           std::shared_ptr<Run> run) {
    std::string buffer;
    for (;;) {
      auto [ec, n] =
          co_await asio::async_read_until(run->out, asio::dynamic_buffer(buffer), '\n', nothrow);
      if (ec) co_return;
      std::string line = trim_line(buffer.substr(0, n));
      buffer.erase(0, n);
      auto port = parse_forwarding_line(line);
      if (!port || run->port != 0 || self->run_ != run || self->stopping_) continue;
      run->port = *port;
      spdlog::debug("discovery: {} -> 127.0.0.1:{} (kubectl port-forward pid {}, restarts {})",
                    self->url_.text, *port, run->child.pid, self->restarts_);
      self->publish_state(State::Resolved, {});
      self->wake();
    }
  }

  static asio::awaitable<void> read_stderr(std::shared_ptr<K8sForwardSource> self,
                                           std::shared_ptr<Run> run) {
    std::string buffer;
    for (;;) {
      auto [ec, n] =
          co_await asio::async_read_until(run->err, asio::dynamic_buffer(buffer), '\n', nothrow);
      if (ec) {
        run->stderr_done = true;
        self->wake();
        co_return;
      }
      std::string line = trim_line(buffer.substr(0, n));
      buffer.erase(0, n);
      if (line.empty() || self->run_ != run) continue;
      spdlog::debug("discovery: {}: kubectl: {}", self->url_.text, line);
      // After bridge's SIGTERM only kubectl's own final "error: ..." line says why; a shell's
      // "Terminated" does not.
      if (!run->signalled || line.starts_with("error:")) self->last_stderr_ = line;
      if (is_tunnel_error_line(line) && run->port != 0 && self->restart_reason_.empty()) {
        self->restart_reason_ = "tunnel broken";
        self->wake();
      } else if (!run->exited && self->restart_reason_.empty()) {
        const auto now = self->current();
        self->publish_state(now->state, now->error);
      }
    }
  }

  static asio::awaitable<void> watch_exit(std::shared_ptr<K8sForwardSource> self,
                                          std::shared_ptr<Run> run) {
    co_await run->exit.async_wait(asio::posix::descriptor_base::wait_read, nothrow);
    int raw = 0;
    if (::waitpid(run->child.pid, &raw, 0) == run->child.pid) {
      run->status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    }
    run->exited = true;
    self->wake();
  }

  asio::awaitable<void> stop_run(const std::shared_ptr<Run>& run) {
    if (!run->exited && !stopping_ && run->port != 0) {
      // kubectl often follows a forwarding error with its own final line and exit ("error:
      // lost connection to pod"); a moment's grace keeps that reason instead of cutting it off.
      const auto grace = Clock::now() + 150ms;
      while (!run->exited && Clock::now() < grace) co_await wait_until(grace);
    }
    if (!run->exited) {
      run->signalled = true;
      kill_group(run->child.pid, SIGTERM);
      auto deadline = Clock::now() + term_grace;
      while (!run->exited && Clock::now() < deadline) co_await wait_until(deadline);
      if (!run->exited) kill_group(run->child.pid, SIGKILL);
      while (!run->exited) co_await wait_until(Clock::now() + 1s);
    }
    kill_group(run->child.pid, SIGKILL);  // helpers it left in its group
    // Read what it wrote last ("error: lost connection to pod") before closing the pipe.
    const auto drained = Clock::now() + 200ms;
    while (!run->stderr_done && Clock::now() < drained) co_await wait_until(drained);
    live_pid_.store(0);
    boost::system::error_code ignored;
    run->out.close(ignored);
    run->err.close(ignored);
    run->exit.close(ignored);
  }

  // Spawns one kubectl and waits until it exits or must be restarted; false when it could not
  // be started at all.
  asio::awaitable<bool> run_once(std::shared_ptr<K8sForwardSource> self) {
    auto argv = port_forward_argv(url_.k8s, kubectl_program(options_.env));
    auto program = find_program(argv[0], options_.env);
    Result<Child> child = program ? Result<Child>(Error{}) : Result<Child>(program.error());
    if (program) {
      argv[0] = *program;
      child = spawn_child(argv, options_.env);
    }
    if (!child) {
      last_stderr_.clear();
      publish_state(State::Failed, "cannot run kubectl: " + child.error().message +
                                       std::string(kubectl_missing_hint));
      co_return false;
    }
    auto run = std::make_shared<Run>(executor_, *child);
    run_ = run;
    live_pid_.store(child->pid);
    restart_reason_.clear();
    asio::co_spawn(executor_, read_stdout(self, run),
                   bridge::log_failure("kubectl port-forward output"));
    asio::co_spawn(executor_, read_stderr(self, run),
                   bridge::log_failure("kubectl port-forward errors"));
    asio::co_spawn(executor_, watch_exit(self, run),
                   bridge::log_failure("kubectl port-forward exit"));
    publish_state(State::Pending, "waiting for kubectl port-forward (pid " +
                                      std::to_string(child->pid) + ") to print its local port");
    while (!run->exited && restart_reason_.empty() && !stopping_) {
      auto deadline = run->port == 0 ? run->started + start_timeout : Clock::time_point::max();
      co_await wait_until(deadline);
      if (run->port == 0 && !run->exited && Clock::now() >= run->started + start_timeout) {
        restart_reason_ =
            "kubectl printed no \"Forwarding from\" line within " + millis_text(start_timeout);
      }
    }
    co_await stop_run(run);
    co_return true;
  }

  static asio::awaitable<void> supervise(std::shared_ptr<K8sForwardSource> self) {
    std::chrono::milliseconds backoff = first_backoff;
    std::chrono::milliseconds delay{0};
    while (!self->stopping_) {
      if (delay.count() > 0) {
        auto deadline = Clock::now() + delay;
        while (!self->stopping_ && Clock::now() < deadline) co_await self->wait_until(deadline);
        if (self->stopping_) break;
      }
      bool started = co_await self->run_once(self);
      if (self->stopping_) break;
      auto run = self->run_;
      std::string reason;
      if (!started) {
        reason = self->current()->error;
      } else {
        if (Clock::now() - run->started >= stable_after) backoff = first_backoff;
        ++self->restarts_;
        reason = self->restart_reason_.empty()
                     ? "kubectl port-forward exited (" + describe_status(run->status) + ")"
                     : self->restart_reason_;
        if (!self->last_stderr_.empty()) reason += ": " + self->last_stderr_;
      }
      delay = backoff;
      backoff = std::min(backoff * 2, self->options_.max_backoff);
      spdlog::warn("discovery: {}: {}; restarting in {}", self->url_.text, reason,
                   millis_text(delay));
      if (started) {
        self->publish_state(State::Pending, reason + "; restarting in " + millis_text(delay));
      }
    }
    if (self->run_ && !self->run_->exited) co_await self->stop_run(self->run_);
    self->run_.reset();
    self->publish_state(State::Pending, "stopped");
    self->mark_finished();
  }

  std::optional<asio::steady_timer> wake_;
  std::shared_ptr<Run> run_;
  std::string restart_reason_;
  std::string last_stderr_;
  int restarts_ = 0;
  std::atomic<pid_t> live_pid_{0};
};

}  // namespace

std::shared_ptr<SourceBase> make_k8s_forward_source(TargetUrl url, Options options) {
  return std::make_shared<K8sForwardSource>(std::move(url), std::move(options));
}

}  // namespace bridge::discovery::detail
