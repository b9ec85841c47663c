// bridge trace break RULE: sets a breakpoint, shows each held request and answers it (from
// stdin or --action). The open events stream keeps the breakpoint alive; Ctrl-C or EOF removes it.
#include "trace_break.hpp"

#include "print.hpp"

#include <boost/asio.hpp>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <thread>

namespace bridge::cli {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

struct Session {
  asio::io_context& io;
  AdminClient client;
  BreakOptions options;
  std::optional<PausedAction> action;  // --action; empty = ask on stdin
  std::string id;                      // the breakpoint's id
  std::deque<json> held;               // interactive: held requests, the front one is asked about
  std::deque<std::string> lines;       // interactive: stdin lines not yet handled
  bool stdin_closed = false;
  asio::steady_timer wake;  // cancelled when a line arrives
  bool dropping = false;
  int exit_status = exit_ok;
  bool colour = false;
};

void flush() { std::fflush(stdout); }

std::string paused_id(const json& entry) { return str_of(entry, "paused_id"); }

// A held TCP connection (phase "connection") rather than an HTTP request.
bool is_connection(const json& entry) { return str_of(entry, "phase") == "connection"; }

// "TCP tls billing.localhost from 127.0.0.1" / "TCP connection from 127.0.0.1 on pg".
std::string connection_line(const json& req) {
  std::string host = str_of(req, "host");
  return "TCP " + (host.empty() ? "connection" : str_of(req, "scheme") + " " + host) + " from " +
         str_of(req, "client") + " on " + str_of(req, "listener");
}

void print_held(Session& s, const json& entry) {
  bool c = s.colour;
  const json& req = entry.value("request", json::object());
  double left_s = (num_of(entry, "hold_ms") - num_of(entry, "held_ms")) / 1000;
  char left[32];
  std::snprintf(left, sizeof left, "%.0fs", left_s < 0 ? 0 : left_s);
  print_line("");
  print_line(paint("⏸ " + paused_id(entry), Colour::Magenta, c) + "  held by " +
             str_of(entry, "breakpoint") + " (" + phase_words(str_of(entry, "phase")) +
             "; continues by itself in " + left + ")");
  std::string route = str_of(req, "route");
  // Before the request goes upstream the target may not be picked yet: name the upstream.
  std::string target = str_of(req, "target");
  if (target.empty() && !str_of(req, "upstream").empty())
    target = "upstream " + str_of(req, "upstream");
  const std::string what =
      is_connection(entry) ? connection_line(req) : str_of(req, "method") + " " + host_path(req);
  print_line("  " + paint(what, Colour::Bold, c) + "  route " + (route.empty() ? "-" : route) +
             " → " + (target.empty() ? "-" : target) + "  " +
             paint(str_of(req, "id"), Colour::Dim, c));
  if (std::string rewritten = rewritten_path(req); !rewritten.empty())
    print_line("  path " + rewritten);
  const json& response = entry.value("response", json());
  bool response_phase = response.is_object();
  if (response_phase) {
    print_line("  response " + paint_status(static_cast<int>(num_of(response, "status")), c));
  }
  const json& headers = response_phase ? response.value("headers", json::array())
                                       : req.value("headers", json::array());
  for (const auto& h : headers) {
    if (h.is_array() && h.size() == 2) {
      print_line("    " + paint(terminal_safe(h[0].get<std::string>()) + ":", Colour::Dim, c) +
                 " " + terminal_safe(h[1].get<std::string>()));
    }
  }
}

void print_prompt(Session& s) {
  if (s.held.empty()) {
    print_line(paint("waiting for a matching request (? for help, d to drop the breakpoint)",
                     Colour::Dim, s.colour));
  } else {
    std::string more =
        s.held.size() > 1 ? " (" + std::to_string(s.held.size() - 1) + " more held)" : "";
    const std::string commands =
        is_connection(s.held.front())
            ? "> c continue · a abort (close it) · t tcp://HOST:PORT target · d drop · ? help"
            : "> c continue · a [STATUS] abort · s K=V set header · r K remove header · "
              "t URL target · d drop · ? help";
    print_line(paint(paused_id(s.held.front()), Colour::Magenta, s.colour) + more + commands);
  }
  flush();
}

void print_help(Session& s) {
  print_line("commands for the held request shown last:");
  print_line("  c            continue it upstream (or back to the client)");
  print_line("  a [STATUS]   abort it with STATUS (default 503); a TCP connection is closed");
  print_line("  s K=V        set header K to V (it stays held)");
  print_line("  r K          remove header K (it stays held)");
  print_line("  t URL        send it to URL instead of the routed target (it stays held);");
  print_line("               a held TCP connection takes tcp://HOST:PORT or unix:///PATH");
  print_line("  d            drop the breakpoint: held requests continue, and exit");
  print_line("  ?            this help");
  print_prompt(s);
}

asio::awaitable<void> drop(Session& s, std::string why) {
  if (s.dropping) co_return;
  s.dropping = true;
  auto answer = co_await s.client.request("DELETE", "/v1/breakpoints/" + url_encode(s.id));
  if (answer && answer->status == 200) {
    print_line("breakpoint " + s.id + " removed (" + why + "); " +
               str_of(answer->body, "released") + " held request(s) continue");
  } else if (answer && answer->status == 404) {
    print_line("breakpoint " + s.id + " is already gone");
  } else if (!answer) {
    print_warning("could not remove breakpoint " + s.id + ": " + answer.error().error.message +
                  " (it expires by itself when this command is gone)");
  } else {
    print_warning("could not remove breakpoint " + s.id + ": " + answer->message());
  }
  flush();
  s.io.stop();
}

enum class Sent { Done, Gone, Failed };

// Sends one answer for a held request; says what happened.
asio::awaitable<Sent> send(Session& s, std::string pid, json body, std::string done) {
  auto answer = co_await s.client.request("POST", "/v1/paused/" + url_encode(pid), body);
  Sent result = Sent::Done;
  if (!answer) {
    print_error(answer.error().error);
    result = Sent::Failed;
  } else if (answer->status == 404) {
    print_line(pid + " is no longer held (it continued after --hold, or its client went away)");
    result = Sent::Gone;
  } else if (answer->status >= 300) {
    print_error(Error::runtime(pid + ": the bridge answered " + std::to_string(answer->status) +
                               ": " + answer->message()));
    result = Sent::Failed;
  } else {
    print_line("  " + pid + ": " + done);
  }
  flush();
  co_return result;
}

asio::awaitable<void> answer_automatically(Session& s, json entry) {
  print_held(s, entry);
  const bool closes = is_connection(entry) && s.action->body.value("action", "") == "abort";
  co_await send(s, paused_id(entry), s.action->body, closes ? "closed" : s.action->done);
}

// One stdin line in interactive mode.
asio::awaitable<void> handle_line(Session& s, std::string line) {
  auto command = parse_command(line);
  if (!command) {
    print_line(command.error().message + " (" + command.error().hint + ")");
    co_return print_prompt(s);
  }
  if (command->kind == CommandKind::Help) co_return print_help(s);
  if (command->kind == CommandKind::None) co_return print_prompt(s);
  if (command->kind == CommandKind::Drop) co_return co_await drop(s, "d");
  if (s.held.empty()) {
    print_line("nothing is held right now");
    co_return print_prompt(s);
  }
  std::string pid = paused_id(s.held.front());
  if (is_connection(s.held.front())) {
    const std::string verb = command->action.body.value("action", "");
    if (command->action.body.contains("set_headers") ||
        command->action.body.contains("remove_headers")) {
      print_line("a TCP connection has no headers (c, a, t or d)");
      co_return print_prompt(s);
    }
    if (verb == "abort") command->action.done = "closed";
  }
  Sent sent = co_await send(s, pid, command->action.body, command->action.done);
  bool released = sent == Sent::Gone || (sent == Sent::Done && command->action.releases);
  if (released) {
    s.held.pop_front();
    if (!s.held.empty()) print_held(s, s.held.front());
  }
  print_prompt(s);
}

asio::awaitable<void> read_commands(Session& s) {
  for (;;) {
    while (s.lines.empty() && !s.stdin_closed) {
      s.wake.expires_at(asio::steady_timer::time_point::max());
      co_await s.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (s.lines.empty()) co_return co_await drop(s, "end of input");
    std::string line = std::move(s.lines.front());
    s.lines.pop_front();
    co_await handle_line(s, std::move(line));
  }
}

asio::awaitable<void> watch_events(Session& s) {
  auto on_open = [&s] {
    const std::string& phase = s.options.phase;
    const bool connections = phase == "connection";
    const std::string where = phase.find(':') == std::string::npos
                                  ? phase_words(phase)
                                  : "held " + phase_words(phase) + " of their chain";
    print_line("breakpoint " + s.id + " set on " + s.options.rule + " (" + where + "; held " +
               (connections ? "TCP connections" : "requests") + " continue by themselves after " +
               s.options.hold + ")");
    if (!s.action) print_prompt(s);
    flush();
  };
  auto on_line = [&s](const json& line, std::string_view) {
    if (!line.is_object() || line.contains("heartbeat") || !line.contains("paused_id")) return true;
    if (s.action) {
      asio::co_spawn(s.io, answer_automatically(s, line), asio::detached);
      return true;
    }
    s.held.push_back(line);
    if (s.held.size() == 1) {
      print_held(s, line);
      print_prompt(s);
    } else {
      print_line(
          paint("(" + paused_id(line) + " is held too; it comes next)", Colour::Dim, s.colour));
      flush();
    }
    return true;
  };
  auto answer =
      co_await s.client.stream("/v1/breakpoints/" + url_encode(s.id) + "/events", on_line, on_open);
  if (s.dropping) co_return;
  if (answer) {
    s.exit_status =
        report_http_error(s.client.endpoint(), *answer, "GET /v1/breakpoints/" + s.id + "/events");
    co_await drop(s, "its event stream was refused");
  } else {
    print_error(Error::runtime(answer.error().error.message,
                               "breakpoint " + s.id +
                                   " is gone with the stream; run the command "
                                   "again once bridge is back"));
    s.exit_status = exit_failure;
    s.io.stop();
  }
}

// std::getline on its own thread: works for terminals, pipes and files alike. The thread
// shares ownership of the io_context, so a line that arrives after the command finished is
// posted to a context that never runs again instead of a destroyed one.
void start_stdin_reader(const std::shared_ptr<asio::io_context>& io, Session& s) {
  std::thread([io, &s] {
    std::string line;
    while (std::getline(std::cin, line)) {
      asio::post(*io, [&s, line] {
        s.lines.push_back(line);
        s.wake.cancel();
      });
    }
    asio::post(*io, [&s] {
      s.stdin_closed = true;
      s.wake.cancel();
    });
  }).detach();
}

}  // namespace

int run_trace_break(const GlobalOptions& global, const BreakOptions& options) {
  // A rule only the TCP language reads (HostSNI, ALPN) holds TCP connections, as the proxy
  // decides too.
  const bool tcp_rule = options.phase == "connection" ||
                        (options.phase == "request" && !route::Rule::parse(options.rule) &&
                         route::Rule::parse(options.rule, route::Language::Tcp));
  if (!rule_ok_or_print(options.rule, tcp_rule ? route::Language::Tcp : route::Language::Http))
    return exit_usage;
  auto hold = config::parse_duration(options.hold);
  if (!hold) {
    print_error(Error::usage("--hold: " + hold.error().message, "write it like 30s, 5m or 1h"));
    return exit_usage;
  }
  std::optional<PausedAction> action;
  if (!options.action.empty()) {
    auto parsed = parse_action_flag(options.action);
    if (!parsed) {
      print_error(parsed.error());
      return exit_usage;
    }
    action = *parsed;
  }
  auto resolved = resolve_admin(global, options.admin);
  if (!resolved.endpoint) return resolved.exit_status;
  json body = {
      {"rule", options.rule}, {"phase", options.phase}, {"hold", config::format_duration(*hold)}};
  auto created = admin_request_sync(*resolved.endpoint, "POST", "/v1/breakpoints", body);
  if (!created) return report_failure(created.error());
  if (created->status != 201 && created->status != 200) {
    return report_http_error(*resolved.endpoint, *created, "setting the breakpoint");
  }
  auto context = std::make_shared<asio::io_context>();
  asio::io_context& io = *context;
  Session s{io,
            AdminClient(io.get_executor(), *resolved.endpoint),
            options,
            action,
            str_of(created->body, "id"),
            {},
            {},
            false,
            asio::steady_timer(io),
            false,
            exit_ok,
            stdout_colour()};
  s.options.phase = str_of(created->body, "phase");  // "connection" for a TCP rule
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  signals.async_wait([&s](const boost::system::error_code& ec, int) {
    if (!ec) asio::co_spawn(s.io, drop(s, "interrupted"), asio::detached);
  });
  asio::co_spawn(io, watch_events(s), asio::detached);
  if (!action) {
    start_stdin_reader(context, s);
    asio::co_spawn(io, read_commands(s), asio::detached);
  }
  io.run();
  return s.exit_status;
}

}  // namespace bridge::cli
