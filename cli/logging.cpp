#include "logging.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace bridge::cli {
namespace {

// UTC with milliseconds and a Z: right in a scratch image without zoneinfo, sortable, and
// what log collectors parse without configuration.
std::string utc_timestamp(spdlog::log_clock::time_point when) {
  auto since = when.time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since - seconds).count();
  std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", date, millis);
}

class JsonLineSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto level = spdlog::level::to_string_view(msg.level);
    nlohmann::ordered_json line = {{"time", utc_timestamp(msg.time)},
                                   {"level", std::string(level.data(), level.size())},
                                   {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);  // one call: lines never interleave
    std::fflush(stdout);
  }
  void flush_() override { std::fflush(stdout); }
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  bool json = format == "json" || (format == "auto" && ::isatty(STDOUT_FILENO) == 0);
  std::shared_ptr<spdlog::logger> logger;
  if (json) {
    logger = std::make_shared<spdlog::logger>("bridge", std::make_shared<JsonLineSink>());
  } else {
    logger = spdlog::stderr_color_mt("bridge");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace bridge::cli
