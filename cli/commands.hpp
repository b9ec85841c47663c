#pragma once
/// Shared pieces of the subcommands: global options and how each registers itself.

#include "common/text.hpp"  // join, for every list in a message
#include "config/config.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bridge::cli {

/// Flags that every subcommand understands.
struct GlobalOptions {
  std::string profile = "dev";
  std::string config_dir;
  std::vector<std::string> sets;
  std::string log_level;
  bool strict = false;  // config check --strict: what [[sources]] cannot honour is an error
  config::LoadOptions load_options() const;
};

/// The work a parsed command line selected; returns the exit status.
using Action = std::function<int()>;

/// Exit statuses shared by all commands.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_not_available = 3;

/// Loads the config for `options` or prints the error; nullopt means exit 2.
std::optional<config::Config> load_config_or_print(const GlobalOptions& options);

/// Says that `what` is not part of this build and returns exit 3.
int not_available(const std::string& what);

/// `-H 'Name: value'` arguments as (name, value) pairs; a usage error for one without a colon.
Result<std::vector<std::pair<std::string, std::string>>>
parse_header_args(const std::vector<std::string>& args);

void setup_up(CLI::App& app, const GlobalOptions& global, Action& action);
void setup_route(CLI::App& app, const GlobalOptions& global, Action& action);
void setup_trace(CLI::App& app, const GlobalOptions& global, Action& action);
void setup_cert(CLI::App& app, const GlobalOptions& global, Action& action);
void setup_config(CLI::App& app, const GlobalOptions& global, Action& action);
/// `config keys`, under the `config` command.
void setup_config_keys(CLI::App& config, Action& action);

}  // namespace bridge::cli
