#pragma once
/// A command in a real terminal: a detached tmux session on a private socket, driven with
/// send-keys and read with capture-pane. Panes stay after the command exits (remain-on-exit),
/// so its exit status can be read.

#include "process.hpp"
#include "temp_dir.hpp"

#include <optional>
#include <string>

namespace bridge::test {

/// True when /usr/bin/tmux exists.
bool tmux_available();

class Tmux {
 public:
  /// Starts `shell_command` (run by sh -c; prefix it with `exec` so the pane's pid is the
  /// command's) in a 200x50 terminal. Throws when tmux cannot start.
  explicit Tmux(const std::string& shell_command);
  /// Kills the tmux server (and the command with it).
  ~Tmux();
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  /// Types `text` literally, then Enter when `enter`.
  void send(const std::string& text, bool enter = true);
  /// Sends a key by tmux name ("C-c", "Enter").
  void key(const std::string& name);
  /// The screen and scrollback as plain text (no colours), wrapped lines joined.
  std::string screen() const;
  /// Polls the screen until it contains `text` `times` times; false on timeout.
  bool wait_for(const std::string& text, Millis timeout, int times = 1) const;
  /// The pid of the pane's process.
  pid_t pid() const;
  /// The command's exit status once it exited; nullopt while it runs (waits up to `timeout`).
  std::optional<int> wait_exit(Millis timeout) const;

 private:
  RunResult tmux(std::vector<std::string> args) const;
  TempDir dir_;
  std::string socket_;
};

}  // namespace bridge::test
