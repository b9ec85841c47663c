#pragma once
/// JSON from a bridge output (--json, a log line, an admin answer). Header-only: it reports
/// through GoogleTest, which the support library does not link.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace bridge::test {

/// The parsed text; when it is not JSON, a test failure that shows it and an empty object.
inline nlohmann::json parse_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << text.substr(0, 400);
    return nlohmann::json::object();
  }
}

}  // namespace bridge::test
