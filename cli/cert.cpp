// bridge cert: local CA, leaf certificates, inspection, trust store, ACME.
#include "commands.hpp"

namespace bridge::cli {

void setup_cert(CLI::App& app, const GlobalOptions&, Action& action) {
  CLI::App* cmd = app.add_subcommand("cert", "Make and inspect development certificates");
  cmd->require_subcommand(1);
  cmd->footer("Examples:\n  bridge cert ca\n  bridge cert issue app.localhost '*.app.localhost'\n"
              "  bridge cert inspect app.localhost.pem");
  const std::vector<std::pair<std::string, std::string>> subcommands = {
      {"ca", "Create (once) and show the local, name-constrained CA"},
      {"issue", "Issue a leaf certificate signed by the local CA"},
      {"self-signed", "Make a standalone self-signed certificate"},
      {"inspect", "Show a certificate file or the chain a HOST:PORT serves"},
      {"trust", "Install the local CA into the system and NSS trust stores"},
      {"acme", "Obtain a certificate over ACME (Let's Encrypt staging by default)"},
      {"renew", "Renew ACME certificates near expiry"},
  };
  for (const auto& [name, description] : subcommands) {
    CLI::App* sub = cmd->add_subcommand(name, description);
    sub->allow_extras();
    std::string full = "bridge cert " + name;
    sub->callback([&action, full] { action = [full] { return not_available(full); }; });
  }
}

}  // namespace bridge::cli
