#pragma once
/// Shared by the trace subcommands and `route test --live`: finding the admin API, reporting
/// its answers, and rendering request records.

#include "admin_client.hpp"
#include "commands.hpp"
#include "route/route.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bridge::cli {

/// The admin endpoint from --admin (when not empty) or the profile's bridge.admin, and the
/// token from bridge.admin_token or $BRIDGE_ADMIN_TOKEN. Prints the error and returns the
/// exit status (2) on failure.
struct EndpointOrExit {
  std::optional<AdminEndpoint> endpoint;
  int exit_status = exit_ok;
  uint64_t store_size = 10000;  // trace.store_size of the profile (for messages)
  std::string request_id_header = "X-Request-ID";
};
EndpointOrExit resolve_admin(const GlobalOptions& global, const std::string& admin_flag);

/// Prints why a call failed (unreachable, HTTP error) and returns exit 1.
int report_failure(const AdminFailure& failure);
/// Prints an admin API error answer (status >= 400) and returns exit 1 (2 for 400).
int report_http_error(const AdminEndpoint& endpoint, const AdminResponse& response,
                      const std::string& doing);

/// A summary as one aligned line: time, status, method, host+path, route, target, duration, id.
std::string summary_line(const nlohmann::json& summary, bool colour);
/// 200 green, 3xx cyan, 4xx yellow, 5xx red; "---" for no status.
std::string paint_status(int status, bool colour);
/// "HH:MM:SS.mmm" in local time from an RFC 3339 UTC timestamp; the input when unparsable.
std::string clock_time(const std::string& rfc3339);
/// A breakpoint phase in words: "request phase", or "at the middleware NAME, after it" for
/// "after:NAME" (and "before:NAME").
std::string phase_words(const std::string& phase);
/// host + path (+ "?query").
std::string host_path(const nlohmann::json& summary);
/// "/api/users → /users upstream" when the route rewrote the path it forwards (strip_prefix);
/// empty when it forwarded the path as received, or did not forward.
std::string rewritten_path(const nlohmann::json& summary);

/// The full `trace show` rendering of a record (GET /v1/requests/{id}).
void print_record(const nlohmann::json& record, bool colour);

struct TailOptions {
  std::string admin;
  std::string route;
  std::string status;
  std::string rule;
  std::string since;
  bool json = false;
};

struct BreakOptions {
  std::string admin;
  std::string rule;
  std::string phase = "request";  // or "before:NAME" / "after:NAME" (from --before, --after)
  std::string before, after;      // a middleware's name
  std::string hold = "60s";
  std::string action;  // empty = interactive
};

int run_trace_tail(const GlobalOptions& global, const TailOptions& options);
int run_trace_show(const GlobalOptions& global, const std::string& admin, const std::string& id,
                   bool as_json);
int run_trace_break(const GlobalOptions& global, const BreakOptions& options);
int run_route_test_live(const GlobalOptions& global, const std::string& admin,
                        const std::vector<std::string>& positional,
                        const std::vector<std::string>& headers, bool as_json);

/// Validates a rule with the route library; prints the rule:col caret error when bad.
bool rule_ok_or_print(const std::string& rule, route::Language language = route::Language::Http);

/// `text` with C0 and C1 control characters and DEL written as \xHH (C0, DEL) or \u00HH (C1),
/// so a value that came from a client cannot move the cursor, recolour or retitle the
/// terminal it is printed on. Every record string the human renderings print goes through it.
std::string terminal_safe(std::string_view text);
/// The same for JSON text: C1 characters (which JSON leaves raw) become \u00HH escapes.
std::string terminal_safe_json(std::string_view json_text);

/// Reads a string/number member, "" or 0 when missing or of another type. Strings are
/// terminal_safe: use raw_str_of for values that are matched or sent back.
std::string str_of(const nlohmann::json& j, const char* key);
std::string raw_str_of(const nlohmann::json& j, const char* key);
double num_of(const nlohmann::json& j, const char* key);

}  // namespace bridge::cli
