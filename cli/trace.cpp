// bridge trace: live tail, request timelines and routing breakpoints (admin API client).
#include "trace_common.hpp"

namespace bridge::cli {

namespace {

constexpr const char* admin_help =
    "Admin API address: http://HOST:PORT or unix:/path (default: bridge.admin of the profile)";

void setup_show(CLI::App& cmd, const GlobalOptions& global, Action& action) {
  struct ShowOptions {
    std::string admin, id;
    bool json = false;
  };
  auto options = std::make_shared<ShowOptions>();
  CLI::App* show = cmd.add_subcommand(
      "show", "Show one request's timeline, routing decision and headers by request id");
  show->add_option("ID", options->id, "Request id (the X-Request-ID response header)")->required();
  show->add_option("--admin", options->admin, admin_help);
  show->add_flag("--json", options->json, "Print the record as JSON");
  show->footer(
      "Example:\n  id=$(curl -si http://localhost:8080/api | sed -n 's/^X-Request-ID: //Ip' "
      "| tr -d '\\r')\n  bridge trace show $id");
  show->callback([&action, &global, options] {
    action = [&global, options] {
      return run_trace_show(global, options->admin, options->id, options->json);
    };
  });
}

void setup_break(CLI::App& cmd, const GlobalOptions& global, Action& action) {
  auto options = std::make_shared<BreakOptions>();
  CLI::App* brk = cmd.add_subcommand(
      "break", "Hold requests that match a rule and continue, abort or edit each one; Ctrl-C "
               "removes the breakpoint and releases what it holds");
  brk->add_option("RULE", options->rule,
                  "Rule in the route language, e.g. PathPrefix(`/api`); a TCP rule such as "
                  "HostSNI(`db.localhost`) holds new TCP connections")
      ->required();
  CLI::Option* phase =
      brk->add_option("--phase", options->phase,
                      "request: hold before it goes upstream; response: before the answer goes "
                      "back; connection: hold new TCP connections before they connect (the TCP "
                      "rule language)")
          ->check(CLI::IsMember({"request", "response", "connection"}))
          ->capture_default_str();
  brk->add_option("--before", options->before,
                  "Hold at the middleware NAME of the request's chain, before it runs: the "
                  "request as the middlewares before it left it")
      ->excludes(phase);
  brk->add_option("--after", options->after,
                  "Hold right after the middleware NAME passed the request on (one that "
                  "answers is not held)")
      ->excludes(phase)
      ->excludes("--before");
  brk->add_option("--hold", options->hold, "A held request continues by itself after this long")
      ->capture_default_str();
  brk->add_option("--action", options->action,
                  "Answer every held request without asking: continue, abort[:STATUS], "
                  "set-header:K=V, remove-header:K");
  brk->add_option("--admin", options->admin, admin_help);
  brk->footer("Examples:\n  bridge trace break 'PathPrefix(`/api/orders`) && Method(`POST`)'\n"
              "  bridge trace break 'Host(`api.localhost`)' --phase response --hold 5m\n"
              "  bridge trace break 'Path(`/flaky`)' --action abort:503\n"
              "  bridge trace break 'PathPrefix(`/api`)' --after api-cors\n"
              "  bridge trace break 'HostSNI(`*`) && ClientIP(`127.0.0.1`)' --phase connection");
  brk->callback([&action, &global, options] {
    if (!options->before.empty()) options->phase = "before:" + options->before;
    if (!options->after.empty()) options->phase = "after:" + options->after;
    action = [&global, options] { return run_trace_break(global, *options); };
  });
}

}  // namespace

void setup_trace(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto options = std::make_shared<TailOptions>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Tail live requests, show one request's timeline, pause requests on a rule");
  cmd->add_option("--route", options->route, "Only requests that took this route");
  cmd->add_option("--status", options->status, "Only this status (404) or class (5xx)");
  cmd->add_option("--rule", options->rule,
                  "Only requests matching a rule, e.g. Host(`api.localhost`) && Method(`POST`)");
  cmd->add_option("--since", options->since,
                  "First print the stored requests of this long ago (5m, 30s), then follow");
  cmd->add_flag("--json", options->json, "Print records as ndjson, one per line");
  cmd->add_option("--admin", options->admin, admin_help);
  cmd->footer("Examples:\n  bridge trace --status 5xx\n  bridge trace --route api --since 5m\n"
              "  bridge trace --rule 'Method(`POST`)' --json | jq .id\n"
              "  bridge trace show 4bf92f3577b34da6a3ce929d0e0e4736\n"
              "  bridge trace break 'PathPrefix(`/api`)'");
  cmd->callback([&action, &global, options, cmd] {
    if (cmd->get_subcommands().empty()) {
      action = [&global, options] { return run_trace_tail(global, *options); };
    }
  });
  setup_show(*cmd, global, action);
  setup_break(*cmd, global, action);
}

}  // namespace bridge::cli
