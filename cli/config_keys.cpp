// bridge config keys [PREFIX] [--json | --markdown]: the table of every configuration key, the
// one the decoder checks against. docs/configuration.md's reference is its --markdown output.
#include "commands.hpp"
#include "config/keys.hpp"
#include "print.hpp"

#include <cctype>

namespace bridge::cli {
namespace {

struct KeysOptions {
  std::string prefix;
  bool json = false;
  bool markdown = false;
};

std::string text(std::string_view s) { return std::string(s); }

// What `allowed` adds to the meaning: "one of a, b" or "a..b".
std::string allowed_note(const config::KeyInfo& k, bool markdown) {
  if (k.allowed.empty()) return "";
  std::string allowed = text(k.allowed);
  if (allowed.find("..") != std::string::npos)
    return markdown ? " (`" + allowed + "`)" : " (" + allowed + ")";
  if (!markdown) return " (one of " + allowed + ")";
  std::string out;
  size_t start = 0;
  while (start <= allowed.size()) {
    size_t comma = allowed.find(", ", start);
    std::string choice = allowed.substr(start, comma - start);
    out += (out.empty() ? "" : ", ") + ("`" + choice + "`");
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return " (one of " + out + ")";
}

// A code span that survives backticks inside it (rules).
std::string code(std::string_view s) {
  if (s.find('`') == std::string_view::npos) return "`" + text(s) + "`";
  return "`` " + text(s) + " ``";
}

// A default in words ("required", "the rule's length") stays prose; a value is code.
std::string default_cell(std::string_view d) {
  if (d.empty()) return "";
  bool value = d.front() == '"' || d.front() == '[' || d.front() == '{' || d == "true" ||
               d == "false" || (std::isdigit(static_cast<unsigned char>(d.front())) != 0);
  return value ? code(d) : text(d);
}

std::string escape_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void print_markdown(const std::vector<const config::KeyInfo*>& keys) {
  print_line("| key | type | default | meaning | example |");
  print_line("|---|---|---|---|---|");
  for (const config::KeyInfo* k : keys) {
    std::string row;
    for (const std::string& cell : {"`" + text(k->key) + "`", text(config::type_name(k->type)),
                                    default_cell(k->default_value),
                                    text(k->meaning) + allowed_note(*k, true), code(k->example)})
      row += "| " + escape_cell(cell) + " ";
    print_line(row + "|");
  }
}

void print_text(const std::vector<const config::KeyInfo*>& keys) {
  bool c = stdout_colour();
  for (const config::KeyInfo* k : keys) {
    std::string head = paint(k->key, Colour::Cyan, c) + "  " + text(config::type_name(k->type));
    if (k->default_value == "required")
      head += "  required";
    else if (!k->default_value.empty())
      head += "  default " + text(k->default_value);
    print_line(head);
    print_line("    " + text(k->meaning) + allowed_note(*k, false));
    print_line("    " + paint("e.g. " + text(k->example), Colour::Dim, c));
  }
}

int run_keys(const KeysOptions& options) {
  std::vector<const config::KeyInfo*> keys = config::keys_matching(options.prefix);
  if (keys.empty()) {
    std::vector<std::string> top = config::keys_inside("");
    std::string first = options.prefix.substr(0, options.prefix.find_first_of(".["));
    std::string near = nearest(first, top);
    print_error(Error::usage("no configuration key starts with \"" + options.prefix + "\"",
                             near.empty() ? "the top-level keys are " + join(top)
                                          : "did you mean \"" + near + "\"?"));
    return exit_usage;
  }
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const config::KeyInfo* k : keys)
      out.push_back({{"key", k->key},
                     {"type", config::type_name(k->type)},
                     {"default", k->default_value},
                     {"allowed", k->allowed},
                     {"meaning", k->meaning},
                     {"example", k->example}});
    print_json(out);
  } else if (options.markdown) {
    print_markdown(keys);
  } else {
    print_text(keys);
  }
  return exit_ok;
}

}  // namespace

void setup_config_keys(CLI::App& config, Action& action) {
  auto options = std::make_shared<KeysOptions>();
  CLI::App* keys = config.add_subcommand(
      "keys", "List every configuration key with its type, default, meaning and an example");
  keys->add_option("PREFIX", options->prefix,
                   "Only keys under this one: listeners, listeners.tls, middlewares.cors.headers "
                   "(any name stands for NAME)");
  auto* json = keys->add_flag("--json", options->json, "Print as JSON");
  keys->add_flag("--markdown", options->markdown,
                 "Print the reference table of docs/configuration.md")
      ->excludes(json);
  keys->footer("Examples:\n  bridge config keys listeners\n  bridge config keys "
               "middlewares.limit.rateLimit --json");
  keys->callback([&action, options] { action = [options] { return run_keys(*options); }; });
}

}  // namespace bridge::cli
