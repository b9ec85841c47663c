#pragma once
// How `--help` looks: CLI11's layout, plus the global flags on every command's page and usage
// lines that read like the command is typed.

#include <CLI/CLI.hpp>

#include <string>

namespace bridge::cli {

class HelpFormatter : public CLI::Formatter {
 public:
  /// "[METHOD] URL" (the type name set on the positional) instead of CLI11's "REQUEST(1x)".
  std::string make_option_usage(const CLI::Option* opt) const override;
  /// A "Global options" section (-p, -c, --set, --log-level) on every subcommand's page: they
  /// are accepted there, so they are listed there.
  std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override;
};

/// "bridge route test": the words that select `app`, as typed.
std::string command_path(const CLI::App& app);

}  // namespace bridge::cli
