// bridge cert: local CA, leaf certificates, inspection, trust store, ACME.
#include "cert_commands.hpp"
#include "print.hpp"

namespace bridge::cli {

int cert_fail(const Error& error) {
  print_error(error);
  return error.exit_status();
}

std::string cert_date(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string cert_row(const std::string& label, const std::string& value) {
  std::string padded = label;
  if (padded.size() < 12) padded.resize(12, ' ');
  return "  " + paint(padded, Colour::Dim, stdout_colour()) + value;
}

void setup_cert(CLI::App& app, const GlobalOptions&, Action& action) {
  CLI::App* cmd = app.add_subcommand("cert", "Make and inspect development certificates");
  cmd->require_subcommand(1);
  cmd->footer("Examples:\n  bridge cert ca\n  bridge cert issue app.localhost '*.app.localhost'\n"
              "  bridge cert trust\n  bridge cert inspect app.localhost+1.pem\n"
              "  bridge cert acme app.example.com --email me@example.com\n\n"
              "The local CA lives in $XDG_DATA_HOME/bridge/ca (~/.local/share/bridge/ca).");
  setup_cert_ca(*cmd, action);
  setup_cert_issue(*cmd, action);
  setup_cert_inspect(*cmd, action);
  setup_cert_trust(*cmd, action);
  setup_cert_acme(*cmd, action);
}

}  // namespace bridge::cli
