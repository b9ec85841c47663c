#pragma once
// Reading admin API request bodies: every field type-checked and every value a breakpoint
// edit puts on the wire validated like client input, so a bad body is a 400 that names the
// field, never an exception or a smuggled header. Pure code (no sockets, no registry), fuzzed
// directly (test/fuzz/admin_body_fuzz.cpp).

#include "admin/breakpoint_control.hpp"
#include "admin/detail/handlers.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace bridge::admin {

/// What is wrong with a body: the field ("" for the body as a whole) and why.
struct BodyError {
  // A constructor (not an aggregate) so that a result<std::string, BodyError> never takes a
  // string for an error.
  BodyError() = default;
  BodyError(std::string f, std::string m) : field(std::move(f)), message(std::move(m)) {}
  std::string field;
  std::string message;
};

/// For result<T, BodyError>::value() on an error (never done on the request path).
[[noreturn]] void throw_exception_from_error(const BodyError& e, const boost::source_location& loc);

template <class T>
using BodyResult = boost::system::result<T, BodyError>;

/// 400 {"error": "bad_body", "field": ..., "message": ...}.
Reply body_error_reply(const BodyError& error);

/// POST /v1/breakpoints: {"rule": "...", "phase": "request"|"response", "hold": "60s"}.
struct BreakpointSpec {
  std::string rule;
  std::string phase = "request";
  std::string hold;  // "" = the default
};
BodyResult<BreakpointSpec> parse_breakpoint_spec(std::string_view body);

/// POST /v1/paused/{id}: {"action": "continue"|"abort"|"edit", "status": 503,
/// "set_headers": {name: value}, "remove_headers": [name], "target": "http://host:port"}.
/// `max_header_bytes` (limits.max_header_bytes) bounds each set header's name and value.
BodyResult<PausedEdit> parse_paused_edit(std::string_view body, size_t max_header_bytes);

}  // namespace bridge::admin
