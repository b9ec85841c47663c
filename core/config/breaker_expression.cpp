// A recursive-descent parser for Traefik's circuit-breaker expressions: `||` binds looser than
// `&&`, `!` and parentheses as usual, each comparison a metric against a number.
#include "config/breaker_expression.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace bridge::config {
namespace {

using E = BreakerExpression;

class Parser {
 public:
  Parser(std::string_view text, BreakerExpressionError& error, bool retry)
      : text_(text), error_(error), retry_(retry) {}

  std::optional<E> parse() {
    auto e = or_expr();
    if (!e) return std::nullopt;
    skip_space();
    if (at_ != text_.size())
      return fail("unexpected \"" + std::string(text_.substr(at_, 1)) + "\"");
    return e;
  }

 private:
  std::optional<E> fail(std::string message) {
    if (error_.message.empty()) error_ = {std::move(message), at_};
    return std::nullopt;
  }
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }
  bool eat(std::string_view token) {
    skip_space();
    if (text_.substr(at_).starts_with(token)) {
      at_ += token.size();
      return true;
    }
    return false;
  }

  std::optional<E> joined(E::Kind kind, std::string_view token,
                          std::optional<E> (Parser::*next)()) {
    auto first = (this->*next)();
    if (!first) return std::nullopt;
    if (!eat(token)) return first;
    E joined;
    joined.kind = kind;
    joined.children.push_back(std::move(*first));
    do {
      auto more = (this->*next)();
      if (!more) return std::nullopt;
      joined.children.push_back(std::move(*more));
    } while (eat(token));
    return joined;
  }
  std::optional<E> or_expr() { return joined(E::Kind::Or, "||", &Parser::and_expr); }
  std::optional<E> and_expr() { return joined(E::Kind::And, "&&", &Parser::unary); }

  std::optional<E> unary() {
    if (eat("!")) {
      auto inner = unary();
      if (!inner) return std::nullopt;
      E e;
      e.kind = E::Kind::Not;
      e.children.push_back(std::move(*inner));
      return e;
    }
    if (eat("(")) {
      auto inner = or_expr();
      if (!inner) return std::nullopt;
      if (!eat(")")) return fail("expected \")\"");
      return inner;
    }
    return comparison();
  }

  std::optional<double> number() {
    skip_space();
    double value = 0;
    const char* begin = text_.data() + at_;
    auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), value);
    if (ec != std::errc()) {
      fail("expected a number");
      return std::nullopt;
    }
    at_ += static_cast<size_t>(end - begin);
    return value;
  }

  std::optional<E> comparison() {
    skip_space();
    E e;
    size_t arity = 0;
    const size_t name_at = at_;
    if (retry_) {
      if (eat("Attempts")) {
        e.metric = E::Metric::Attempts;
      } else if (eat("ResponseCode")) {
        e.metric = E::Metric::ResponseCode;
      } else if (eat("IsNetworkError")) {
        e.metric = E::Metric::IsNetworkError;
        e.kind = E::Kind::Flag;
      } else {
        return fail("expected Attempts(), ResponseCode() or IsNetworkError()");
      }
      if (!eat("(") || !eat(")")) return fail("expected \"()\": these functions take nothing");
      if (e.kind == E::Kind::Flag) return e;
    } else if (eat("NetworkErrorRatio")) {
      e.metric = E::Metric::NetworkErrorRatio;
    } else if (eat("LatencyAtQuantileMS")) {
      e.metric = E::Metric::LatencyAtQuantileMs;
      arity = 1;
    } else if (eat("ResponseCodeRatio")) {
      e.metric = E::Metric::ResponseCodeRatio;
      arity = 4;
    } else {
      return fail("expected NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedFrom, "
                  "dividedTo) or LatencyAtQuantileMS(quantile)");
    }
    if (!retry_ && !eat("(")) return fail("expected \"(\"");
    for (size_t i = 0; i < arity; ++i) {
      if (i > 0 && !eat(",")) return fail("expected \",\"");
      auto arg = number();
      if (!arg) return std::nullopt;
      e.args[i] = *arg;
    }
    if (!retry_ && !eat(")"))
      return fail(arity == 0 ? "expected \")\": NetworkErrorRatio takes nothing"
                             : "expected \")\"");
    if (e.metric == E::Metric::LatencyAtQuantileMs && (e.args[0] <= 0 || e.args[0] > 100)) {
      at_ = name_at;
      return fail("LatencyAtQuantileMS takes a quantile above 0 and up to 100");
    }
    static constexpr std::pair<std::string_view, E::Op> ops[] = {
        {">=", E::Op::Ge}, {"<=", E::Op::Le}, {"==", E::Op::Eq},
        {"!=", E::Op::Ne}, {">", E::Op::Gt},  {"<", E::Op::Lt}};
    bool found = false;
    for (const auto& [token, op] : ops)
      if (eat(token)) {
        e.op = op;
        found = true;
        break;
      }
    if (!found) return fail("expected a comparison (>, <, >=, <=, ==, !=)");
    auto value = number();
    if (!value) return std::nullopt;
    e.value = *value;
    return e;
  }

  std::string_view text_;
  BreakerExpressionError& error_;
  bool retry_ = false;  // buffering's functions rather than the circuit breaker's
  size_t at_ = 0;
};

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::optional<BreakerExpression> parse_breaker_expression(std::string_view text,
                                                          BreakerExpressionError& error) {
  error = {};
  return Parser(text, error, false).parse();
}

std::optional<BreakerExpression> parse_retry_expression(std::string_view text,
                                                        BreakerExpressionError& error) {
  error = {};
  return Parser(text, error, true).parse();
}

bool compare(double v, BreakerExpression::Op op, double value) {
  switch (op) {
  case E::Op::Gt:
    return v > value;
  case E::Op::Lt:
    return v < value;
  case E::Op::Ge:
    return v >= value;
  case E::Op::Le:
    return v <= value;
  case E::Op::Eq:
    return v == value;
  case E::Op::Ne:
    return v != value;
  }
  return false;
}

std::string describe(const BreakerExpression& e) {
  switch (e.kind) {
  case E::Kind::Or:
  case E::Kind::And: {
    std::string out;
    for (size_t i = 0; i < e.children.size(); ++i) {
      if (i > 0) out += e.kind == E::Kind::Or ? " || " : " && ";
      const bool nested = e.children[i].kind == E::Kind::Or;
      out += nested ? "(" + describe(e.children[i]) + ")" : describe(e.children[i]);
    }
    return out;
  }
  case E::Kind::Not:
    return "!(" + describe(e.children.front()) + ")";
  case E::Kind::Compare:
  case E::Kind::Flag:
    break;
  }
  std::string out;
  switch (e.metric) {
  case E::Metric::Attempts:
    out = "Attempts()";
    break;
  case E::Metric::ResponseCode:
    out = "ResponseCode()";
    break;
  case E::Metric::IsNetworkError:
    return "IsNetworkError()";
  case E::Metric::NetworkErrorRatio:
    out = "NetworkErrorRatio()";
    break;
  case E::Metric::LatencyAtQuantileMs:
    out = "LatencyAtQuantileMS(" + number_text(e.args[0]) + ")";
    break;
  case E::Metric::ResponseCodeRatio:
    out = "ResponseCodeRatio(" + number_text(e.args[0]) + ", " + number_text(e.args[1]) + ", " +
          number_text(e.args[2]) + ", " + number_text(e.args[3]) + ")";
    break;
  }
  static constexpr std::string_view op_text[] = {">", "<", ">=", "<=", "==", "!="};
  return out + " " + std::string(op_text[static_cast<size_t>(e.op)]) + " " + number_text(e.value);
}

}  // namespace bridge::config
