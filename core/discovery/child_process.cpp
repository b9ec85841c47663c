// Spawning kubectl: own process group (so a stand-in's socat helpers die with it), pipes for
// its output, a pidfd for its exit.
#include "detail/child.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

extern char** environ;

namespace bridge::discovery::detail {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

using net::nothrow;

std::vector<std::string> merged_environment(const EnvMap& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (overrides.count(entry.substr(0, entry.find('='))) == 0) out.push_back(entry);
  }
  for (const auto& [name, value] : overrides) {
    if (!value.empty()) out.push_back(name + "=" + value);
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

asio::awaitable<void> read_all(asio::posix::stream_descriptor& fd, std::string& into) {
  auto buffer = asio::dynamic_buffer(into, size_t{16} * 1024 * 1024);
  co_await asio::async_read(fd, buffer, nothrow);  // ends at EOF (an "error")
}

asio::awaitable<void> wait_readable(asio::posix::stream_descriptor& fd) {
  co_await fd.async_wait(asio::posix::descriptor_base::wait_read, nothrow);
}

asio::awaitable<void> expire(asio::steady_timer& timer) { co_await timer.async_wait(nothrow); }

}  // namespace

Result<std::string> find_program(const std::string& program, const EnvMap& env) {
  if (program.find('/') != std::string::npos) {
    if (executable(program)) return program;
    return Error::runtime(program + " is not an executable file");
  }
  std::string path = getenv_with(env, "PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (executable(candidate)) return candidate;
  }
  return Error::runtime(program + " not found on PATH");
}

Result<Child> spawn_child(const std::vector<std::string>& argv, const EnvMap& env) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return Error::runtime(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Error::runtime(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  // Nothing else of bridge's reaches the child: Asio opens sockets without close-on-exec
  // (listeners, the admin API's and the HTTP client's), and a child holding one would keep it
  // open. The proxy's client and upstream sockets are close-on-exec (net/owned_socket.hpp).
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args = argv;
  std::vector<std::string> envs = merged_environment(env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, c_args[0], &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    return Error::runtime("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int e = errno;
    kill_group(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    ::close(err[0]);
    return Error::runtime(std::string("pidfd_open: ") + std::strerror(e));
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  return Child{pid, pidfd, out[0], err[0]};
}

void kill_group(pid_t pid, int sig) {
  if (pid > 0) ::kill(-pid, sig);
}

int try_reap(pid_t pid) {
  int raw = 0;
  pid_t r = ::waitpid(pid, &raw, WNOHANG);
  if (r != pid) return r < 0 && errno == ECHILD ? 255 : -1;
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return 255;
}

std::string describe_status(int status) {
  if (status > 128) return "killed by signal " + std::to_string(status - 128);
  return "exit status " + std::to_string(status);
}

asio::awaitable<Result<CommandOutput>> run_command(std::vector<std::string> argv, EnvMap env,
                                                   std::chrono::milliseconds timeout) {
  auto program = find_program(argv.at(0), env);
  if (!program) co_return program.error();
  argv[0] = *program;
  auto child = spawn_child(argv, env);
  if (!child) co_return child.error();
  auto ex = co_await asio::this_coro::executor;
  asio::posix::stream_descriptor out(ex, child->out_fd), err(ex, child->err_fd),
      exit_fd(ex, child->pidfd);
  asio::steady_timer timer(ex, timeout);
  CommandOutput result;
  auto done = co_await (
      (read_all(out, result.out) && read_all(err, result.err) && wait_readable(exit_fd)) ||
      expire(timer));
  if (done.index() == 1) {
    kill_group(child->pid, SIGKILL);
    ::waitpid(child->pid, nullptr, 0);
    co_return Error::runtime(argv[0] + " did not finish within " + std::to_string(timeout.count()) +
                             " ms");
  }
  int raw = 0;
  ::waitpid(child->pid, &raw, 0);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  kill_group(child->pid, SIGKILL);  // anything it left behind in its group
  co_return result;
}

}  // namespace bridge::discovery::detail
