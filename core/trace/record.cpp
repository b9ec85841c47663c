#include "trace/record.hpp"

#include <algorithm>
#include <cctype>

namespace bridge::trace {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::Received: return "received";
    case Phase::HeadParsed: return "head_parsed";
    case Phase::RouteMatched: return "route_matched";
    case Phase::UpstreamResolved: return "upstream_resolved";
    case Phase::Connected: return "connected";
    case Phase::Reused: return "reused";
    case Phase::RequestSent: return "request_sent";
    case Phase::FirstByte: return "first_byte";
    case Phase::Done: return "done";
    case Phase::Count: break;
  }
  return "?";
}

bool is_redacted(std::string_view name, const std::vector<std::string>& redacted) {
  return std::any_of(redacted.begin(), redacted.end(), [&](const std::string& r) {
    return r.size() == name.size() &&
           std::equal(r.begin(), r.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

}  // namespace bridge::trace
