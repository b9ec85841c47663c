// The export thread: batches the queue and POSTs each batch to the collector.
#include "otlp/otlp.hpp"

#include "net/http_client.hpp"
#include "otlp/detail/span_json.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <spdlog/spdlog.h>

namespace bridge::otlp {

namespace http = boost::beast::http;

namespace {

constexpr size_t queue_limit = 4096;
constexpr size_t batch_limit = 512;
// Bounds every step of an export: a collector that accepts and never answers must not wedge
// the exporter (or shutdown).
constexpr auto send_timeout = std::chrono::seconds(5);

std::string why(const net::HttpFailure& failure, const std::string& host) {
  if (failure.timed_out()) return "timed out after 5 s";
  switch (failure.step) {
  case net::HttpStep::Resolve:
    return "cannot resolve " + host + ": " + failure.ec.message();
  case net::HttpStep::Connect:
  case net::HttpStep::Handshake:
    return "connect: " + failure.ec.message();
  case net::HttpStep::Write:
    return "sending: " + failure.ec.message();
  case net::HttpStep::Read:
    break;
  }
  return "reading the answer: " + failure.ec.message();
}

}  // namespace

SpanExporter::SpanExporter(const std::string& endpoint, std::string version,
                           trace::Metrics& metrics)
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
  net::HttpRequest req{http::verb::post, path_, 11};
  req.set(http::field::host, host_ + ":" + port_);
  req.set(http::field::content_type, "application/json");
  req.body() = detail::export_request_json(batch, version_);
  req.prepare_payload();
  net::ExchangeOptions options;
  options.timeout = send_timeout;
  auto res = net::http_exchange_sync(net::HttpPeer::tcp(host_, port_), std::move(req), options);
  if (!res) return why(res.error(), host_);
  if (res->result_int() / 100 == 2) return "";
  return "the collector answered " + std::to_string(res->result_int());
}

}  // namespace bridge::otlp
