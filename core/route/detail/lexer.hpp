#pragma once
/// Tokens of the rule language. Strings follow Go: `raw` or "escaped" (Traefik parses rules
/// with go/parser), and a line break after a name, a string or ")" ends the expression.

#include "common/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bridge::route::detail {

enum class TokenKind : uint8_t { End, Ident, String, LParen, RParen, Comma, And, Or, Not };

struct Token {
  TokenKind kind = TokenKind::End;
  size_t offset = 0;  // byte offset in the rule text
  size_t length = 0;  // bytes of rule text, quotes included
  std::string value;  // Ident: the name; String: the decoded contents
};

/// How a token reads in a message: "&&", ")", Host, a string.
std::string describe(const Token& token);

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}
  /// The next token; an error for a bad character, string or line break.
  Result<Token> next();

 private:
  Result<Token> lex_token();
  Result<Token> lex_raw_string();
  Result<Token> lex_quoted_string();
  /// Decodes the escape at pos_ (just after '\\') into `out`; false when invalid.
  bool lex_escape(std::string& out);
  Error error_at(size_t offset, size_t length, std::string message, std::string hint = {}) const;

  std::string_view text_;
  size_t pos_ = 0;
  TokenKind previous_ = TokenKind::End;
};

}  // namespace bridge::route::detail
