#pragma once
/// Traefik's circuit-breaker expressions (`NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500,
/// 600, 0, 600) > 0.25 && LatencyAtQuantileMS(50.0) > 100`) and buffering's retry expressions
/// (`IsNetworkError() && Attempts() < 2`), one grammar with two sets of functions, parsed once:
/// config check refuses one that does not parse, the middleware evaluates the tree.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config {

struct BreakerExpression {
  // Flag: a function that is true or false by itself (IsNetworkError()).
  enum class Kind : uint8_t { Or, And, Not, Compare, Flag };
  enum class Metric : uint8_t {
    NetworkErrorRatio,
    LatencyAtQuantileMs,
    ResponseCodeRatio,
    // buffering's retryExpression
    Attempts,
    ResponseCode,
    IsNetworkError
  };
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
/// The same grammar with buffering's functions: Attempts(), ResponseCode(), IsNetworkError().
std::optional<BreakerExpression> parse_retry_expression(std::string_view text,
                                                        BreakerExpressionError& error);

bool compare(double v, BreakerExpression::Op op, double value);

/// Whether `e` holds, `value(leaf)` giving each comparison's (or flag's, non-zero: true) value.
template <class Value>
bool holds(const BreakerExpression& e, Value&& value) {
  using E = BreakerExpression;
  switch (e.kind) {
  case E::Kind::Or:
    for (const E& c : e.children)
      if (holds(c, value)) return true;
    return false;
  case E::Kind::And:
    for (const E& c : e.children)
      if (!holds(c, value)) return false;
    return true;
  case E::Kind::Not:
    return !holds(e.children.front(), value);
  case E::Kind::Flag:
    return value(e) != 0;
  case E::Kind::Compare:
    break;
  }
  return compare(value(e), e.op, e.value);
}

/// The expression written back, normalized ("NetworkErrorRatio() > 0.3 || ...").
std::string describe(const BreakerExpression& e);

}  // namespace bridge::config
