#pragma once
/// What bridge knows about one request: filled by the proxy on the worker thread, then frozen
/// and shared (store, stream, access log, span export). Header values named in
/// trace.redact_headers are replaced before they are stored: the real value never is.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::trace {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class Phase : uint8_t {
  Received,
  HeadParsed,
  RouteMatched,
  UpstreamResolved,
  Connected,
  Reused,
  RequestSent,
  FirstByte,
  Done,
  Count
};

std::string_view phase_name(Phase phase);

struct BreakpointNote {
  std::string id;
  std::string phase;   // "request" | "response"
  std::string action;  // "continue" | "abort" | "timeout" | "released"
  int64_t held_us = 0;
};

struct Record {
  std::chrono::system_clock::time_point start;
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;
  std::string client;
  std::string listener;
  std::string scheme = "http";
  std::string method;
  std::string host;
  std::string path;   // as sent, without the query
  std::string query;
  std::string route;
  std::string upstream;
  std::string target;
  std::string error;
  std::string config_hash;  // the config that routed it (explain is recomputed from it)
  int status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  /// Microseconds since `start` at which each phase happened; -1 when it did not.
  std::array<int64_t, static_cast<size_t>(Phase::Count)> phase_us;
  Headers request_in, request_out, response_in, response_out;
  std::vector<BreakpointNote> breakpoints;

  Record() { phase_us.fill(-1); }
  void mark(Phase phase, int64_t us) { phase_us[static_cast<size_t>(phase)] = us; }
  int64_t at(Phase phase) const { return phase_us[static_cast<size_t>(phase)]; }
  int64_t total_us() const { return at(Phase::Done); }
};

/// Is `name` one of `redacted` (case-insensitive)?
bool is_redacted(std::string_view name, const std::vector<std::string>& redacted);

constexpr std::string_view redacted_value = "<redacted>";

}  // namespace bridge::trace
