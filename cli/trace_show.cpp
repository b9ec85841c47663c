// bridge trace show ID: one request's record as a timeline, routing decision and headers.
#include "print.hpp"
#include "trace_common.hpp"

#include <cstdio>

namespace bridge::cli {

namespace {

using json = nlohmann::json;

std::string ms_text(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", ms);
  return buf;
}

bool iequal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs_of(const json& list) {
  Pairs out;
  if (!list.is_array()) return out;
  for (const auto& h : list) {
    if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
      out.emplace_back(terminal_safe(h[0].get<std::string>()),
                       terminal_safe(h[1].get<std::string>()));
    }
  }
  return out;
}

// On a terminal long values are cut so the two columns stay side by side.
std::string cell(const std::pair<std::string, std::string>& h, bool cut) {
  std::string text = h.first + ": " + h.second;
  if (cut && display_width(text) > 64) {
    size_t at = 63;
    while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
    text = text.substr(0, at) + "…";
  }
  return text;
}

// Rows "in | out" paired by name: unchanged, changed (~), removed (-) and added (+).
void print_headers(const char* title, const json& headers, const char* in_label,
                   const char* out_label, bool c) {
  Pairs in = pairs_of(headers.is_object() ? headers.value("in", json()) : json());
  Pairs out = pairs_of(headers.is_object() ? headers.value("out", json()) : json());
  if (in.empty() && out.empty()) return;
  print_line("");
  print_line(paint(title, Colour::Bold, c));
  std::vector<std::vector<std::string>> rows{{"  " + std::string(in_label), "", out_label}};
  std::vector<bool> used(out.size(), false);
  for (const auto& h : in) {
    size_t match = out.size();
    for (size_t i = 0; i < out.size(); ++i) {
      if (!used[i] && iequal(out[i].first, h.first)) {
        match = i;
        break;
      }
    }
    if (match == out.size()) {
      rows.push_back({"  " + cell(h, c), paint("-", Colour::Red, c), ""});
      continue;
    }
    used[match] = true;
    bool same = out[match].second == h.second;
    rows.push_back(
        {"  " + cell(h, c), same ? " " : paint("~", Colour::Yellow, c), cell(out[match], c)});
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!used[i]) rows.push_back({"  ", paint("+", Colour::Green, c), cell(out[i], c)});
  }
  print_table(rows);
}

void print_overview(const json& r, bool c) {
  auto status = static_cast<int>(num_of(r, "status"));
  // A gRPC call's outcome is its grpc-status; HTTP says 200 either way.
  std::string grpc;
  if (r.contains("grpc_status")) {
    auto code = static_cast<int>(num_of(r, "grpc_status"));
    grpc = " " + paint("gRPC " + std::to_string(code) + " " + str_of(r, "grpc_status_name"),
                       code == 0 ? Colour::Green : Colour::Red, c);
  }
  print_line(paint(str_of(r, "method") + " " + host_path(r), Colour::Bold, c) + " → " +
             paint_status(status, c) + grpc + " in " + ms_text(num_of(r, "duration_ms")));
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"  id", str_of(r, "id")});
  std::string trace = str_of(r, "trace_id") + "  span " + str_of(r, "span_id");
  if (!str_of(r, "parent_span_id").empty()) trace += "  parent " + str_of(r, "parent_span_id");
  rows.push_back({"  trace", trace});
  rows.push_back({"  time", str_of(r, "time") + "  (" + clock_time(str_of(r, "time")) + " local)"});
  std::string how = str_of(r, "scheme");
  // HTTP/1.1 goes without saying; anything else (HTTP/2 and its stream, HTTP/1.0) is shown.
  if (std::string protocol = str_of(r, "protocol"); !protocol.empty() && protocol != "HTTP/1.1") {
    how += (how.empty() ? "" : ", ") + protocol;
    if (r.contains("stream_id")) how += " stream " + std::to_string(r["stream_id"].get<long>());
  }
  rows.push_back({"  client", str_of(r, "client") + " → listener " + str_of(r, "listener") +
                                  (how.empty() ? "" : " (" + how + ")")});
  std::string route = str_of(r, "route");
  rows.push_back({"  route", route.empty() ? paint("none", Colour::Red, c)
                                           : route + " → upstream " + str_of(r, "upstream")});
  std::string target = str_of(r, "target");
  rows.push_back({"  target", target.empty() ? "-" : target});
  if (std::string rewritten = rewritten_path(r); !rewritten.empty())
    rows.push_back({"  path", rewritten});
  rows.push_back({"  bytes", "in " + str_of(r, "bytes_in") + ", out " + str_of(r, "bytes_out")});
  if (!str_of(r, "error").empty())
    rows.push_back({"  error", paint(str_of(r, "error"), Colour::Red, c)});
  print_table(rows);
}

void print_timeline(const json& phases, bool c) {
  if (!phases.is_array() || phases.empty()) return;
  print_line("");
  print_line(paint("timeline", Colour::Bold, c));
  std::vector<std::vector<std::string>> rows;
  double previous = 0;
  bool first = true;
  for (const auto& p : phases) {
    double at = num_of(p, "at_ms");
    std::vector<std::string> row{"  " + str_of(p, "name"), ms_text(at)};
    if (!first) row.push_back(paint("+" + ms_text(at - previous), Colour::Dim, c));
    rows.push_back(std::move(row));
    previous = at;
    first = false;
  }
  print_table(rows);
}

void print_explain(const json& r, bool c) {
  const json& explain = r.is_object() ? r.value("explain", json()) : json();
  if (!explain.is_object()) return;
  std::string hash = str_of(explain, "config_hash").substr(0, 12);
  bool current = explain.value("current", true);
  print_line("");
  print_line(paint("routing", Colour::Bold, c) +
             paint("  (config " + hash +
                       (current ? ")" : "; reloaded since: explained against the current config)"),
                   Colour::Dim, c));
  std::string winner;
  const json& routes = explain.value("routes", json::array());
  size_t width = 0;
  for (const auto& route : routes) width = std::max(width, str_of(route, "name").size());
  for (const auto& route : routes) {
    bool matched = route.value("matched", false);
    std::string name = str_of(route, "name");
    bool is_winner = matched && winner.empty();
    if (is_winner) winner = name;
    std::string padded = name + std::string(width - name.size(), ' ');
    std::string line = "  " +
                       (matched ? paint("✓", Colour::Green, c) : paint("✗", Colour::Red, c)) + " " +
                       (is_winner ? paint(padded, Colour::Bold, c) : padded) +
                       paint("  (priority " + str_of(route, "priority") + ")", Colour::Dim, c);
    if (matched && !is_winner) line += paint("  shadowed by " + winner, Colour::Dim, c);
    print_line(line);
    std::string expression = str_of(route, "expression");
    std::string why = expression.empty() ? str_of(route, "observed")
                                         : expression + (matched ? " matched: " : " failed: ") +
                                               str_of(route, "observed");
    std::string indent = "    " + std::string(width, ' ');
    print_line(indent + paint(why, Colour::Dim, c));
    if (!str_of(route, "note").empty()) {
      print_line(indent + paint("note: " + str_of(route, "note"), Colour::Yellow, c));
    }
  }
  print_line(winner.empty() ? paint("  no route matched", Colour::Red, c)
                            : "  " + paint("winner: ", Colour::Green, c) + winner);
}

// Each middleware in chain order: what it did and how long it took; the one that answered
// stands out.
void print_middlewares(const json& r, bool c) {
  const json& steps = r.is_object() ? r.value("middlewares", json()) : json();
  if (!steps.is_array() || steps.empty()) return;
  print_line("");
  print_line(paint("middlewares", Colour::Bold, c));
  std::vector<std::vector<std::string>> rows;
  for (const auto& step : steps) {
    const bool answered = str_of(step, "outcome") == "answered";
    rows.push_back({"  " + str_of(step, "name"), paint(str_of(step, "type"), Colour::Dim, c),
                    answered ? paint("answered", Colour::Yellow, c) : "passed",
                    ms_text(num_of(step, "ms")), str_of(step, "detail")});
  }
  print_table(rows);
}

void print_breakpoint(const json& r, bool c) {
  const json& bp = r.is_object() ? r.value("breakpoint", json()) : json();
  if (!bp.is_object()) return;
  print_line("");
  print_line(paint("breakpoint", Colour::Bold, c) + "  " + str_of(bp, "id") + " (" +
             phase_words(str_of(bp, "phase")) + "): held " + ms_text(num_of(bp, "held_ms")) +
             ", then " + str_of(bp, "action"));
}

}  // namespace

void print_record(const json& record, bool c) {
  print_overview(record, c);
  print_timeline(record.value("phases", json()), c);
  print_explain(record, c);
  print_middlewares(record, c);
  print_breakpoint(record, c);
  print_headers("request headers", record.value("request_headers", json()), "RECEIVED",
                "SENT UPSTREAM", c);
  print_headers("response headers", record.value("response_headers", json()), "FROM UPSTREAM",
                "SENT TO CLIENT", c);
}

int run_trace_show(const GlobalOptions& global, const std::string& admin, const std::string& id,
                   bool as_json) {
  auto resolved = resolve_admin(global, admin);
  if (!resolved.endpoint) return resolved.exit_status;
  const AdminEndpoint& endpoint = *resolved.endpoint;
  auto answer = admin_request_sync(endpoint, "GET", "/v1/requests/" + url_encode(id));
  if (!answer) return report_failure(answer.error());
  if (answer->status == 404) {
    // The running bridge knows its store size; the profile's is the fallback.
    std::string message = answer->message();
    if (message.rfind("no request with id", 0) != 0) {
      message = "no request with id \"" + id + "\" in the store (it keeps the last " +
                std::to_string(resolved.store_size) + " requests)";
    }
    print_error(Error::runtime(message,
                               "the id comes from the X-Request-ID response header or an error "
                               "body; `bridge trace --since 5m` lists recent ones"));
    return exit_failure;
  }
  if (answer->status != 200) return report_http_error(endpoint, *answer, "GET /v1/requests/" + id);
  if (as_json) {
    print_line(terminal_safe_json(answer->body.dump(2)));
    return exit_ok;
  }
  print_record(answer->body, stdout_colour());
  return exit_ok;
}

}  // namespace bridge::cli
