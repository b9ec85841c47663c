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
#include <vector>

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

// Keeps lines until release(): `bridge up` starts discovery (whose threads log) before it can
// print the addresses it bound, and the first lines belong under that banner.
class HeldSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit HeldSink(spdlog::sink_ptr out) : out_(std::move(out)) {}
  void release() {
    std::lock_guard lock(mutex_);
    for (const auto& m : held_) out_->log(m);
    held_.clear();
    released_ = true;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (released_) return out_->log(msg);
    held_.emplace_back(msg);
  }
  void flush_() override { out_->flush(); }

 private:
  spdlog::sink_ptr out_;
  std::vector<spdlog::details::log_msg_buffer> held_;
  bool released_ = false;
};

std::shared_ptr<HeldSink> held_sink;

}  // namespace

void setup_logging(const std::string& level, const std::string& format, bool hold) {
  bool json = format == "json" || (format == "auto" && ::isatty(STDOUT_FILENO) == 0);
  spdlog::sink_ptr sink;
  if (json) {
    sink = std::make_shared<JsonLineSink>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  if (hold) sink = held_sink = std::make_shared<HeldSink>(std::move(sink));
  auto logger = std::make_shared<spdlog::logger>("bridge", std::move(sink));
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

void release_log() {
  if (held_sink) held_sink->release();
}

}  // namespace bridge::cli
