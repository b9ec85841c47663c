// bridge cert trust [--dry-run|--uninstall]: the local CA into (or out of) the trust stores.
#include "cert/cert.hpp"
#include "cert_commands.hpp"
#include "print.hpp"

#include <memory>

namespace bridge::cli {

namespace {

struct TrustCommand {
  bool dry_run = false;
  bool uninstall = false;
  std::string ca_dir;
};

std::string shell_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    bool quote = a.empty() || a.find_first_of(" \t'\"$") != std::string::npos;
    out += (out.empty() ? "" : " ") + (quote ? "'" + a + "'" : a);
  }
  return out;
}

int run_trust(const TrustCommand& options) {
  auto ca = options.uninstall ? cert::load_ca(options.ca_dir)
                              : cert::ensure_ca(cert::CaOptions{options.ca_dir, {}});
  if (!ca) return cert_fail(ca.error());
  auto steps = cert::plan_trust(ca->cert_path, options.uninstall);
  if (!steps) return cert_fail(steps.error());
  bool c = stdout_colour();
  print_line(std::string(options.uninstall ? "removing" : "trusting") + " the local CA " +
             ca->subject + " (sha256 " + ca->fingerprint_sha256.substr(0, 23) + "...)");
  for (const auto& step : *steps) {
    print_line(paint("-> ", Colour::Cyan, c) + step.description);
    print_line("   " + paint("$ " + shell_words(step.argv), Colour::Dim, c));
    if (options.dry_run) continue;
    auto ran = cert::run_trust_step(step);
    if (!ran && step.may_fail) {
      print_line("   " + paint("skipped", Colour::Yellow, c) + ": " + ran.error().message);
      continue;
    }
    if (!ran) return cert_fail(ran.error());
    print_line("   " + paint("done", Colour::Green, c));
  }
  if (options.dry_run) {
    print_line("dry run: nothing was changed; run without --dry-run to apply");
  } else if (options.uninstall) {
    print_line(paint("the local CA is no longer trusted", Colour::Green, c));
  } else {
    print_line(paint("the local CA is now trusted", Colour::Green, c) +
               "; browsers may need a restart. Undo with: bridge cert trust --uninstall");
  }
  return exit_ok;
}

}  // namespace

void setup_cert_trust(CLI::App& cert, Action& action) {
  auto options = std::make_shared<TrustCommand>();
  CLI::App* sub = cert.add_subcommand("trust", "Install the local CA into the system and NSS "
                                               "trust stores");
  sub->add_flag("--dry-run", options->dry_run, "Print the exact commands, run nothing");
  sub->add_flag("--uninstall", options->uninstall, "Remove the local CA from the trust stores");
  sub->add_option("--dir", options->ca_dir, "CA directory (default: $XDG_DATA_HOME/bridge/ca)");
  sub->footer("Examples:\n  bridge cert trust --dry-run\n  sudo bridge cert trust\n"
              "  bridge cert trust --uninstall");
  sub->callback([&action, options] { action = [options] { return run_trust(*options); }; });
}

}  // namespace bridge::cli
