#include "tmux.hpp"

#include <filesystem>
#include <stdexcept>
#include <thread>

namespace bridge::test {

namespace {
constexpr const char* session = "bridge-test";
int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}
}  // namespace

bool tmux_available() { return std::filesystem::exists("/usr/bin/tmux"); }

Tmux::Tmux(const std::string& shell_command) : socket_(dir_ / "tmux.sock") {
  std::string conf = dir_ / "tmux.conf";
  write_file(conf, "set-option -g remain-on-exit on\nset-option -g history-limit 5000\n");
  auto r = run({"/usr/bin/tmux", "-S", socket_, "-f", conf, "new-session", "-d", "-s", session,
                "-x", "200", "-y", "50", shell_command},
               10s, {{"TERM", "xterm-256color"}, {"TMUX", ""}});
  if (r.status != 0) throw std::runtime_error("tmux new-session failed: " + r.err);
}

Tmux::~Tmux() { tmux({"kill-server"}); }

RunResult Tmux::tmux(std::vector<std::string> args) const {
  args.insert(args.begin(), {"/usr/bin/tmux", "-S", socket_});
  return run(std::move(args), 10s, {{"TMUX", ""}});
}

void Tmux::send(const std::string& text, bool enter) {
  tmux({"send-keys", "-t", session, "-l", text});
  if (enter) key("Enter");
}

void Tmux::key(const std::string& name) { tmux({"send-keys", "-t", session, name}); }

std::string Tmux::screen() const {
  return tmux({"capture-pane", "-p", "-J", "-t", session, "-S", "-5000"}).out;
}

bool Tmux::wait_for(const std::string& text, Millis timeout, int times) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (count(screen(), text) >= times) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

pid_t Tmux::pid() const {
  auto r = tmux({"display-message", "-p", "-t", session, "#{pane_pid}"});
  return static_cast<pid_t>(std::atoi(r.out.c_str()));
}

std::optional<int> Tmux::wait_exit(Millis timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = tmux({"display-message", "-p", "-t", session, "#{pane_dead} #{pane_dead_status}"});
    if (r.out.rfind("1 ", 0) == 0) return std::atoi(r.out.c_str() + 2);
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace bridge::test
