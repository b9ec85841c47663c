// compress: picks the encoding from the client's Accept-Encoding (q-values, `*`, the options'
// preference order), and says which responses qualify. The proxy encodes the body
// (encoder.cpp) as it streams.
#include "middleware/detail/kinds.hpp"

#include "common/text.hpp"

#include <charconv>

namespace bridge::middleware {

std::optional<Encoding> encoding_of(std::string_view name) {
  if (iequals(name, "x-gzip")) return Encoding::Gzip;  // RFC 9110 8.4.1.3
  for (size_t i = 0; i < encoding_names.size(); ++i)
    if (iequals(name, encoding_names[i])) return static_cast<Encoding>(i);
  return std::nullopt;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A weight "q=0.5" in thousandths (RFC 9110 12.4.2); a malformed one counts as 1.
int weight_of(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view param = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() < 2 || ascii_lower(param[0]) != 'q' || param[1] != '=') continue;
    std::string_view value = param.substr(2);
    if (value.empty() || (value[0] != '0' && value[0] != '1')) return 1000;
    int whole = value[0] - '0';
    int thousandths = 0;
    if (value.size() > 2 && value[1] == '.') {
      std::string_view digits = value.substr(2, 3);
      int parsed = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
      if (ec != std::errc()) return 1000;
      for (size_t n = static_cast<size_t>(end - digits.data()); n < 3; ++n) parsed *= 10;
      thousandths = parsed;
    }
    return std::min(1000, whole * 1000 + thousandths);
  }
  return 1000;
}

// The weights an Accept-Encoding value gives each encoding (-1: not named) and `*`.
struct Accepted {
  std::array<int, 3> weight = {-1, -1, -1};
  int any = -1;
};

Accepted parse_accept_encoding(std::string_view value) {
  Accepted out;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = trim(item.substr(0, semi));
    const int w =
        weight_of(semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1));
    if (coding == "*") {
      out.any = w;
    } else if (auto e = encoding_of(coding)) {
      out.weight[static_cast<size_t>(*e)] = w;
    }
  }
  return out;
}

// "text/HTML ; charset=utf-8" -> "text/html": the media type without parameters or spaces.
std::string media_type(std::string_view value) {
  std::string out;
  for (char c : value.substr(0, value.find(';')))
    if (c != ' ' && c != '\t') out.push_back(ascii_lower(c));
  return out;
}

bool lists_type(const std::vector<std::string>& types, std::string_view type) {
  return std::any_of(types.begin(), types.end(),
                     [&](const std::string& t) { return media_type(t) == type; });
}

class Compress final : public Middleware {
 public:
  Compress(const std::string& name, const config::CompressMiddleware& o)
      : Middleware(name, "compress"), o_(o) {
    for (const std::string& e : o_.encodings)
      if (auto encoding = encoding_of(e)) preference_.push_back(*encoding);
    default_ = o_.default_encoding.empty() ? std::nullopt : encoding_of(o_.default_encoding);
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    const bool present = req.fields->has("accept-encoding");
    const std::string_view value = req.fields->get("accept-encoding");
    const std::string_view* header = present ? &value : nullptr;
    const std::optional<Encoding> chosen = choose(header);
    if (!chosen) {
      if (fx.explain)
        step.detail = header == nullptr
                          ? "no Accept-Encoding: responses go uncompressed"
                          : "Accept-Encoding \"" + std::string(value) + "\" accepts none of " +
                                join(o_.encodings) + ": responses go uncompressed";
      return;
    }
    fx.compression = Compression{*chosen, &o_, fx.steps.size() - 1};
    if (fx.explain) {
      const std::string_view name = encoding_names[static_cast<size_t>(*chosen)];
      step.detail = std::string(name) + " (" +
                    (header == nullptr ? "defaultEncoding: no Accept-Encoding"
                                       : "Accept-Encoding: " + std::string(value)) +
                    ") for responses of " + std::to_string(o_.min_response_body_bytes) +
                    " bytes or more";
    }
  }

 private:
  std::optional<Encoding> choose(const std::string_view* header) const {
    if (header == nullptr) return default_;  // Traefik: no header, the default (or nothing)
    const Accepted accepted = parse_accept_encoding(*header);
    std::optional<Encoding> best;
    int best_weight = 0;
    for (Encoding e : preference_) {
      int w = accepted.weight[static_cast<size_t>(e)];
      // `*` stands for the encodings not named; with a defaultEncoding, for that one only.
      if (w < 0 && (!default_ || *default_ == e)) w = accepted.any;
      if (w > best_weight) {  // ties: the earlier in `encodings` stays
        best = e;
        best_weight = w;
      }
    }
    return best;
  }

  config::CompressMiddleware o_;
  std::vector<Encoding> preference_;
  std::optional<Encoding> default_;
};

}  // namespace

std::string compression_refusal(const Compression& c, unsigned status, const http::Fields& response,
                                bool head_request) {
  if (head_request || status < 200 || status == 204 || status == 304) return "no body";
  if (status == 206 || response.has("content-range")) return "a range (206)";
  const std::string_view encoded = response.get("content-encoding");
  if (!encoded.empty() && !iequals(trim(encoded), "identity"))
    return "already encoded (" + std::string(encoded) + ")";
  if (http::has_token(response.get("cache-control"), "no-transform"))
    return "Cache-Control: no-transform";
  const std::string type = media_type(response.get(http::Field::ContentType));
  if (type.starts_with("application/grpc")) return "gRPC (" + type + ")";
  const config::CompressMiddleware& o = *c.options;
  if (!o.included_content_types.empty() && !lists_type(o.included_content_types, type))
    return "content type \"" + type + "\" is not in includedContentTypes";
  if (lists_type(o.excluded_content_types, type))
    return "content type \"" + type + "\" is in excludedContentTypes";
  const std::string_view length = response.get(http::Field::ContentLength);
  uint64_t bytes = 0;
  if (!length.empty() &&
      std::from_chars(length.data(), length.data() + length.size(), bytes).ec == std::errc() &&
      bytes < static_cast<uint64_t>(o.min_response_body_bytes))
    return std::to_string(bytes) + " bytes, under minResponseBodyBytes (" +
           std::to_string(o.min_response_body_bytes) + ")";
  return {};
}

namespace detail {

std::unique_ptr<Middleware> make_compress(const std::string& name,
                                          const config::CompressMiddleware& options) {
  return std::make_unique<Compress>(name, options);
}

}  // namespace detail
}  // namespace bridge::middleware
