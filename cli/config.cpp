// bridge config show|check|diff: the effective configuration and where each value came from.
#include "commands.hpp"
#include "print.hpp"
#include "proxy/snapshot.hpp"
#include "tls/tls.hpp"

#include <map>

namespace bridge::cli {

namespace {

struct ConfigOptions {
  bool origin = false;
  bool json = false;
  bool strict = false;
  std::string left;
  std::string right;
};

// A value as its JSON type (a string, number, array...), not the TOML text that sets it.
nlohmann::json typed_value(const config::Leaf& leaf) {
  auto value = nlohmann::json::parse(config::leaf_json(leaf.value), nullptr, false);
  return value.is_discarded() ? nlohmann::json(leaf.value) : value;
}

nlohmann::json leaves_json(const config::Config& config) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& leaf : config.leaves) {
    values[leaf.path] = {{"value", typed_value(leaf)}, {"origin", leaf.origin.str()}};
  }
  return values;
}

int run_show(const GlobalOptions& global, const ConfigOptions& options) {
  auto config = load_config_or_print(global);
  if (!config) return exit_usage;
  if (options.json) {
    print_json({{"profile", config->profile},
                {"files", config->files},
                {"hash", config->hash},
                {"values", leaves_json(*config)}});
    return exit_ok;
  }
  bool c = stdout_colour();
  print_line(
      paint("# profile " + config->profile + " from " + join(config->files), Colour::Dim, c));
  if (!options.origin) {
    for (const auto& leaf : config->leaves) {
      print_line(paint(leaf.path, Colour::Cyan, c) + " = " + leaf.value);
    }
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{{"KEY", "VALUE", "ORIGIN"}};
  for (const auto& leaf : config->leaves) {
    rows.push_back({leaf.path, leaf.value, leaf.origin.str()});
  }
  print_table(rows);
  return exit_ok;
}

int run_check(GlobalOptions global, const ConfigOptions& options) {
  global.strict = options.strict;
  auto config = load_config_or_print(global);
  if (!config) return exit_usage;
  auto snapshot = proxy::build_snapshot(*config);
  if (!snapshot) {
    print_error(snapshot.error());
    return exit_usage;
  }
  // Every file `up` reads, not only the TOML: a check that passes means `up` starts.
  if (auto files = tls::check_listener_files(*config); !files) {
    print_error(files.error());
    return exit_usage;
  }
  if (options.json) {
    nlohmann::json warnings = nlohmann::json::array();
    for (const Error& w : config->warnings)
      warnings.push_back({{"message", w.message}, {"where", w.where.str()}, {"hint", w.hint}});
    print_json({{"ok", true},
                {"profile", config->profile},
                {"warnings", warnings},
                {"files", config->files},
                {"hash", config->hash},
                {"listeners", config->listeners.size()},
                {"routes", config->routes.size()},
                {"tcp_routes", config->tcp_routes.size()},
                {"upstreams", config->upstreams.size()}});
    return exit_ok;
  }
  print_line(paint("ok", Colour::Green, stdout_colour()) + ": profile " + config->profile + " (" +
             quantity(config->files.size(), "file") + ", " +
             quantity(config->listeners.size(), "listener") + ", " +
             quantity(config->routes.size(), "route") + ", " +
             (config->tcp_routes.empty()
                  ? std::string()
                  : quantity(config->tcp_routes.size(), "TCP route") + ", ") +
             quantity(config->upstreams.size(), "upstream") + ")" +
             (config->warnings.empty() ? std::string()
                                       : "; " + quantity(config->warnings.size(), "warning") +
                                             " above (--strict makes them errors)"));
  return exit_ok;
}

int run_diff(const GlobalOptions& global, const ConfigOptions& options) {
  GlobalOptions left_options = global;
  left_options.profile = options.left;
  GlobalOptions right_options = global;
  right_options.profile = options.right;
  auto left = load_config_or_print(left_options);
  if (!left) return exit_usage;
  auto right = load_config_or_print(right_options);
  if (!right) return exit_usage;

  std::map<std::string, const config::Leaf*> a, b;
  for (const auto& leaf : left->leaves) a[leaf.path] = &leaf;
  for (const auto& leaf : right->leaves) b[leaf.path] = &leaf;
  std::map<std::string, std::pair<const config::Leaf*, const config::Leaf*>> changed;
  for (auto& [path, leaf] : a) {
    auto it = b.find(path);
    if (it == b.end() || it->second->value != leaf->value) changed[path] = {leaf, nullptr};
    if (it != b.end() && it->second->value != leaf->value) changed[path].second = it->second;
  }
  for (auto& [path, leaf] : b) {
    if (a.find(path) == a.end()) changed[path] = {nullptr, leaf};
  }

  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (auto& [path, pair] : changed) {
      auto side = [](const config::Leaf* l) -> nlohmann::json {
        if (l == nullptr) return nullptr;
        return {{"value", typed_value(*l)}, {"origin", l->origin.str()}};
      };
      out.push_back(
          {{"key", path}, {options.left, side(pair.first)}, {options.right, side(pair.second)}});
    }
    print_json(out);
    return exit_ok;
  }
  if (changed.empty()) {
    print_line("profiles " + options.left + " and " + options.right + " are identical");
    return exit_ok;
  }
  bool c = stdout_colour();
  std::vector<std::vector<std::string>> rows{
      {"KEY", options.left, "ORIGIN", options.right, "ORIGIN"}};
  for (auto& [path, pair] : changed) {
    rows.push_back({path, pair.first ? paint(pair.first->value, Colour::Red, c) : "(unset)",
                    pair.first ? pair.first->origin.str() : "",
                    pair.second ? paint(pair.second->value, Colour::Green, c) : "(unset)",
                    pair.second ? pair.second->origin.str() : ""});
  }
  print_table(rows);
  return exit_ok;
}

}  // namespace

void setup_config(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto options = std::make_shared<ConfigOptions>();
  CLI::App* cmd =
      app.add_subcommand("config", "Show, check and compare layered configuration; list every key");
  cmd->require_subcommand(1);
  cmd->footer("Examples:\n  bridge config show --profile staging --origin\n"
              "  bridge config check --profile prod\n  bridge config diff dev staging\n"
              "  bridge config keys listeners");

  CLI::App* show = cmd->add_subcommand(
      "show", "Print the effective config of a profile (base -> extends -> profile -> "
              "profile.local -> --set)");
  show->add_flag("--origin", options->origin, "Show the file:line:col each value came from");
  show->add_flag("--json", options->json, "Print as JSON");
  show->footer("Example:\n  bridge config show --profile staging --origin");
  show->callback([&action, &global, options] {
    action = [&global, options] { return run_show(global, *options); };
  });

  CLI::App* check =
      cmd->add_subcommand("check", "Validate a profile (exit 0 when valid, 2 if not)");
  check->add_flag("--json", options->json, "Print as JSON");
  check->add_flag("--strict", options->strict,
                  "Fail on what [[sources]] read but bridge cannot honour (a Traefik plugin, a "
                  "UDP router), instead of warning");
  check->footer("Examples:\n  bridge config check --profile prod && echo ready\n"
                "  bridge config check --profile traefik --strict   # CI: every Traefik router "
                "is served");
  check->callback([&action, &global, options] {
    action = [&global, options] { return run_check(global, *options); };
  });

  CLI::App* diff = cmd->add_subcommand("diff", "List the keys that differ between two profiles");
  diff->add_option("PROFILE1", options->left, "First profile")->required();
  diff->add_option("PROFILE2", options->right, "Second profile")->required();
  diff->add_flag("--json", options->json, "Print as JSON");
  diff->footer("Example:\n  bridge config diff dev staging");
  diff->callback([&action, &global, options] {
    action = [&global, options] { return run_diff(global, *options); };
  });

  setup_config_keys(*cmd, action);
}

}  // namespace bridge::cli
