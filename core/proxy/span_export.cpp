#include "proxy/span_export.hpp"

#include "common/spawn.hpp"
#include "proxy/detail/asio.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace bridge::proxy {

namespace {

constexpr size_t queue_limit = 4096;
constexpr size_t batch_limit = 512;

std::string unix_nanos(std::chrono::system_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

nlohmann::json attr(const std::string& key, std::string_view value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

nlohmann::json attr_int(const std::string& key, int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}

// Attributes follow the OpenTelemetry HTTP server semantic conventions.
nlohmann::json span_json(const trace::Record& r) {
  std::string host = r.host, port;
  auto colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  nlohmann::json attributes = nlohmann::json::array(
      {attr("http.request.method", r.method), attr("url.path", r.path),
       attr("url.scheme", r.scheme), attr("server.address", host),
       attr("client.address", r.client), attr("network.protocol.version", "1.1"),
       attr_int("http.response.status_code", r.status), attr("bridge.request_id", r.request_id),
       attr("bridge.listener", r.listener)});
  if (!r.query.empty()) attributes.push_back(attr("url.query", r.query));
  if (!port.empty()) attributes.push_back(attr_int("server.port", std::stoll(port)));
  if (!r.route.empty()) attributes.push_back(attr("http.route", r.route));
  if (!r.target.empty()) attributes.push_back(attr("bridge.upstream.target", r.target));
  if (!r.error.empty()) attributes.push_back(attr("error.type", r.error));
  for (const auto& [name, value] : r.request_in) {
    if (name == "User-Agent" || name == "user-agent") {
      attributes.push_back(attr("user_agent.original", value));
    }
  }
  auto end = r.start + std::chrono::microseconds(std::max<int64_t>(r.total_us(), 0));
  nlohmann::json span = {{"traceId", r.trace_id()},
                         {"spanId", r.span_id()},
                         {"name", r.route.empty() ? r.method : r.method + " " + r.route},
                         {"kind", 2},  // SPAN_KIND_SERVER
                         {"startTimeUnixNano", unix_nanos(r.start)},
                         {"endTimeUnixNano", unix_nanos(end)},
                         {"attributes", attributes},
                         {"status", {{"code", r.status >= 500 || r.status == 0 ? 2 : 0}}}};
  if (r.trace.continued) span["parentSpanId"] = r.parent_span_id();
  return span;
}

}  // namespace

SpanExporter::SpanExporter(std::string endpoint, std::string version, trace::Metrics& metrics)
    : version_(std::move(version)), metrics_(metrics) {
  std::string rest = endpoint.rfind("http://", 0) == 0 ? endpoint.substr(7) : endpoint;
  auto slash = rest.find('/');
  path_ = slash == std::string::npos ? "" : rest.substr(slash);
  if (!path_.empty() && path_.back() == '/') path_.pop_back();
  if (!path_.ends_with("/v1/traces")) path_ += "/v1/traces";
  rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  host_ = colon == std::string::npos ? rest : rest.substr(0, colon);
  port_ = colon == std::string::npos ? "4318" : rest.substr(colon + 1);
  if (host_.size() > 1 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
  thread_ = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SpanExporter::push(trace::RecordPtr record) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_limit) {
      metrics_.spans_dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(record));
  }
  wake_.notify_one();
}

void SpanExporter::run() {
  for (;;) {
    std::vector<trace::RecordPtr> batch;
    bool stopping;
    {
      std::unique_lock lock(mutex_);
      // Batch for up to a second, or until enough spans are waiting.
      wake_.wait_for(lock, std::chrono::seconds(1),
                     [&] { return stopping_ || queue_.size() >= batch_limit; });
      while (!queue_.empty() && batch.size() < batch_limit) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stopping = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      std::string failure = send(batch);
      if (failure.empty()) {
        metrics_.spans_exported.fetch_add(batch.size(), std::memory_order_relaxed);
      } else {
        metrics_.spans_failed.fetch_add(batch.size(), std::memory_order_relaxed);
      }
      report(failure, batch.size());
    }
    if (stopping) return;
  }
}

void SpanExporter::report(const std::string& failure, size_t spans) {
  const auto now = std::chrono::steady_clock::now();
  if (failure.empty()) {
    if (failing_) spdlog::info("OTLP export to {}:{}{} works again", host_, port_, path_);
    failing_ = false;
    return;
  }
  failed_since_warning_ += spans;
  if (failing_ && now - last_warning_ < std::chrono::seconds(30)) return;
  spdlog::warn("OTLP export to {}:{}{} failed: {} ({} span(s) dropped; traffic is not "
               "affected; check trace.otlp_endpoint)",
               host_, port_, path_, failure, failed_since_warning_);
  failing_ = true;
  last_warning_ = now;
  failed_since_warning_ = 0;
}

std::string SpanExporter::send(const std::vector<trace::RecordPtr>& batch) {
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& r : batch) spans.push_back(span_json(*r));
  nlohmann::json body = {
      {"resourceSpans",
       {{{"resource", {{"attributes", {attr("service.name", "bridge")}}}},
         {"scopeSpans",
          {{{"scope", {{"name", "bridge"}, {"version", version_}}}, {"spans", spans}}}}}}}};
  http::request<http::string_body> req{http::verb::post, path_, 11};
  req.set(http::field::host, host_ + ":" + port_);
  req.set(http::field::content_type, "application/json");
  req.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  req.prepare_payload();

  // Asynchronous operations on a private io_context, so the deadline bounds every step: a
  // collector that accepts and never answers must not wedge the exporter (or shutdown).
  asio::io_context io;
  std::string failure = "timed out after 5 s";
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto executor = co_await asio::this_coro::executor;
        tcp::resolver resolver(executor);
        auto [rec, endpoints] = co_await resolver.async_resolve(host_, port_, nothrow);
        if (rec) {
          failure = "cannot resolve " + host_ + ": " + rec.message();
          co_return;
        }
        beast::tcp_stream stream(executor);
        auto [cec, connected] = co_await stream.async_connect(endpoints, nothrow);
        if (cec) {
          failure = "connect: " + cec.message();
          co_return;
        }
        auto [wec, written] = co_await http::async_write(stream, req, nothrow);
        if (wec) {
          failure = "sending: " + wec.message();
          co_return;
        }
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        auto [xec, read] = co_await http::async_read(stream, buffer, res, nothrow);
        if (xec) {
          failure = "reading the answer: " + xec.message();
          co_return;
        }
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        failure = res.result_int() / 100 == 2
                      ? ""
                      : "the collector answered " + std::to_string(res.result_int());
      },
      log_failure("span export"));
  io.run_for(std::chrono::seconds(5));
  return failure;
}

void export_span(Runtime& runtime, const trace::RecordPtr& record) {
  if (runtime.spans != nullptr) runtime.spans->push(record);
}

}  // namespace bridge::proxy
