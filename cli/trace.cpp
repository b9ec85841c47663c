// bridge trace: live tail, request timelines and routing breakpoints (admin API client).
#include "commands.hpp"

namespace bridge::cli {

void setup_trace(CLI::App& app, const GlobalOptions&, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "trace", "Tail live requests, show one request's timeline, pause requests on a rule");
  cmd->footer("Examples:\n  bridge trace --status 5xx\n  bridge trace show 4bf92f3577b34da6\n"
              "  bridge trace break 'PathPrefix(`/api`)'");
  cmd->callback([&action, cmd] {
    if (cmd->get_subcommands().empty()) action = [] { return not_available("bridge trace"); };
  });
  CLI::App* show = cmd->add_subcommand("show", "Show one request's timeline by request id");
  show->allow_extras();
  show->callback([&action] { action = [] { return not_available("bridge trace show"); }; });
  CLI::App* brk = cmd->add_subcommand("break", "Hold requests that match a rule");
  brk->allow_extras();
  brk->callback([&action] { action = [] { return not_available("bridge trace break"); }; });
  cmd->allow_extras();
}

}  // namespace bridge::cli
