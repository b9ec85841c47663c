#include "common/text.hpp"
#include "config/config.hpp"

#include <cctype>
#include <cmath>
#include <string>

namespace bridge::config {
namespace {

constexpr std::string_view duration_hint = "durations look like 250ms, 30s, 2m, 1h or 1.5s";
constexpr std::string_view size_hint =
    "sizes look like 512, 64KiB, 10MB or 1GiB (KiB = 1024 bytes, KB = 1000)";

struct Number {
  double value = 0;
  std::string_view unit;
};

// Reads "1.5" then the letters after it; `text` advances past both.
std::optional<Number> read_number(std::string_view& text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  size_t digits = i;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  }
  if (digits == 0) return std::nullopt;
  Number n;
  n.value = std::stod(std::string(text.substr(0, i)));
  while (i < text.size() && text[i] == ' ') ++i;
  size_t unit_start = i;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  n.unit = text.substr(unit_start, i - unit_start);
  text.remove_prefix(i);
  return n;
}

Error invalid(std::string_view what, std::string_view text, const std::string& why,
              std::string_view hint) {
  return Error::config("invalid " + std::string(what) + " \"" + std::string(text) + "\": " + why,
                       {}, std::string(hint));
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text == "0") return Duration{0};
  if (text.empty()) return invalid("duration", text, "it is empty", duration_hint);
  double total_ms = 0;
  // Go-style compounds ("1h30m") cost nothing extra and read naturally.
  for (std::string_view rest = text; !rest.empty();) {
    auto n = read_number(rest);
    if (!n) return invalid("duration", text, "expected a number", duration_hint);
    if (n->unit.empty()) return invalid("duration", text, "missing unit", duration_hint);
    double scale = n->unit == "ms"  ? 1
                   : n->unit == "s" ? 1e3
                   : n->unit == "m" ? 6e4
                   : n->unit == "h" ? 3.6e6
                                    : 0;
    if (scale == 0)
      return invalid("duration", text, "unknown unit \"" + std::string(n->unit) + "\"",
                     duration_hint);
    total_ms += n->value * scale;
  }
  if (total_ms > 1e12) return invalid("duration", text, "too large", duration_hint);
  return Duration{std::llround(total_ms)};
}

Result<uint64_t> parse_size(std::string_view text) {
  std::string_view rest = text;
  auto n = read_number(rest);
  if (!n || !rest.empty())
    return invalid("size", text, "expected a number and an optional unit", size_hint);
  static constexpr std::pair<std::string_view, double> units[] = {{"", 1},
                                                                  {"B", 1},
                                                                  {"KB", 1e3},
                                                                  {"MB", 1e6},
                                                                  {"GB", 1e9},
                                                                  {"TB", 1e12},
                                                                  {"KiB", 1024.0},
                                                                  {"MiB", 1048576.0},
                                                                  {"GiB", 1073741824.0},
                                                                  {"TiB", 1099511627776.0}};
  double scale = 0;
  for (const auto& [unit, factor] : units)
    if (iequals(unit, n->unit)) scale = factor;
  if (scale == 0)
    return invalid("size", text, "unknown unit \"" + std::string(n->unit) + "\"", size_hint);
  double bytes = n->value * scale;
  if (bytes != std::floor(bytes))
    return invalid("size", text, "not a whole number of bytes", size_hint);
  if (bytes >= 9.2e18) return invalid("size", text, "too large", size_hint);
  return static_cast<uint64_t>(bytes);
}

std::string format_duration(Duration duration) {
  auto ms = duration.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(uint64_t bytes) {
  constexpr std::pair<uint64_t, std::string_view> units[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (const auto& [factor, unit] : units)
    if (bytes != 0 && bytes % factor == 0)
      return std::to_string(bytes / factor) + std::string(unit);
  return std::to_string(bytes);
}

}  // namespace bridge::config
