// bridge cert inspect FILE|HOST:PORT: what a certificate says and whether it verifies.
#include "cert/cert.hpp"
#include "cert_commands.hpp"
#include "print.hpp"

#include <filesystem>
#include <memory>

namespace bridge::cli {

namespace {

struct InspectCommand {
  std::string target;
  std::string server_name;
  std::string ca_dir;
  bool json = false;
};

struct HostPort {
  std::string host;
  std::string port;
};

// "host:443", "[::1]:8443"; nullopt when `text` is not of that shape.
std::optional<HostPort> split_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return std::nullopt;
  std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  return HostPort{host, port};
}

nlohmann::json verification_json(const cert::Verification& v) {
  if (!v.checked) return {{"checked", false}, {"message", v.message}};
  return {{"checked", true}, {"ok", v.ok}, {"message", v.message}};
}

nlohmann::json inspection_json(const cert::Inspection& in) {
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& c : in.chain) {
    chain.push_back({{"subject", c.subject},
                     {"issuer", c.issuer},
                     {"serial", c.serial},
                     {"sans", c.sans},
                     {"ext_key_usage", c.key_usage},
                     {"not_before", cert::rfc3339(c.not_before)},
                     {"not_after", cert::rfc3339(c.not_after)},
                     {"days_left", c.days_left},
                     {"key", c.key_type},
                     {"sha256", c.fingerprint_sha256},
                     {"ca", c.is_ca},
                     {"self_signed", c.self_signed},
                     {"permitted", c.permitted}});
  }
  nlohmann::json out = {
      {"source", in.source},
      {"chain", chain},
      {"verify",
       {{"local_ca", verification_json(in.local_ca)}, {"system", verification_json(in.system)}}}};
  if (in.name.checked) out["verify"]["name"] = verification_json(in.name);
  if (!in.tls_version.empty()) out["tls"] = {{"version", in.tls_version}, {"alpn", in.alpn}};
  return out;
}

std::string verdict(const cert::Verification& v, bool colour) {
  if (!v.checked) return paint("not checked", Colour::Dim, colour) + " (" + v.message + ")";
  if (v.ok) return paint("ok", Colour::Green, colour);
  return paint("failed", Colour::Red, colour) + ": " + v.message;
}

void print_cert(const cert::CertInfo& c, size_t index, size_t total, bool colour) {
  std::string role = index == 0 ? "leaf" : (c.self_signed ? "root" : "intermediate");
  if (total == 1 && c.self_signed) role = c.is_ca ? "CA" : "self-signed";
  print_line(paint("certificate " + std::to_string(index + 1) + " of " + std::to_string(total) +
                       " (" + role + ")",
                   Colour::Bold, colour));
  print_line(cert_row("subject", c.subject.empty() ? "(empty)" : c.subject));
  if (!c.sans.empty()) print_line(cert_row("names", join(c.sans)));
  print_line(cert_row("issuer", c.issuer));
  print_line(cert_row("serial", c.serial));
  std::string left = std::to_string(c.days_left) + " days left";
  Colour tone = c.days_left < 0 ? Colour::Red : (c.days_left < 30 ? Colour::Yellow : Colour::None);
  if (c.days_left < 0) left = "expired " + std::to_string(-c.days_left) + " days ago";
  print_line(cert_row("valid", cert_date(c.not_before) + " to " + cert_date(c.not_after) + " (" +
                                   paint(left, tone, colour) + ")"));
  print_line(cert_row("key", c.key_type));
  if (!c.key_usage.empty()) print_line(cert_row("usage", join(c.key_usage)));
  if (!c.permitted.empty()) print_line(cert_row("permits", join(c.permitted)));
  print_line(cert_row("sha256", c.fingerprint_sha256));
}

int run_inspect(const InspectCommand& options) {
  std::error_code ec;
  Result<cert::Inspection> result = Error::runtime("");
  auto hp = split_host_port(options.target);
  if (std::filesystem::exists(options.target, ec) || !hp) {
    result = cert::inspect_file(options.target, options.ca_dir);
  } else {
    result = cert::inspect_remote(hp->host, hp->port, options.server_name, options.ca_dir,
                                  std::chrono::seconds(5));
  }
  if (!result) return cert_fail(result.error());
  if (options.json) {
    print_json(inspection_json(*result));
    return exit_ok;
  }
  bool c = stdout_colour();
  print_line(paint(result->source, Colour::Cyan, c) +
             (result->tls_version.empty()
                  ? ""
                  : " (" + result->tls_version +
                        (result->alpn.empty() ? "" : ", ALPN " + result->alpn) + ")"));
  for (size_t i = 0; i < result->chain.size(); ++i) {
    print_cert(result->chain[i], i, result->chain.size(), c);
  }
  print_line(paint("verification", Colour::Bold, c));
  print_line(cert_row("local CA", verdict(result->local_ca, c)));
  print_line(cert_row("system", verdict(result->system, c)));
  if (result->name.checked) print_line(cert_row("name", verdict(result->name, c)));
  const auto& leaf = result->chain.front();
  if (result->name.checked && !result->name.ok) {
    print_warning(result->name.message + ": clients that connect with this name refuse it");
  }
  if (leaf.days_left < 0) {
    print_warning("the certificate has expired");
  } else if (leaf.days_left < 30) {
    print_warning("the certificate expires in " + std::to_string(leaf.days_left) + " days");
  }
  return exit_ok;
}

}  // namespace

void setup_cert_inspect(CLI::App& cert, Action& action) {
  auto options = std::make_shared<InspectCommand>();
  CLI::App* sub = cert.add_subcommand("inspect", "Show a certificate file or the chain a "
                                                 "HOST:PORT serves");
  sub->add_option("TARGET", options->target, "A PEM file, or HOST:PORT of a TLS server")
      ->required();
  sub->add_option("--servername", options->server_name, "SNI name to send (default: HOST)");
  sub->add_option("--dir", options->ca_dir, "CA directory (default: $XDG_DATA_HOME/bridge/ca)");
  sub->add_flag("--json", options->json, "Print as JSON");
  sub->footer("Examples:\n  bridge cert inspect app.localhost.pem\n"
              "  bridge cert inspect 127.0.0.1:8443 --servername app.localhost --json");
  sub->callback([&action, options] { action = [options] { return run_inspect(*options); }; });
}

}  // namespace bridge::cli
