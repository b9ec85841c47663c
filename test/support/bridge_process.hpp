#pragma once
/// Running the bridge binary under test: short CLI commands and a long-running `bridge up`.

#include "process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bridge::test {

/// $BRIDGE_BIN (set by meson to the built executable).
std::string bridge_bin();
/// $BRIDGE_SOURCE_DIR (the repository root), for the shipped profiles.
std::string source_dir();

/// Runs `bridge ARGS...` to completion with NO_COLOR=1 and without BRIDGE_CONFIG_DIR and
/// BRIDGE_PROFILE from the caller's environment, in `cwd` (default: a fresh empty dir, so no
/// ./.bridge or ./profiles is found by accident).
RunResult run_bridge(std::vector<std::string> args, Millis timeout = 10s, std::string cwd = {});

/// `bridge up --config-dir DIR` on a config dir of its own.
class BridgeUp {
 public:
  BridgeUp();
  ~BridgeUp();

  std::string config_dir() const { return dir_ / "config"; }
  /// A scratch path next to the config dir (for access logs, bodies, ...).
  std::string scratch(const std::string& name) const { return dir_ / name; }
  /// Writes `toml` as dev.toml (the default profile) plus an empty base.toml.
  void write_config(const std::string& toml, bool atomic = false);

  /// Spawns `bridge up --config-dir DIR EXTRA...` and returns immediately.
  void spawn(std::vector<std::string> extra = {});
  /// spawn(), then waits until stderr says "listening" and 127.0.0.1:port accepts; false when
  /// bridge exited first or `timeout` passed.
  bool start(uint16_t port, std::vector<std::string> extra = {}, Millis timeout = 5s);

  /// The admin API port from the banner line "admin   http://127.0.0.1:PORT" (use
  /// bridge.admin = "127.0.0.1:0"); 0 when it did not show within `timeout`.
  uint16_t admin_port(Millis timeout = 5s) const;

  Process& process() { return *process_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  /// Polls both outputs (the banner on stderr, the log on stdout or stderr) until one contains
  /// `text`; false on timeout or when bridge exits first without having printed it.
  bool wait_for_log(const std::string& text, Millis timeout) const;

  std::string stderr_text() const { return process_ ? process_->stderr_text() : ""; }
  std::string stdout_text() const { return process_ ? process_->stdout_text() : ""; }
  /// Both outputs, for failure messages.
  std::string output() const;

 private:
  TempDir dir_;
  TempDir cwd_;
  std::unique_ptr<Process> process_;
};

}  // namespace bridge::test
