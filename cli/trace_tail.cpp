// bridge trace: stored requests (--since), then the live stream, one line per request.
#include "print.hpp"
#include "route/route.hpp"
#include "trace/store.hpp"
#include "trace_common.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <cstdio>

namespace bridge::cli {

namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

struct Tail {
  const TailOptions& options;
  AdminClient client;
  std::optional<route::Rule> rule;  // for the stored records; the stream filters on the server
  bool colour = false;
  bool connected_once = false;
  int exit_status = exit_ok;
};

// The admin API reads the filter with the same function: 404, 5xx or 5XX.
bool valid_status_filter(const std::string& s) {
  trace::RecordFilter filter;
  return trace::parse_status_filter(s, filter);
}

std::string query_of(const TailOptions& o, bool stored) {
  std::string q;
  auto add = [&q](const char* key, const std::string& value) {
    if (value.empty()) return;
    q += (q.empty() ? "?" : "&") + std::string(key) + "=" + url_encode(value);
  };
  add("route", o.route);
  add("status", o.status);
  if (stored) {
    add("since", o.since);
    add("limit", "10000");
  } else {
    add("rule", o.rule);
  }
  return q;
}

// The stored list has no rule filter: apply the rule here to what a summary carries.
bool rule_matches(const route::Rule& rule, const json& s) {
  std::string method = raw_str_of(s, "method"), host = raw_str_of(s, "host"),
              path = raw_str_of(s, "path"), query = raw_str_of(s, "query");
  std::vector<route::HeaderField> headers{{"Host", host}};
  route::RequestView view{method, host,    path,
                          query,  headers, route::IpAddress::parse(raw_str_of(s, "client"))};
  return rule.matches(view);
}

void print_summary(Tail& tail, const json& s, std::string_view raw) {
  if (tail.options.json) {
    print_line(terminal_safe_json(raw));
  } else {
    print_line(summary_line(s, tail.colour));
  }
  std::fflush(stdout);  // a pipe (| grep, | jq) should see each request as it completes
}

asio::awaitable<bool> print_stored(Tail& tail) {
  auto answer = co_await tail.client.request("GET", "/v1/requests" + query_of(tail.options, true));
  if (!answer) {
    tail.exit_status = report_failure(answer.error());
    co_return false;
  }
  if (answer->status != 200) {
    tail.exit_status = report_http_error(tail.client.endpoint(), *answer, "GET /v1/requests");
    co_return false;
  }
  tail.connected_once = true;
  const json& list =
      answer->body.is_object() ? answer->body.value("requests", json::array()) : json::array();
  for (auto it = list.rbegin(); it != list.rend(); ++it) {  // newest first -> print oldest first
    if (tail.rule && !rule_matches(*tail.rule, *it)) continue;
    print_summary(tail, *it, it->dump());
  }
  co_return true;
}

asio::awaitable<void> follow(Tail& tail) {
  if (!tail.options.since.empty() && !co_await print_stored(tail)) co_return;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer pause(ex);
  auto backoff = std::chrono::milliseconds(250);
  bool retrying = false;
  bool reopening = false;  // the last stream ended while bridge was still there
  std::string target = "/v1/stream" + query_of(tail.options, false);
  for (;;) {
    auto opened_at = std::chrono::steady_clock::now();
    auto on_open = [&] {
      if (reopening) {
        // bridge closes a stream whose reader fell behind: say that lines are missing.
        print_warning("the live stream ended and was reopened; requests in between are not "
                      "shown (bridge drops a reader that falls 4096 records behind)");
      }
      tail.connected_once = true;
      retrying = false;
      reopening = false;
      opened_at = std::chrono::steady_clock::now();
      backoff = std::chrono::milliseconds(250);
    };
    auto on_line = [&tail](const json& line, std::string_view raw) {
      if (line.is_object() && line.contains("heartbeat")) return true;
      print_summary(tail, line, raw);
      return true;
    };
    auto answer = co_await tail.client.stream(target, on_line, on_open);
    if (answer) {  // an HTTP error instead of a stream: a bad filter, a token, an old bridge
      tail.exit_status = report_http_error(tail.client.endpoint(), *answer, "GET /v1/stream");
      co_return;
    }
    if (!tail.connected_once) {
      tail.exit_status = report_failure(answer.error());
      co_return;
    }
    // A stream that ran a while and ended (not a failed connect) is reopened at once.
    if (!answer.error().unreachable && !retrying &&
        std::chrono::steady_clock::now() - opened_at >= std::chrono::seconds(1)) {
      reopening = true;
      continue;
    }
    reopening = false;
    if (!retrying) {
      print_warning("bridge not reachable at " + tail.client.endpoint().address.display() +
                    ", retrying");
      retrying = true;
    }
    pause.expires_after(backoff);
    co_await pause.async_wait(asio::use_awaitable);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace

bool rule_ok_or_print(const std::string& rule, route::Language language) {
  auto parsed = route::Rule::parse(rule, language);
  if (parsed) return true;
  print_error(parsed.error());
  return false;
}

int run_trace_tail(const GlobalOptions& global, const TailOptions& options) {
  std::optional<route::Rule> rule;
  if (!options.rule.empty()) {
    auto parsed = route::Rule::parse(options.rule);
    if (!parsed) {
      print_error(parsed.error());
      return exit_usage;
    }
    rule = std::move(*parsed);
  }
  if (!options.status.empty() && !valid_status_filter(options.status)) {
    print_error(Error::usage("--status \"" + options.status + "\" is not a status or a class",
                             "write a status like 404 or a class like 5xx"));
    return exit_usage;
  }
  if (!options.since.empty()) {
    auto since = config::parse_duration(options.since);
    if (!since) {
      print_error(Error::usage("--since: " + since.error().message, "write it like 30s, 5m or 1h"));
      return exit_usage;
    }
  }
  auto resolved = resolve_admin(global, options.admin);
  if (!resolved.endpoint) return resolved.exit_status;

  asio::io_context io;
  Tail tail{options, AdminClient(io.get_executor(), *resolved.endpoint), std::move(rule),
            stdout_colour() && !options.json};
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });
  asio::co_spawn(io, follow(tail), [&](const std::exception_ptr& e) {
    signals.cancel();
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return tail.exit_status;
}

}  // namespace bridge::cli
