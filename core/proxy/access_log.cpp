#include "proxy/detail/access_log.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace bridge::proxy {

namespace {
std::string iso_time_ms(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

std::atomic<int> logger_counter{0};

double ms(int64_t us) { return us < 0 ? -1.0 : static_cast<double>(us) / 1000.0; }

// Time spent opening a new upstream connection; -1 when a pooled one was reused.
double connect_ms(const RequestRecord& r) {
  int64_t connected = r.at(trace::Phase::Connected);
  int64_t resolved = r.at(trace::Phase::UpstreamResolved);
  return connected < 0 || resolved < 0 ? -1.0 : ms(connected - resolved);
}
}  // namespace

std::shared_ptr<AccessLog> AccessLog::create(const std::string& destination,
                                             const std::string& format) {
  auto log = std::make_shared<AccessLog>();
  log->json_ = format != "text";
  if (destination == "off") return log;
  if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(8192, 1);
  std::string name = "access" + std::to_string(logger_counter++);
  spdlog::sink_ptr sink;
  if (destination == "stdout") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else if (destination == "stderr") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination);
  }
  // overrun_oldest: a slow disk drops log lines instead of stalling a worker.
  log->logger_ = std::make_shared<spdlog::async_logger>(
      name, sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  log->logger_->set_pattern("%v");
  log->logger_->flush_on(spdlog::level::info);
  return log;
}

AccessLog::~AccessLog() {
  if (logger_) logger_->flush();
}

void AccessLog::write(const RequestRecord& r) {
  if (!logger_) return;
  if (json_) {
    nlohmann::json line = {{"time", iso_time_ms(r.start)},
                           {"request_id", r.request_id},
                           {"trace_id", r.trace_id()},
                           {"client", r.client},
                           {"listener", r.listener},
                           {"protocol", r.protocol},
                           {"method", r.method},
                           {"host", r.host},
                           {"path", r.path},
                           {"query", r.query},
                           {"route", r.route},
                           {"upstream", r.target},
                           {"status", r.status},
                           {"bytes_in", r.bytes_in},
                           {"bytes_out", r.bytes_out},
                           {"connect_ms", connect_ms(r)},
                           {"first_byte_ms", ms(r.at(trace::Phase::FirstByte))},
                           {"total_ms", ms(r.total_us())}};
    if (r.grpc_status >= 0) line["grpc_status"] = r.grpc_status;
    if (!r.error.empty()) line["error"] = r.error;
    if (!r.end.empty()) line["end"] = r.end;
    logger_->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  logger_->info(
      "{} {} {} {} {} {}{}{}{} route={} upstream={} status={}{} in={} out={} total={:.2f}ms{}{}",
      iso_time_ms(r.start), r.request_id, r.trace_id(), r.client,
      r.method.empty() ? r.protocol : r.method, r.host.empty() ? "-" : r.host, r.path,
      r.query.empty() ? "" : "?", r.query, r.route.empty() ? "-" : r.route,
      r.target.empty() ? "-" : r.target, r.status,
      r.grpc_status >= 0 ? " grpc_status=" + std::to_string(r.grpc_status) : "", r.bytes_in,
      r.bytes_out, ms(r.total_us()), r.error.empty() ? "" : " error=" + r.error,
      r.end.empty() ? "" : " end=" + r.end);
}

}  // namespace bridge::proxy
