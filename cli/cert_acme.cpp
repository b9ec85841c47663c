// bridge cert acme | renew: certificates from an ACME CA, challenges served by bridge itself.
#include "cert/acme.hpp"
#include "cert/cert.hpp"
#include "cert_commands.hpp"
#include "print.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

namespace bridge::cli {

namespace {

struct AcmeCommand {
  std::vector<std::string> names;
  std::string email;
  std::string directory = "staging";
  std::string challenge = "http-01";
  uint16_t http_port = 80;
  uint16_t tls_port = 443;
  std::string listen = "0.0.0.0";
  std::string out = ".";
  std::string account_dir;
  std::string ca_bundle;
  int timeout_s = 90;
  bool json = false;
};

struct RenewCommand {
  int days = 30;
  bool json = false;
};

cert::acme::Progress progress_printer(bool quiet) {
  if (quiet) return {};
  bool c = stdout_colour();
  auto start = std::chrono::steady_clock::now();
  return [c, start](const std::string& step) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    print_line(paint("-> ", Colour::Cyan, c) + step + " " +
               paint("(" + std::to_string(ms) + " ms)", Colour::Dim, c));
    std::fflush(stdout);  // progress must show up as it happens, also when piped
  };
}

nlohmann::json obtained_json(const cert::acme::Obtained& o) {
  return {{"cert", o.cert_path},      {"key", o.key_path},
          {"names", o.names},         {"not_after", cert::rfc3339(o.not_after)},
          {"account", o.account_url}, {"account_created", o.account_created}};
}

void print_obtained(const cert::acme::Obtained& o) {
  bool c = stdout_colour();
  print_line(paint("obtained", Colour::Green, c) + " a certificate for " + join(o.names) +
             " (expires " + cert_date(o.not_after) + ")");
  print_line(cert_row("cert", o.cert_path + " (full chain)"));
  print_line(cert_row("key", o.key_path));
}

int run_acme(const AcmeCommand& options) {
  cert::acme::Options o;
  o.names = options.names;
  o.email = options.email;
  o.directory = options.directory;
  o.challenge = options.challenge == "tls-alpn-01" ? cert::acme::Challenge::TlsAlpn01
                                                   : cert::acme::Challenge::Http01;
  o.http_port = options.http_port;
  o.tls_port = options.tls_port;
  o.listen_address = options.listen;
  o.out_dir = options.out;
  o.account_dir = options.account_dir;
  o.ca_bundle = options.ca_bundle;
  o.timeout = std::chrono::seconds(options.timeout_s);
  auto obtained = cert::acme::obtain(o, progress_printer(options.json));
  if (!obtained) return cert_fail(obtained.error());
  if (options.json) {
    print_json(obtained_json(*obtained));
  } else {
    print_obtained(*obtained);
  }
  return exit_ok;
}

int run_renew(const RenewCommand& options) {
  auto records = cert::acme::recorded();
  if (!records) return cert_fail(records.error());
  nlohmann::json out = nlohmann::json::array();
  bool c = stdout_colour();
  int failures = 0;
  if (records->empty() && !options.json) {
    print_line("no ACME certificates to renew (bridge cert acme records what it obtains)");
  }
  for (auto& r : *records) {
    std::string cert_path = r.options.out_dir + "/" + r.options.stem + ".pem";
    auto left = cert::acme::days_left(cert_path);
    std::string names = join(r.options.names);
    if (left && *left > options.days) {
      if (!options.json) {
        print_line(names + ": " + std::to_string(*left) + " days left, " +
                   paint("not due", Colour::Dim, c));
      }
      out.push_back({{"names", r.options.names},
                     {"cert", cert_path},
                     {"renewed", false},
                     {"days_left", *left}});
      continue;
    }
    if (!options.json) print_line(names + ": renewing");
    auto obtained = cert::acme::obtain(r.options, progress_printer(options.json));
    if (!obtained) {
      ++failures;
      print_error(obtained.error());
      out.push_back({{"names", r.options.names},
                     {"cert", cert_path},
                     {"renewed", false},
                     {"error", obtained.error().message}});
      continue;
    }
    if (!options.json) print_obtained(*obtained);
    out.push_back({{"names", r.options.names}, {"cert", cert_path}, {"renewed", true}});
  }
  if (options.json) print_json(out);
  return failures == 0 ? exit_ok : exit_failure;
}

}  // namespace

void setup_cert_acme(CLI::App& cert, Action& action) {
  auto options = std::make_shared<AcmeCommand>();
  CLI::App* acme = cert.add_subcommand(
      "acme", "Obtain a certificate over ACME (Let's Encrypt staging by default)");
  acme->add_option("NAME", options->names, "DNS names (or IPs) for the certificate")->required();
  acme->add_option("--email", options->email, "Account contact email")->required();
  acme->add_option("--directory", options->directory,
                   "staging, production or an ACME directory URL")
      ->capture_default_str();
  acme->add_option("--challenge", options->challenge, "Challenge bridge answers")
      ->check(CLI::IsMember({"http-01", "tls-alpn-01"}))
      ->capture_default_str();
  acme->add_option("--http-port", options->http_port, "Port for the HTTP-01 responder")
      ->capture_default_str();
  acme->add_option("--tls-port", options->tls_port, "Port for the TLS-ALPN-01 responder")
      ->capture_default_str();
  acme->add_option("--listen", options->listen, "Address the challenge responder binds")
      ->capture_default_str();
  acme->add_option("--out", options->out, "Directory for NAME.pem (full chain) and NAME-key.pem")
      ->capture_default_str();
  acme->add_option("--account-dir", options->account_dir,
                   "Where account keys live (default: $XDG_DATA_HOME/bridge/acme/accounts)");
  acme->add_option("--ca-bundle", options->ca_bundle,
                   "PEM roots that sign the ACME server's HTTPS certificate (test servers)");
  acme->add_option("--timeout", options->timeout_s, "Give up after this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  acme->add_flag("--json", options->json, "Print the result as JSON (no progress lines)");
  acme->footer(
      "Examples:\n  sudo bridge cert acme app.example.com --email me@example.com\n"
      "  bridge cert acme app.example.com --email me@example.com --directory production\n"
      "  bridge cert acme app.test --email me@example.com --directory "
      "https://127.0.0.1:14000/dir \\\n      --ca-bundle pebble-ca.pem --http-port 5002 --listen "
      "127.0.0.1\n\nThe default directory is Let's Encrypt staging; production is used only "
      "when named.");
  acme->callback([&action, options] { action = [options] { return run_acme(*options); }; });

  auto renew_options = std::make_shared<RenewCommand>();
  CLI::App* renew = cert.add_subcommand("renew", "Renew ACME certificates near expiry");
  renew->add_option("--days", renew_options->days, "Renew what expires within this many days")
      ->capture_default_str()
      ->check(CLI::Range(0, 3650));
  renew->add_flag("--json", renew_options->json, "Print as JSON");
  renew->footer("Example:\n  bridge cert renew --days 30");
  renew->callback(
      [&action, renew_options] { action = [renew_options] { return run_renew(*renew_options); }; });
}

}  // namespace bridge::cli
