#include "help_formatter.hpp"

namespace bridge::cli {

std::string HelpFormatter::make_option_usage(const CLI::Option* opt) const {
  std::string usage = opt->get_type_name();
  if (usage.empty() || usage == "TEXT") {
    usage = opt->get_name();
    if (opt->get_expected_max() > 1) usage += "...";
  }
  return opt->get_required() ? usage : "[" + usage + "]";
}

std::string HelpFormatter::make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const {
  std::string out;
  const CLI::App* root = app;
  while (root->get_parent() != nullptr) root = root->get_parent();
  if (root != app && mode == CLI::AppFormatMode::Normal) {
    auto globals = root->get_options([root](const CLI::Option* opt) {
      return opt->nonpositional() && opt != root->get_help_ptr() && opt != root->get_help_all_ptr();
    });
    if (!globals.empty()) out = make_group("Global options", false, globals) + "\n";
  }
  return out + CLI::Formatter::make_subcommands(app, mode);
}

std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p != nullptr; p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  return path;
}

}  // namespace bridge::cli
