#pragma once
/// Traefik's circuit-breaker expressions (`NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500,
/// 600, 0, 600) > 0.25 && LatencyAtQuantileMS(50.0) > 100`), parsed once: config check refuses
/// one that does not parse, the middleware evaluates the tree against its statistics.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config {

struct BreakerExpression {
  enum class Kind : uint8_t { Or, And, Not, Compare };
  enum class Metric : uint8_t { NetworkErrorRatio, LatencyAtQuantileMs, ResponseCodeRatio };
  enum class Op : uint8_t { Gt, Lt, Ge, Le, Eq, Ne };
  Kind kind = Kind::Compare;
  std::vector<BreakerExpression> children;  // Or, And: two or more; Not: one
  // Compare: metric(args) op value
  Metric metric = Metric::NetworkErrorRatio;
  std::array<double, 4> args{};
  Op op = Op::Gt;
  double value = 0;
};

/// Why an expression does not parse, and the offset in it where that shows.
struct BreakerExpressionError {
  std::string message;
  size_t at = 0;
};

/// Parses `text`; the tree, or why not (`error`).
std::optional<BreakerExpression> parse_breaker_expression(std::string_view text,
                                                          BreakerExpressionError& error);

/// The expression written back, normalized ("NetworkErrorRatio() > 0.3 || ...").
std::string describe(const BreakerExpression& e);

}  // namespace bridge::config
