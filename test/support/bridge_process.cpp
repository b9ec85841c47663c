#include "bridge_process.hpp"

#include "net.hpp"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

namespace bridge::test {

namespace {
std::map<std::string, std::string> bridge_env() {
  // An empty value removes the variable from the child's environment.
  return {{"NO_COLOR", "1"}, {"BRIDGE_CONFIG_DIR", ""}, {"BRIDGE_PROFILE", ""}};
}
}  // namespace

std::string bridge_bin() {
  const char* path = std::getenv("BRIDGE_BIN");
  return path != nullptr ? path : "bridge";
}

std::string source_dir() {
  const char* path = std::getenv("BRIDGE_SOURCE_DIR");
  return path != nullptr ? path : ".";
}

RunResult run_bridge(std::vector<std::string> args, Millis timeout, std::string cwd) {
  TempDir empty;
  args.insert(args.begin(), bridge_bin());
  return run(std::move(args), timeout, bridge_env(), cwd.empty() ? empty.path() : cwd);
}

BridgeUp::BridgeUp() { std::filesystem::create_directories(config_dir()); }

BridgeUp::~BridgeUp() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(std::chrono::seconds(2))) process_->kill();
}

void BridgeUp::write_config(const std::string& toml, bool atomic) {
  std::string base = config_dir() + "/base.toml";
  if (!std::filesystem::exists(base)) write_file(base, "# tests put everything in dev.toml\n");
  if (atomic) {
    write_file_atomic(config_dir() + "/dev.toml", toml);
  } else {
    write_file(config_dir() + "/dev.toml", toml);
  }
}

void BridgeUp::spawn(std::vector<std::string> extra) {
  std::vector<std::string> argv{bridge_bin(), "up", "--config-dir", config_dir()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(std::move(argv), bridge_env(), cwd_.path());
}

bool BridgeUp::start(uint16_t port, std::vector<std::string> extra, Millis timeout) {
  spawn(std::move(extra));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Ready = the banner says "listening" and the port accepts (the banner alone could be
  // printed before the listener works, the port alone could be a startup probe).
  while (std::chrono::steady_clock::now() < deadline) {
    if (process_->stderr_text().find("listening") != std::string::npos && port_open(port)) {
      return true;
    }
    if (!process_->running()) return false;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

uint16_t BridgeUp::admin_port(Millis timeout) const {
  static const std::regex banner(R"(admin\s+http://(?:\[[^\]]*\]|[^\s:/]+):([0-9]+))");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_) {
    std::smatch m;
    std::string text = process_->stderr_text();
    if (std::regex_search(text, m, banner)) return static_cast<uint16_t>(std::stoi(m[1]));
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

bool BridgeUp::wait_for_log(const std::string& text, Millis timeout) const {
  if (!process_) return false;
  auto logged = [&] {
    return stderr_text().find(text) != std::string::npos ||
           stdout_text().find(text) != std::string::npos;
  };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!logged()) {
    if (std::chrono::steady_clock::now() >= deadline || !process_->running()) return logged();
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string BridgeUp::output() const {
  return "--- bridge stderr ---\n" + stderr_text() + "--- bridge stdout ---\n" + stdout_text();
}

}  // namespace bridge::test
