#pragma once
/// Request records as the admin API shows them (README.md, "Request records"), and as a
/// breakpoint shows the request it holds (proxy/hold.cpp).

#include "trace/record.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace bridge::admin {

std::string iso_time(std::chrono::system_clock::time_point t);  // "2026-11-23T10:00:00.123456Z"
nlohmann::json headers_json(const trace::Headers& headers);
/// The fields of a list or stream entry.
nlohmann::json summary_json(const trace::Record& record);
/// The summary plus phases and headers (explain is added by the admin API).
nlohmann::json full_json(const trace::Record& record);

}  // namespace bridge::admin
