#include "doc_shell.hpp"

#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace bridge::test::docs {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A job is idle (ready for the next command) once its processes sleep and have used no CPU
// for this long; a job that never gets there is waited for at most `settle_limit`.
constexpr Millis settle_quiet = 500ms;
constexpr Millis settle_limit = 10s;
// A command that printed all the page shows is interrupted after this much silence.
constexpr Millis interrupt_quiet = 1500ms;
constexpr Millis after_kill = 10s;

struct ProcStat {
  pid_t pid = 0;
  char state = '?';
  pid_t pgrp = 0;
  pid_t session = 0;
  long cpu = 0;  // utime + stime, in clock ticks
};

std::vector<ProcStat> processes() {
  std::vector<ProcStat> out;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(text.substr(paren + 2));
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    if (f.size() < 13) continue;
    out.push_back({static_cast<pid_t>(pid), f[0][0], static_cast<pid_t>(std::stol(f[2])),
                   static_cast<pid_t>(std::stol(f[3])), std::stol(f[11]) + std::stol(f[12])});
  }
  ::closedir(proc);
  return out;
}

std::vector<std::string> shell_environment(const std::string& root, const std::string& home) {
  const char* path = std::getenv("PATH");
  std::map<std::string, std::string> changes{
      {"PATH", root + "/bin:" + (path != nullptr ? path : "/usr/bin:/bin")},
      {"HOME", home},
      {"XDG_CONFIG_HOME", home + "/.config"},
      {"XDG_DATA_HOME", home + "/.local/share"},
      {"XDG_STATE_HOME", home + "/.local/state"},
      {"XDG_CACHE_HOME", home + "/.cache"},
      {"XDG_RUNTIME_DIR", root + "/run"},
      {"NO_COLOR", "1"},
      {"TERM", "dumb"},
      {"TZ", "UTC"},
      {"LC_ALL", "C.UTF-8"},
  };
  // What the reader's shell would not have: settings of the test run and of this machine.
  for (char** e = environ; *e != nullptr; ++e) {
    std::string name(*e, std::strcspn(*e, "="));
    bool outside =
        name.rfind("XDG_", 0) == 0 || name.rfind("BRIDGE__", 0) == 0 || name.rfind("LC_", 0) == 0;
    for (const char* other : {"BRIDGE_CONFIG_DIR", "BRIDGE_PROFILE", "BRIDGE_ADMIN_TOKEN", "LANG",
                              "DOCKER_HOST", "KUBECONFIG", "COMPOSE_FILE", "CDPATH"}) {
      outside = outside || name == other;
    }
    if (outside && changes.count(name) == 0) changes[name] = "";
  }
  return child_environment(changes);
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("doc shell: cannot write to bash");
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

DocShell::DocShell(const std::string& source_dir) : home_(root_ / "home") {
  std::random_device random;
  std::ostringstream salt;
  salt << std::hex << random() << random();
  marker_ = "@@doc-test-" + salt.str() + "@@";
  start(source_dir);
}

DocShell::~DocShell() { stop(); }

void DocShell::start(const std::string& source_dir) {
  for (const char* dir : {"/.config", "/.local/share", "/.local/state", "/.cache"}) {
    fs::create_directories(home_ + dir);
  }
  fs::create_directories(root_ / "bin");
  fs::create_directories(root_ / "cmd");
  fs::create_directories(root_ / "run");
  fs::permissions(root_ / "run", fs::perms::owner_all);
  const char* bin = std::getenv("BRIDGE_BIN");
  fs::create_symlink(bin != nullptr ? bin : "bridge", root_ / "bin/bridge");
  fs::copy(source_dir + "/profiles", home_ + "/profiles", fs::copy_options::recursive);

  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
    throw std::runtime_error("doc shell: no pseudo-terminal");
  }
  char name[128];
  if (::ptsname_r(master_, name, sizeof name) != 0) throw std::runtime_error("doc shell: ptsname");
  int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  termios tio{};
  ::tcgetattr(slave, &tio);
  tio.c_lflag &= ~(ECHO | ECHONL);  // nothing is typed; keep ISIG for Ctrl-C
  tio.c_oflag &= ~OPOST;            // "\n" stays "\n"
  ::tcsetattr(slave, TCSANOW, &tio);
  winsize size{50, 160, 0, 0};
  ::ioctl(slave, TIOCSWINSZ, &size);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("doc shell: pipe");
  commands_ = pipe_fds[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
  // Opened after setsid: the terminal becomes the session's, so bash can do job control.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, name, O_RDWR, 0);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv{"/bin/bash", "--noprofile", "--norc"};
  auto env = shell_environment(root_.path(), home_);
  int rc = ::posix_spawn(&shell_, argv[0].c_str(), &actions, &attr, c_strings(argv).data(),
                         c_strings(env).data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipe_fds[0]);
  ::close(slave);
  if (rc != 0) throw std::runtime_error("doc shell: cannot start /bin/bash");
  session_ = shell_;
  // Job control: each command gets its own process group and the terminal, so Ctrl-C reaches
  // it alone; the trap keeps bash alive when a command dies of it.
  write_all(commands_, "set -m\ntrap : INT\ncd \"$HOME\"\n");
}

long DocShell::read_some(std::string& into, Millis wait) {
  pollfd pfd{master_, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(wait.count())) <= 0) return 0;
  char chunk[65536];
  ssize_t n = ::read(master_, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (n <= 0) return -1;  // EIO: nothing holds the terminal any more
  into.append(chunk, static_cast<size_t>(n));
  return n;
}

DocShell::Outcome DocShell::run(const std::string& command, Millis limit,
                                const std::function<bool(const std::string&)>& shows_all) {
  Outcome outcome;
  if (!alive()) {
    outcome.end = End::ShellGone;
    return outcome;
  }
  std::string file = root_ / ("cmd/" + std::to_string(++count_) + ".sh");
  std::ofstream(file) << command << "\n";
  write_all(commands_, "source '" + file + "' </dev/tty\nprintf '\\n%s %d %s\\n' " + marker_ +
                           " \"$?\" \"$!\"\n");

  std::string buffer = std::move(pending_);
  pending_.clear();
  auto now = Clock::now();
  auto deadline = now + limit;
  auto last_output = now;
  size_t cut = std::string::npos;  // where the output ends when the command was interrupted
  bool killed = false;
  for (;;) {
    pid_t job = 0;
    if (ended(buffer, outcome.status, job)) {
      outcome.output = buffer.substr(0, std::min(buffer.size(), cut));
      outcome.end = killed                     ? End::TimedOut
                    : cut != std::string::npos ? End::Interrupted
                                               : End::Exited;
      if (job > 0 && job != last_job_) {
        last_job_ = job;
        if (outcome.end == End::Exited) settle(job, outcome.output);
      }
      return outcome;
    }
    long n = read_some(buffer, 50ms);
    now = Clock::now();
    if (n > 0) last_output = now;
    int raw = 0;
    if (n < 0 || ::waitpid(shell_, &raw, WNOHANG) == shell_) {
      if (n >= 0) shell_ = -1;  // reaped
      stop();
      outcome.output = buffer;
      outcome.end = End::ShellGone;
      return outcome;
    }
    pid_t foreground = ::tcgetpgrp(master_);
    bool command_runs = foreground > 0 && foreground != shell_;
    if (cut == std::string::npos && !killed && command_runs &&
        now - last_output >= interrupt_quiet && shows_all(buffer)) {
      ::kill(-foreground, SIGINT);
      cut = buffer.size();
      deadline = now + after_kill;
    }
    if (now >= deadline && !killed && command_runs) {
      ::kill(-foreground, SIGKILL);
      killed = true;
      deadline = now + after_kill;
    } else if (now >= deadline) {
      stop();  // bash itself hangs (a builtin such as `wait`), or ignored SIGKILL's aftermath
      outcome.output = buffer;
      outcome.end = End::ShellGone;
      return outcome;
    }
  }
}

bool DocShell::ended(std::string& buffer, int& status, pid_t& job) {
  const std::string end_mark = "\n" + marker_ + " ";
  auto mark = buffer.find(end_mark);
  if (mark == std::string::npos) return false;
  auto eol = buffer.find('\n', mark + 1);
  if (eol == std::string::npos) return false;
  std::istringstream fields(buffer.substr(mark + end_mark.size(), eol - mark));
  fields >> status >> job;
  pending_ = buffer.substr(eol + 1);
  buffer.resize(mark);
  return true;
}

void DocShell::settle(pid_t job, std::string& output) {
  pid_t group = ::getpgid(job);
  if (group < 0) return;
  auto start = Clock::now();
  auto quiet_since = start;
  long cpu = -1;
  while (Clock::now() - start < settle_limit) {
    if (read_some(output, 50ms) > 0) quiet_since = Clock::now();
    long total = 0;
    bool any = false, busy = false;
    for (const auto& p : processes()) {
      if (p.pgrp != group || p.state == 'Z') continue;
      any = true;
      busy = busy || p.state == 'R' || p.state == 'D';
      total += p.cpu;
    }
    if (!any) return;
    auto now = Clock::now();
    if (busy || total != cpu) {
      cpu = total;
      quiet_since = now;
    } else if (now - quiet_since >= settle_quiet) {
      return;
    }
  }
}

void DocShell::stop() {
  if (session_ > 0) {
    pid_t session = session_;
    auto members = [session] {
      std::vector<pid_t> pids;
      for (const auto& p : processes()) {
        if (p.session == session && p.state != 'Z') pids.push_back(p.pid);
      }
      return pids;
    };
    for (pid_t pid : members()) ::kill(pid, SIGTERM);
    auto give_up = Clock::now() + 5s;
    int raw = 0;
    while (!members().empty() && Clock::now() < give_up) {
      if (shell_ > 0 && ::waitpid(shell_, &raw, WNOHANG) == shell_) shell_ = -1;
      std::this_thread::sleep_for(50ms);
    }
    for (pid_t pid : members()) ::kill(pid, SIGKILL);
    if (shell_ > 0) ::waitpid(shell_, &raw, 0);
    shell_ = session_ = -1;
  }
  if (commands_ >= 0) ::close(commands_);
  if (master_ >= 0) ::close(master_);
  commands_ = master_ = -1;
}

}  // namespace bridge::test::docs
