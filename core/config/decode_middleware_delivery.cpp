// The options of the middlewares that shape how a response is delivered: compress (which
// encodings, for which responses), retry (how many attempts, how far apart), buffering (how
// large a body, when to send it again) and errors (which statuses get a page, from where).
#include "config/detail/decode_middleware.hpp"

#include "common/url.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace bridge::config::detail {

namespace {

constexpr std::array<std::string_view, 3> encoding_names = {"gzip", "br", "zstd"};

// "text/html; charset=utf-8" style: a type/subtype, compared without case, parameters ignored.
bool plausible_media_type(std::string_view type) {
  const size_t slash = type.find('/');
  return slash != std::string_view::npos && slash > 0 && slash + 1 < type.size();
}

void check_media_types(Reader& r, std::string_view key, const std::vector<std::string>& types) {
  const Node* list = r.get(key);
  for (size_t i = 0; list != nullptr && i < types.size(); ++i) {
    if (plausible_media_type(types[i])) continue;
    r.decoder().fail(r.path(key) + "[" + std::to_string(i) + "]: " + quoted(types[i]) +
                         " is not a media type",
                     list->items[i], "e.g. \"text/event-stream\" or \"application/json\"");
    return;
  }
}

// "500-599" or "404": statuses from 100 to 599, the first not above the second.
std::optional<StatusRange> parse_status_range(std::string_view text) {
  auto number = [](std::string_view digits, unsigned& out) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size() && digits.size() == 3 &&
           out >= 100 && out <= 599;
  };
  StatusRange range;
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!number(text, range.from)) return {};
    range.to = range.from;
  } else if (!number(text.substr(0, dash), range.from) ||
             !number(text.substr(dash + 1), range.to) || range.from > range.to) {
    return {};
  }
  return range;
}

constexpr std::string_view status_hint = "e.g. \"500-599\" or \"404\" (statuses 100 to 599)";

}  // namespace

void decode_errors(Reader& r, ErrorsMiddleware& out) {
  if (!r.require("status", r.path(), "e.g. status = [\"500-599\"]") ||
      !r.require("service", r.path(),
                 "e.g. service = \"error-pages\" (an upstream) or \"http://127.0.0.1:8081\""))
    return;
  r.strings("status", out.status);
  const Node* list = r.get("status");
  for (size_t i = 0; list != nullptr && i < out.status.size(); ++i) {
    auto range = parse_status_range(out.status[i]);
    if (!range)
      return r.decoder().fail(r.path("status") + "[" + std::to_string(i) + "]: " +
                                  quoted(out.status[i]) + " is not a status or a range of them",
                              list->items[i], std::string(status_hint));
    out.ranges.push_back(*range);
  }
  if (list != nullptr && list->is(Kind::Array) && out.status.empty())
    return r.decoder().fail(r.path("status") + ": lists no status, so no page would be served",
                            *list, std::string(status_hint));
  r.string("service", out.service);
  const Node* service = r.get("service");
  if (service->is(Kind::String) && out.service.find("://") != std::string::npos) {
    auto address = parse_http_address(out.service);
    if (!address || address->tls)
      return r.decoder().fail(r.path("service") + ": " + quoted(out.service) +
                                  " is not an http:// URL with a host",
                              *service,
                              "name an upstream, or give its http:// URL (pages are fetched over "
                              "plain HTTP)");
  }
  r.string("query", out.query);
  if (const Node* q = r.get("query"); q != nullptr && !out.query.starts_with('/'))
    return r.decoder().fail(r.path("query") + ": " + quoted(out.query) + " does not start with /",
                            *q, "e.g. query = \"/{status}.html\"");
  const Node* rewrites = r.table("statusRewrites");
  for (size_t i = 0; rewrites != nullptr && i < rewrites->entries.size(); ++i) {
    const Entry& entry = rewrites->entries[i];
    const std::string at = r.path("statusRewrites") + "." + render_key(entry.key);
    auto range = parse_status_range(entry.key);
    if (!range)
      return r.decoder().fail(r.decoder().sources().error(
          at + ": " + quoted(entry.key) + " is not a status or a range of them", entry.key_origin,
          entry.key_span, std::string(status_hint)));
    if (!entry.value.is(Kind::Integer) || entry.value.integer < 100 || entry.value.integer > 599)
      return r.decoder().fail(at + ": expected a status from 100 to 599", entry.value,
                              "e.g. statusRewrites = { \"502-504\" = 500 }");
    out.status_rewrites.emplace_back(*range, static_cast<unsigned>(entry.value.integer));
  }
}

void decode_compress(Reader& r, CompressMiddleware& out) {
  r.strings("encodings", out.encodings, encoding_names);
  if (const Node* list = r.get("encodings"); list != nullptr && list->is(Kind::Array)) {
    if (out.encodings.empty())
      return r.decoder().fail(r.path("encodings") + ": lists no encoding", *list,
                              "e.g. encodings = [\"zstd\", \"br\", \"gzip\"] (first preferred), "
                              "or remove the middleware");
  }
  r.choice("defaultEncoding", out.default_encoding, encoding_names);
  if (const Node* v = r.get("defaultEncoding");
      v != nullptr && !out.default_encoding.empty() &&
      std::find(out.encodings.begin(), out.encodings.end(), out.default_encoding) ==
          out.encodings.end())
    return r.decoder().fail(r.path("defaultEncoding") + ": " + quoted(out.default_encoding) +
                                " is not in encodings",
                            *v, "add it to encodings, or pick one of them");
  r.integer("minResponseBodyBytes", out.min_response_body_bytes, 0, 1LL << 40);
  r.strings("includedContentTypes", out.included_content_types);
  r.strings("excludedContentTypes", out.excluded_content_types);
  check_media_types(r, "includedContentTypes", out.included_content_types);
  check_media_types(r, "excludedContentTypes", out.excluded_content_types);
  if (!out.included_content_types.empty() && !out.excluded_content_types.empty())
    r.decoder().fail(r.path("includedContentTypes") +
                         ": includedContentTypes and excludedContentTypes exclude each other",
                     *r.get("includedContentTypes"), "keep one of the two lists");
}

void decode_retry(Reader& r, RetryMiddleware& out) {
  if (!r.require("attempts", r.path(), "e.g. attempts = 3 (tries in all, the first included)"))
    return;
  r.integer("attempts", out.attempts, 1, 100);
  r.duration("initialInterval", out.initial_interval, false);
}

void decode_buffering(Reader& r, BufferingMiddleware& out) {
  constexpr int64_t most = int64_t{1} << 40;
  r.integer("maxRequestBodyBytes", out.max_request_body_bytes, 0, most);
  r.integer("memRequestBodyBytes", out.mem_request_body_bytes, 0, most);
  r.integer("maxResponseBodyBytes", out.max_response_body_bytes, 0, most);
  r.integer("memResponseBodyBytes", out.mem_response_body_bytes, 0, most);
  r.string("retryExpression", out.retry_expression);
  const Node* at = r.get("retryExpression");
  if (at == nullptr || !at->is(Kind::String) || out.retry_expression.empty()) return;
  BreakerExpressionError error;
  out.retry = parse_retry_expression(out.retry_expression, error);
  if (!out.retry)
    r.decoder().fail(r.path("retryExpression") + ": " + error.message + " at offset " +
                         std::to_string(error.at) + " of " + quoted(out.retry_expression),
                     *at, "e.g. \"IsNetworkError() && Attempts() < 2\"");
}

void decode_circuit_breaker(Reader& r, CircuitBreakerMiddleware& out) {
  if (!r.require("expression", r.path(), "e.g. expression = \"NetworkErrorRatio() > 0.30\""))
    return;
  r.string("expression", out.expression);
  const Node& at = *r.get("expression");
  if (!at.is(Kind::String)) return;
  BreakerExpressionError error;
  auto parsed = parse_breaker_expression(out.expression, error);
  if (!parsed)
    return r.decoder().fail(r.path("expression") + ": " + error.message + " at offset " +
                                std::to_string(error.at) + " of " + quoted(out.expression),
                            at,
                            "e.g. \"NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, "
                            "600) > 0.25 || LatencyAtQuantileMS(50.0) > 100\"");
  out.parsed = std::move(*parsed);
  r.duration("checkPeriod", out.check_period, true);
  r.duration("fallbackDuration", out.fallback_duration, true);
  r.duration("recoveryDuration", out.recovery_duration, true);
  r.integer("responseCode", out.response_code, 400, 599);
}

}  // namespace bridge::config::detail
