#pragma once
/// Child processes (kubectl) in their own process group with their output on pipes, watched
/// with a pidfd so exits arrive on the io_context like any other event.

#include "common/error.hpp"
#include "detail/compose.hpp"

#include <boost/asio/awaitable.hpp>

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace bridge::discovery::detail {

struct Child {
  pid_t pid = -1;  // also the process group id
  int pidfd = -1;  // readable when the child exits
  int out_fd = -1;
  int err_fd = -1;
};

/// Finds `program` (a path, or a name searched in PATH from `env`/the environment).
Result<std::string> find_program(const std::string& program, const EnvMap& env);

/// Spawns argv in a new process group, stdin /dev/null, stdout and stderr on pipes, with the
/// environment plus `env` (an empty value unsets). The caller owns the descriptors.
Result<Child> spawn_child(const std::vector<std::string>& argv, const EnvMap& env);

/// Signals the child's whole process group (kubectl and anything it started).
void kill_group(pid_t pid, int sig);

/// waitpid without blocking: the exit status (0-255, 128+N for signal N) or -1 while running.
int try_reap(pid_t pid);

/// "exit status 1", "killed by signal 9".
std::string describe_status(int status);

struct CommandOutput {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs a command to completion on the current executor; killed after `timeout`.
boost::asio::awaitable<Result<CommandOutput>> run_command(std::vector<std::string> argv, EnvMap env,
                                                          std::chrono::milliseconds timeout);

}  // namespace bridge::discovery::detail
