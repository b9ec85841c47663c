// bridge up: runs the proxy for a profile until SIGINT/SIGTERM.
#include "commands.hpp"
#include "common/text.hpp"
#include "logging.hpp"
#include "print.hpp"
#include "proxy/proxy.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <thread>

namespace bridge::cli {

namespace {

struct UpOptions {
  int workers = -1;
  std::string log_format;  // overrides bridge.log_format
  std::string drain_delay;
};

void print_banner(const std::vector<proxy::BoundListener>& listeners,
                  const proxy::Snapshot& snapshot, int workers, const std::string& admin) {
  bool c = stderr_colour();
  const auto& config = snapshot.config;
  std::string out = paint("bridge " BRIDGE_VERSION, Colour::Bold, c) + " · profile " +
                    paint(config.profile, Colour::Cyan, c) + " · " + std::to_string(workers) +
                    " worker(s) · config " + join(config.files) + "\n";
  for (const auto& l : listeners) {
    const char* scheme = snapshot.policy(l.name).tcp ? "tcp://" : l.tls ? "https://" : "http://";
    out += "  listening " + paint(scheme + l.address, Colour::Green, c) + "  (" + l.name + ")\n";
  }
  auto urls = [](const proxy::UpstreamSet& upstream) {
    return join(upstream.targets, ", ", [](const auto& t) { return t->url; });
  };
  for (const auto& r : snapshot.table.routes()) {
    out += "  route " + r.name + "  " + paint(r.rule.text(), Colour::Dim, c) + " -> " +
           urls(*snapshot.routes[r.index].upstream) + "\n";
  }
  for (const auto& r : snapshot.tcp_table.routes()) {
    out += "  tcp route " + r.name + "  " + paint(r.rule.text(), Colour::Dim, c) + " -> " +
           urls(*snapshot.tcp_routes[r.index].upstream) + "\n";
  }
  if (!admin.empty()) {
    out += "  admin   " + (admin.rfind("unix:", 0) == 0 ? admin : "http://" + admin) + "\n";
  }
  if (!config.trace.redact_defaults) {
    out +=
        "  " +
        paint("redaction: built-in list off (trace.redact_defaults = false)", Colour::Yellow, c) +
        "; only trace.redact_headers is hidden: Authorization, Cookie and *token* values are "
        "recorded, logged and exported as sent\n";
  }
  std::fputs(out.c_str(), stderr);
}

int run_up(const GlobalOptions& global, const UpOptions& options) {
  std::chrono::milliseconds drain_delay{0};
  if (!options.drain_delay.empty()) {
    auto parsed = config::parse_duration(options.drain_delay);
    if (!parsed) {
      Error error;
      error.code = ErrorCode::Usage;
      error.message = "--drain-delay: " + parsed.error().message;
      error.hint = "write a duration like 5s or 500ms";
      print_error(error);
      return exit_usage;
    }
    drain_delay = std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
  }
  GlobalOptions effective = global;
  if (options.workers >= 0)
    effective.sets.push_back("bridge.workers=" + std::to_string(options.workers));
  auto config = load_config_or_print(effective);
  if (!config) return exit_usage;
  setup_logging(global.log_level.empty() ? config->bridge.log_level : global.log_level,
                options.log_format.empty() ? config->bridge.log_format : options.log_format, true);
  auto snapshot = proxy::build_snapshot(std::move(*config));
  if (!snapshot) {
    release_log();
    print_error(snapshot.error());
    return exit_usage;
  }
  proxy::ServerOptions server_options;
  server_options.load = effective.load_options();
  server_options.version = BRIDGE_VERSION;
  server_options.drain_delay = drain_delay;
  proxy::Server server(server_options);
  auto started = server.start(*snapshot);
  if (!started) {
    release_log();
    print_error(started.error());
    return started.error().code == ErrorCode::Config ? exit_usage : exit_failure;
  }
  int workers = (*snapshot)->config.bridge.workers;
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  print_banner(*started, **snapshot, workers, server.admin_address());
  release_log();
  return server.run();
}

}  // namespace

void setup_up(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto options = std::make_shared<UpOptions>();
  CLI::App* cmd = app.add_subcommand(
      "up", "Run the localhost proxy for a profile. SIGHUP or editing a config file reloads; "
            "SIGINT/SIGTERM drain in-flight requests and exit 0.");
  cmd->add_option("--workers", options->workers,
                  "Worker threads (default: bridge.workers, 0 = one per core)");
  cmd->add_option("--drain-delay", options->drain_delay,
                  "On SIGTERM keep serving this long while /readyz says 503, then drain "
                  "(e.g. 5s in a Kubernetes pod, so the Service stops sending first)")
      ->envname("BRIDGE_DRAIN_DELAY")
      ->type_name("DURATION");
  cmd->add_option("--log-format", options->log_format,
                  "auto (text on a terminal, else JSON lines on stdout), json or text "
                  "(default: bridge.log_format)")
      ->check(CLI::IsMember({"auto", "json", "text"}));
  cmd->footer("Examples:\n  bridge up                      # dev profile: http://127.0.0.1:8080\n"
              "  bridge up --profile staging\n"
              "  bridge up --set listeners.web.bind=127.0.0.1:9000\n"
              "  bridge up --profile staging --drain-delay 5s   # as a pod sidecar");
  cmd->callback([&action, &global, options] {
    action = [&global, options] { return run_up(global, *options); };
  });
}

}  // namespace bridge::cli
