// The options of the middlewares that shape how a response is delivered: compress (which
// encodings, for which responses) and retry (how many attempts, how far apart).
#include "config/detail/decode_middleware.hpp"

#include <algorithm>
#include <array>

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

}  // namespace

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
