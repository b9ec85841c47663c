// bridge: builds the command line, runs the selected subcommand, maps errors to exit statuses.
#include "commands.hpp"
#include "help_formatter.hpp"
#include "print.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>

namespace bridge::cli {

namespace {

constexpr const char* version_text = BRIDGE_VERSION;

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const auto& n : opt->get_lnames()) names.push_back("--" + n);
    }
  }
  return names;
}

// CLI11's "arguments were not expected" message names neither the command nor a fix.
int report_parse_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const CLI::App* active = &app;
  std::string unknown;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool is_option = arg.size() > 1 && arg[0] == '-';
    if (!is_option && active->get_subcommands({}).size() > 0) {
      CLI::App* sub = nullptr;
      try {
        sub = active->get_subcommand(arg);
      } catch (const CLI::OptionNotFound&) {
      }
      if (sub != nullptr) {
        active = sub;
        continue;
      }
      if (unknown.empty() && active->get_subcommands({}).size() > 0) unknown = arg;
    }
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr ||
      dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    // CLI11 lists every leftover word; the first one that looks like a flag is the culprit.
    std::string extra = e.what();
    auto pos = extra.find(": ");
    std::string first;
    std::istringstream words(pos == std::string::npos ? "" : extra.substr(pos + 2));
    for (std::string word; words >> word;) {
      if (word.size() > 1 && word[0] == '-') {
        first = word;
        break;
      }
    }
    if (!first.empty()) {
      std::string suggestion = nearest(first.substr(0, first.find('=')), option_names(*active));
      print_error(
          Error::usage("unknown option \"" + first + "\" for \"" + active->get_name() + "\"",
                       suggestion.empty() ? "see: " + command_path(*active) + " --help"
                                          : "did you mean \"" + suggestion + "\"?"));
      return exit_usage;
    }
    if (!unknown.empty()) {
      std::vector<std::string> names;
      for (const CLI::App* s : active->get_subcommands({})) names.push_back(s->get_name());
      std::string suggestion = nearest(unknown, names);
      std::string hint = suggestion.empty() ? "valid commands: " + join(names)
                                            : "did you mean \"" + suggestion + "\"?";
      print_error(Error::usage(
          "unknown command \"" + unknown + "\" for \"" + active->get_name() + "\"", hint));
      return exit_usage;
    }
  }
  std::string where = command_path(*active);
  std::vector<std::string> commands;
  for (const CLI::App* s : active->get_subcommands({})) commands.push_back(s->get_name());
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && active->get_subcommands().empty() &&
      !commands.empty()) {
    // "A subcommand is required" names neither the command nor the choices.
    print_error(
        Error::usage(where + " needs a command: " + join(commands), "see: " + where + " --help"));
    return exit_usage;
  }
  print_error(Error::usage(e.what(), "see: " + where + " --help"));
  return exit_usage;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"bridge: a debuggable localhost front door. It proxies to Kubernetes services,\n"
               "docker-compose services and plain URLs, traces every request, explains routing\n"
               "and makes development certificates.\n\n"
               "Examples:\n"
               "  bridge up --profile staging\n"
               "  bridge route test GET http://api.localhost:8080/api/users\n"
               "  bridge config show --origin\n",
               "bridge"};
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they copy it
  app.require_subcommand(1);
  app.fallthrough();
  app.set_help_all_flag("--help-all", "Print help for every command");
  app.footer("Run 'bridge COMMAND --help' for a command's flags and examples.");

  GlobalOptions global;
  app.add_option("-p,--profile", global.profile, "Profile to run: dev, staging, prod, ...")
      ->envname("BRIDGE_PROFILE")
      ->capture_default_str();
  app.add_option("-c,--config-dir", global.config_dir,
                 "Config dir (default: $BRIDGE_CONFIG_DIR, ./.bridge, ./profiles, embedded)");
  app.add_option("--set", global.sets, "Override a config value: path=value (repeatable)")
      ->type_name("PATH=VALUE");
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  Action action;
  setup_up(app, global, action);
  setup_route(app, global, action);
  setup_trace(app, global, action);
  setup_cert(app, global, action);
  setup_config(app, global, action);

  bool version_json = false;
  CLI::App* version = app.add_subcommand("version", "Print the version of bridge");
  version->add_flag("--json", version_json, "Print as JSON");
  version->callback([&] {
    action = [&] {
      if (version_json) {
        print_json({{"version", version_text}});
      } else {
        print_line(std::string("bridge ") + version_text);
      }
      return exit_ok;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, argc, argv);
  }
  try {
    return action ? action() : exit_usage;
  } catch (const std::exception& e) {
    print_error(Error::runtime(std::string("internal error: ") + e.what(),
                               "this is a bug in bridge; please report it with the command line"));
    return exit_failure;
  }
}

}  // namespace bridge::cli

int main(int argc, char** argv) {
  try {
    return bridge::cli::run(argc, argv);
  } catch (...) {  // run() reports what it expects; this is the last line of defence
    std::fputs("error: internal error while starting (a bug in bridge; please report it)\n",
               stderr);
    return 1;
  }
}
