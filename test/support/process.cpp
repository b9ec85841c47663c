#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace bridge::test {

namespace {

int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (extra.count(name) == 0) env.push_back(entry);
  }
  for (const auto& [name, value] : extra) {
    if (!value.empty()) env.push_back(name + "=" + value);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                 std::string cwd)
    : argv_(std::move(argv)), out_path_(dir_ / "stdout"), err_path_(dir_ / "stderr") {
  if (argv_.empty()) throw std::invalid_argument("Process: empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  // The child starts with default signal dispositions and an empty mask, whatever the test did.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv_;
  std::vector<std::string> envs = child_environment(env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);
  int rc = posix_spawnp(&pid_, c_args[0], &actions, &attr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("posix_spawn " + argv_[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() { kill(); }

bool Process::running() {
  if (status_ || pid_ <= 0) return false;
  int raw = 0;
  pid_t r = waitpid(pid_, &raw, WNOHANG);
  if (r == pid_) {
    status_ = decode_status(raw);
    return false;
  }
  return r == 0;
}

std::optional<int> Process::wait_exit(Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!running()) return status_;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

void Process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

void Process::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int raw = 0;
  while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
  }
  status_ = decode_status(raw);
}

std::string Process::stdout_text() const { return read_file(out_path_); }
std::string Process::stderr_text() const { return read_file(err_path_); }

bool Process::wait_for_file(const std::string& path, const std::string& text, Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (read_file(path).find(text) != std::string::npos) return true;
    bool alive = running();
    if (!alive) return read_file(path).find(text) != std::string::npos;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

bool Process::wait_for_stderr(const std::string& text, Millis timeout) {
  return wait_for_file(err_path_, text, timeout);
}

bool Process::wait_for_stdout(const std::string& text, Millis timeout) {
  return wait_for_file(out_path_, text, timeout);
}

std::string Process::command_line() const {
  std::string out;
  for (const auto& a : argv_) out += (out.empty() ? "" : " ") + a;
  return out;
}

RunResult run(std::vector<std::string> argv, Millis timeout, std::map<std::string, std::string> env,
              std::string cwd) {
  Process p(std::move(argv), std::move(env), std::move(cwd));
  RunResult result;
  auto status = p.wait_exit(timeout);
  if (!status) p.kill();
  result.status = status.value_or(-1);
  result.out = p.stdout_text();
  result.err = p.stderr_text();
  return result;
}

RunResult curl(std::vector<std::string> args, Millis timeout) {
  args.insert(args.begin(), {"/usr/bin/curl", "-sS"});
  return run(std::move(args), timeout);
}

long proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream fields(line.substr(field.size() + 1));
      long kib = -1;
      fields >> kib;
      return kib;
    }
  }
  return -1;
}

}  // namespace bridge::test
