// bridge cert ca | issue | self-signed: the local CA and the leaves it signs.
#include "cert/cert.hpp"
#include "cert_commands.hpp"
#include "print.hpp"

#include <chrono>
#include <memory>

namespace bridge::cli {

namespace {

struct CaCommand {
  std::string dir;
  std::vector<std::string> permit;
  bool force = false;
  bool json = false;
};

struct LeafCommand {
  std::vector<std::string> names;
  std::string out = ".";
  int days = 90;
  std::string key = "ec";
  bool client = false;
  std::string ca_dir;
  bool json = false;
};

long days_until(std::time_t t) { return static_cast<long>((t - std::time(nullptr)) / 86400); }

int run_ca(const CaCommand& options) {
  auto ca = cert::ensure_ca(cert::CaOptions{options.dir, options.permit, options.force});
  if (!ca) return cert_fail(ca.error());
  if (options.json) {
    print_json({{"dir", ca->dir},
                {"cert", ca->cert_path},
                {"key", ca->key_path},
                {"created", ca->created},
                {"subject", ca->subject},
                {"sha256", ca->fingerprint_sha256},
                {"not_before", cert::rfc3339(ca->not_before)},
                {"not_after", cert::rfc3339(ca->not_after)},
                {"permitted", ca->permitted}});
    return exit_ok;
  }
  bool c = stdout_colour();
  print_line(paint(ca->created ? "created the local CA" : "local CA", Colour::Green, c) + " in " +
             ca->dir);
  print_line(cert_row("subject", ca->subject));
  print_line(cert_row("sha256", ca->fingerprint_sha256));
  print_line(cert_row("valid", cert_date(ca->not_before) + " to " + cert_date(ca->not_after) +
                                   " (" + std::to_string(days_until(ca->not_after)) +
                                   " days left)"));
  print_line(cert_row("permits", join(ca->permitted)));
  print_line(cert_row("cert", ca->cert_path));
  print_line(cert_row("key", ca->key_path + " (0600)"));
  print_line(paint("next: bridge cert issue app.localhost; bridge cert trust (so browsers and "
                   "curl accept its certificates)",
                   Colour::Dim, c));
  return exit_ok;
}

int run_leaf(const LeafCommand& options, bool self_signed) {
  cert::LeafOptions opts;
  opts.names = options.names;
  opts.out_dir = options.out;
  opts.days = options.days;
  opts.key = options.key == "rsa" ? cert::KeyType::Rsa : cert::KeyType::Ec;
  opts.client = options.client;
  opts.ca_dir = options.ca_dir;
  auto issued = self_signed ? cert::self_signed(opts) : cert::issue(opts);
  if (!issued) return cert_fail(issued.error());
  std::vector<std::string> names;
  for (const auto& n : issued->names) names.push_back(n.text);
  if (options.json) {
    print_json({{"cert", issued->cert_path},
                {"key", issued->key_path},
                {"names", names},
                {"not_after", cert::rfc3339(issued->not_after)},
                {"self_signed", self_signed},
                {"ca", self_signed ? nlohmann::json(nullptr) : nlohmann::json(issued->ca_dir)}});
    return exit_ok;
  }
  bool c = stdout_colour();
  if (issued->ca_created) {
    print_line(paint("created the local CA", Colour::Green, c) + " in " + issued->ca_dir +
               " (run: bridge cert trust)");
  }
  print_line(paint(self_signed ? "made a self-signed certificate" : "issued", Colour::Green, c) +
             " for " + join(names) + " (expires " + cert_date(issued->not_after) + ", " +
             std::to_string(options.days) + " days)");
  print_line(cert_row("cert", issued->cert_path));
  print_line(cert_row("key", issued->key_path));
  if (!self_signed) print_line(cert_row("signed by", "the local CA in " + issued->ca_dir));
  return exit_ok;
}

void add_leaf_options(CLI::App* sub, const std::shared_ptr<LeafCommand>& options) {
  sub->add_option("NAME", options->names,
                  "DNS names, wildcards (*.app.localhost) and IP addresses; the first names the "
                  "files")
      ->required();
  sub->add_option("--out", options->out, "Directory for NAME.pem and NAME-key.pem")
      ->capture_default_str();
  sub->add_option("--days", options->days, "Validity in days")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  sub->add_option("--key", options->key, "Key type")
      ->check(CLI::IsMember({"ec", "rsa"}))
      ->capture_default_str();
  sub->add_flag("--client", options->client, "Also usable as a TLS client certificate");
  sub->add_flag("--json", options->json, "Print the result as JSON");
}

}  // namespace

void setup_cert_ca(CLI::App& cert, Action& action) {
  auto options = std::make_shared<CaCommand>();
  CLI::App* sub =
      cert.add_subcommand("ca", "Create (once) and show the local, name-constrained CA");
  sub->add_option("--permit", options->permit,
                  "Also permit this DNS suffix or IP range (only when the CA is created); "
                  "repeatable");
  sub->add_option("--dir", options->dir, "CA directory (default: $XDG_DATA_HOME/bridge/ca)");
  sub->add_flag("--force", options->force,
                "Allow a --permit that is a public suffix (com, co.uk) or covers every address");
  sub->add_flag("--json", options->json, "Print as JSON");
  sub->footer("Examples:\n  bridge cert ca\n  bridge cert ca --permit dev.corp.example "
              "--permit 10.0.0.0/8\n\nThe CA may only sign names under localhost, .localhost, "
              ".test, .local, .internal,\n.home.arpa, 127.0.0.0/8 and ::1 (plus --permit), so a "
              "leaked dev CA cannot sign\nfor real domains.");
  sub->callback([&action, options] { action = [options] { return run_ca(*options); }; });
}

void setup_cert_issue(CLI::App& cert, Action& action) {
  auto options = std::make_shared<LeafCommand>();
  CLI::App* issue = cert.add_subcommand("issue", "Issue a leaf certificate signed by the local CA");
  add_leaf_options(issue, options);
  issue->add_option("--dir", options->ca_dir, "CA directory (default: $XDG_DATA_HOME/bridge/ca)");
  issue->footer("Examples:\n  bridge cert issue app.localhost '*.app.localhost' 127.0.0.1 ::1\n"
                "  bridge cert issue api.test --out certs --days 30 --key rsa\n"
                "  bridge cert issue client.localhost --client");
  issue->callback([&action, options] { action = [options] { return run_leaf(*options, false); }; });

  auto self = std::make_shared<LeafCommand>();
  CLI::App* ss = cert.add_subcommand("self-signed", "Make a standalone self-signed certificate");
  add_leaf_options(ss, self);
  ss->footer("Example:\n  bridge cert self-signed app.localhost --out certs");
  ss->callback([&action, self] { action = [self] { return run_leaf(*self, true); }; });
}

}  // namespace bridge::cli
