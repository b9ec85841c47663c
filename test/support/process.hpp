#pragma once
/// Child processes for tests: spawned with posix_spawn, output captured to files, killed by PID.

#include "temp_dir.hpp"

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bridge::test {

using namespace std::chrono_literals;
using Millis = std::chrono::milliseconds;

class Process {
 public:
  /// Spawns argv[0] (an absolute path or found in PATH) with the test's environment plus `env`
  /// (an empty value removes the variable). stdin is /dev/null; stdout and stderr go to files.
  /// Throws when the spawn itself fails.
  explicit Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
                   std::string cwd = {});
  /// SIGKILLs the child if it still runs, then reaps it.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  /// True while the child has not exited (reaps it when it has).
  bool running();
  /// Exit status (0-255), or 128+N when killed by signal N; nullopt on timeout.
  std::optional<int> wait_exit(Millis timeout);
  /// Sends `sig` to the child (no-op when it has exited).
  void signal(int sig);
  /// SIGKILL and reap.
  void kill();

  std::string stdout_text() const;
  std::string stderr_text() const;
  const std::string& stdout_path() const { return out_path_; }
  const std::string& stderr_path() const { return err_path_; }
  /// Polls stderr until it contains `text`; false on timeout or when the child exits first
  /// without having printed it.
  bool wait_for_stderr(const std::string& text, Millis timeout);
  /// Same for stdout.
  bool wait_for_stdout(const std::string& text, Millis timeout);
  /// The command line, for messages.
  std::string command_line() const;

 private:
  bool wait_for_file(const std::string& path, const std::string& text, Millis timeout);
  std::vector<std::string> argv_;
  TempDir dir_;
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct RunResult {
  int status = -1;  // as Process::wait_exit; -1 when it timed out (and was killed)
  std::string out;
  std::string err;
};

/// The test's environment with `changes` applied (an empty value removes the variable), as
/// NAME=VALUE strings.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& changes);
/// argv or envp for exec/posix_spawn: pointers into `strings`, then nullptr.
std::vector<char*> c_strings(std::vector<std::string>& strings);

/// Runs a short command to completion (killed after `timeout`), in `cwd` when given.
RunResult run(std::vector<std::string> argv, Millis timeout = 10s,
              std::map<std::string, std::string> env = {}, std::string cwd = {});

/// Runs `/usr/bin/curl -sS ARGS...`.
RunResult curl(std::vector<std::string> args, Millis timeout = 10s);

/// Resident set size in KiB of `pid` from /proc/PID/status (`field` = VmRSS or VmHWM); -1 on error.
long proc_status_kib(pid_t pid, const std::string& field = "VmRSS");

}  // namespace bridge::test
