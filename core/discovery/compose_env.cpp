// Environment for compose files: process env with overrides, `.env`, and interpolation.
#include "detail/compose.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bridge::discovery::detail {

namespace {

bool name_start(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Index of the '}' closing the '${' whose body starts at `from`, honouring nested ${...}.
size_t closing_brace(std::string_view text, size_t from) {
  int depth = 1;
  for (size_t i = from; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (text[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

Error interp_error(const std::string& message, const Origin& where, std::string hint = {}) {
  return Error::config(message, where, std::move(hint));
}

// The body of ${...}: NAME, NAME:-x, NAME-x, NAME:?x, NAME?x, NAME:+x, NAME+x.
Result<std::string> expand_braced(std::string_view body, const EnvLookup& env,
                                  const Origin& where) {
  size_t n = 0;
  while (n < body.size() && name_char(body[n])) ++n;
  if (n == 0 || !name_start(body[0])) {
    return interp_error("invalid interpolation \"${" + std::string(body) + "}\"", where,
                        "write ${NAME}, ${NAME:-default} or $$ for a literal $");
  }
  std::string name(body.substr(0, n));
  std::string_view rest = body.substr(n);
  auto value = env(name);
  if (rest.empty()) return value.value_or("");
  bool colon = rest[0] == ':';
  if (colon) rest.remove_prefix(1);
  if (rest.empty()) {
    return interp_error("invalid interpolation \"${" + std::string(body) + "}\"", where);
  }
  char op = rest[0];
  std::string_view arg = rest.substr(1);
  bool unset = !value.has_value() || (colon && value->empty());
  switch (op) {
  case '-':
    if (!unset) return *value;
    return interpolate(arg, env, where);
  case '+':
    if (unset) return std::string();
    return interpolate(arg, env, where);
  case '?': {
    if (!unset) return *value;
    auto message = interpolate(arg, env, where);
    std::string detail = message ? *message : std::string(arg);
    return interp_error("required variable " + name + " is missing a value" +
                            (detail.empty() ? "" : ": " + detail),
                        where, "set " + name + " in the environment or in .env");
  }
  default:
    return interp_error("invalid interpolation \"${" + std::string(body) + "}\"", where,
                        "the operators are :- - :? ? :+ +");
  }
}

}  // namespace

std::optional<std::string> getenv_with(const EnvMap& overrides, const std::string& name) {
  if (auto it = overrides.find(name); it != overrides.end()) {
    if (it->second.empty()) return std::nullopt;
    return it->second;
  }
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

Result<EnvMap> read_dotenv(const std::string& path) {
  EnvMap out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.starts_with("export ")) text = trim(text.substr(7));
    auto eq = text.find('=');
    std::string key = trim(text.substr(0, eq));
    if (eq == std::string::npos || key.empty() || !name_start(key[0])) {
      return Error::config("bad line in .env (expected KEY=VALUE)", Origin{path, number, 1});
    }
    std::string value = trim(text.substr(eq + 1));
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      auto close = value.find(value[0], 1);
      std::string inner =
          value.substr(1, close == std::string::npos ? std::string::npos : close - 1);
      if (value[0] == '"') {
        std::string unescaped;
        for (size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size()) {
            char c = inner[++i];
            unescaped += c == 'n' ? '\n' : c;
          } else {
            unescaped += inner[i];
          }
        }
        inner = unescaped;
      }
      value = inner;
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(value.substr(0, hash));
    }
    out[key] = value;
  }
  return out;
}

Result<std::string> interpolate(std::string_view text, const EnvLookup& env, const Origin& where) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$') {
      out += c;
      continue;
    }
    if (i + 1 >= text.size()) {
      out += '$';
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '{') {
      size_t close = closing_brace(text, i + 2);
      if (close == std::string_view::npos) {
        return interp_error("unterminated \"${\" in \"" + std::string(text) + "\"", where,
                            "close it with } or write $$ for a literal $");
      }
      auto value = expand_braced(text.substr(i + 2, close - i - 2), env, where);
      if (!value) return value.error();
      out += *value;
      i = close;
    } else if (name_start(next)) {
      size_t end = i + 1;
      while (end < text.size() && name_char(text[end])) ++end;
      out += env(std::string(text.substr(i + 1, end - i - 1))).value_or("");
      i = end - 1;
    } else {
      return interp_error("invalid interpolation at \"" + std::string(text.substr(i)) + "\"", where,
                          "write $$ for a literal $");
    }
  }
  return out;
}

}  // namespace bridge::discovery::detail
