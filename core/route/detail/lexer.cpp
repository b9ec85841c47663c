#include "route/detail/lexer.hpp"

#include "route/detail/text.hpp"

#include <algorithm>

namespace bridge::route::detail {

namespace {
bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Go inserts a semicolon after these at a line break, which ends the expression.
bool ends_line(TokenKind kind) {
  return kind == TokenKind::Ident || kind == TokenKind::String || kind == TokenKind::RParen;
}
}  // namespace

std::string describe(const Token& token) {
  switch (token.kind) {
  case TokenKind::End:
    return "end of rule";
  case TokenKind::Ident:
    return token.value;
  case TokenKind::String:
    return "a string";
  case TokenKind::LParen:
    return "\"(\"";
  case TokenKind::RParen:
    return "\")\"";
  case TokenKind::Comma:
    return "\",\"";
  case TokenKind::And:
    return "\"&&\"";
  case TokenKind::Or:
    return "\"||\"";
  case TokenKind::Not:
    return "\"!\"";
  }
  return {};
}

Error Lexer::error_at(size_t offset, size_t length, std::string message, std::string hint) const {
  return rule_error(text_, offset, length, std::move(message), std::move(hint));
}

Result<Token> Lexer::next() {
  bool line_break = false;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    line_break = line_break || c == '\n';
    ++pos_;
  }
  auto token = lex_token();
  if (!token) return token;
  if (line_break && ends_line(previous_) && token->kind != TokenKind::End) {
    return error_at(token->offset, token->length,
                    "unexpected line break before " + describe(*token),
                    "Traefik reads a line break after \")\", a name or a string as the end of the "
                    "rule: break lines after \"&&\" or \"||\" instead");
  }
  previous_ = token->kind;
  return token;
}

Result<Token> Lexer::lex_token() {
  size_t start = pos_;
  if (pos_ >= text_.size()) return Token{TokenKind::End, start, 0, {}};
  char c = text_[pos_];
  auto single = [&](TokenKind kind) {
    ++pos_;
    return Token{kind, start, 1, {}};
  };
  auto twice = [&](TokenKind kind, char ch) -> Result<Token> {
    if (pos_ + 1 < text_.size() && text_[pos_ + 1] == ch) {
      pos_ += 2;
      return Token{kind, start, 2, {}};
    }
    std::string op(2, ch);
    return error_at(start, 1, "unexpected \"" + std::string(1, ch) + "\"",
                    "did you mean \"" + op + "\"?");
  };
  switch (c) {
  case '(':
    return single(TokenKind::LParen);
  case ')':
    return single(TokenKind::RParen);
  case ',':
    return single(TokenKind::Comma);
  case '!':
    return single(TokenKind::Not);
  case '&':
    return twice(TokenKind::And, '&');
  case '|':
    return twice(TokenKind::Or, '|');
  case '`':
    return lex_raw_string();
  case '"':
    return lex_quoted_string();
  case '\'':
    return error_at(start, 1, "unexpected \"'\"",
                    "strings go in backticks or double quotes: Host(`example.test`)");
  default:
    break;
  }
  if (is_ident_start(c)) {
    while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
    return Token{TokenKind::Ident, start, pos_ - start,
                 std::string(text_.substr(start, pos_ - start))};
  }
  size_t length = 1;  // a whole UTF-8 sequence, so the message shows the character
  while (start + length < text_.size() &&
         (static_cast<unsigned char>(text_[start + length]) & 0xC0) == 0x80) {
    ++length;
  }
  return error_at(start, length, "unexpected character " + quoted(text_.substr(start, length)),
                  bare_argument_hint(text_, start));
}

Result<Token> Lexer::lex_raw_string() {
  size_t start = pos_;
  size_t close = text_.find('`', start + 1);
  if (close == std::string_view::npos) {
    return error_at(start, text_.size() - start, "unterminated string");
  }
  Token token{TokenKind::String, start, close + 1 - start, {}};
  for (char c : text_.substr(start + 1, close - start - 1)) {
    if (c != '\r') token.value += c;  // Go drops carriage returns from raw strings
  }
  pos_ = close + 1;
  return token;
}

Result<Token> Lexer::lex_quoted_string() {
  size_t start = pos_++;
  Token token{TokenKind::String, start, 0, {}};
  while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n') {
    if (text_[pos_] != '\\') {
      token.value += text_[pos_++];
      continue;
    }
    size_t escape = pos_++;
    if (!lex_escape(token.value)) {
      size_t length = std::min<size_t>(2, text_.size() - escape);
      return error_at(escape, length,
                      "invalid escape " + quoted(text_.substr(escape, length)) + " in string",
                      "in double quotes write \\\" and \\\\; backticks take text as it is");
    }
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return error_at(start, pos_ - start, "unterminated string");
  }
  ++pos_;
  token.length = pos_ - start;
  return token;
}

bool Lexer::lex_escape(std::string& out) {
  if (pos_ >= text_.size()) return false;
  char c = text_[pos_++];
  switch (c) {
  case 'a':
    out += '\a';
    return true;
  case 'b':
    out += '\b';
    return true;
  case 'f':
    out += '\f';
    return true;
  case 'n':
    out += '\n';
    return true;
  case 'r':
    out += '\r';
    return true;
  case 't':
    out += '\t';
    return true;
  case 'v':
    out += '\v';
    return true;
  case '\\':
    out += '\\';
    return true;
  case '"':
    out += '"';
    return true;
  default:
    break;
  }
  int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
  if (digits == 0) return false;
  int base = (c >= '0' && c <= '7') ? 8 : 16;
  if (base == 8) --pos_;  // the first octal digit is part of the value
  if (pos_ + static_cast<size_t>(digits) > text_.size()) return false;
  uint32_t value = 0;
  for (int i = 0; i < digits; ++i) {
    int d = hex_value(text_[pos_++]);
    if (d < 0 || d >= base) return false;
    value = value * static_cast<uint32_t>(base) + static_cast<uint32_t>(d);
  }
  if (c == 'x' || base == 8) {
    if (value > 255) return false;
    out += static_cast<char>(value);  // a byte, not a code point, as in Go
    return true;
  }
  if (value > 0x10FFFF || (value >= 0xD800 && value < 0xE000)) return false;
  append_utf8(out, value);
  return true;
}

}  // namespace bridge::route::detail
