#include "print.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace bridge::cli {

namespace {
bool colour_for(int fd) { return isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr; }

const char* ansi(Colour c) {
  switch (c) {
  case Colour::Red:
    return "\x1b[31m";
  case Colour::Green:
    return "\x1b[32m";
  case Colour::Yellow:
    return "\x1b[33m";
  case Colour::Blue:
    return "\x1b[34m";
  case Colour::Magenta:
    return "\x1b[35m";
  case Colour::Cyan:
    return "\x1b[36m";
  case Colour::Dim:
    return "\x1b[2m";
  case Colour::Bold:
    return "\x1b[1m";
  case Colour::None:
    break;
  }
  return "";
}
}  // namespace

bool stdout_colour() { return colour_for(STDOUT_FILENO); }
bool stderr_colour() { return colour_for(STDERR_FILENO); }

std::string paint(std::string_view text, Colour colour, bool enabled) {
  if (!enabled || colour == Colour::None) return std::string(text);
  return std::string(ansi(colour)) + std::string(text) + "\x1b[0m";
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {  // skip an ANSI CSI sequence
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    if ((c & 0xC0) != 0x80) ++width;  // count UTF-8 lead bytes only
  }
  return width;
}

namespace {

// An error or warning with where it is, the line and a caret under it, and the hint.
void print_diagnostic(std::string_view label, Colour colour, const Error& error) {
  bool c = stderr_colour();
  std::string out = paint(label, colour, c) + ": " + error.message + "\n";
  if (!error.where.source.empty()) {
    out += "  " + paint("-->", Colour::Blue, c) + " " + error.where.str() + "\n";
  }
  if (!error.source_line.empty() && error.where.line > 0) {
    std::string number = std::to_string(error.where.line);
    std::string pad(number.size(), ' ');
    std::string bar = paint("|", Colour::Blue, c);
    size_t column = static_cast<size_t>(std::max(error.where.column, 1));
    std::string caret(std::max(error.span, 1), '^');
    out += pad + " " + bar + "\n";
    out += paint(number, Colour::Blue, c) + " " + bar + " " + error.source_line + "\n";
    out += pad + " " + bar + " " + std::string(column - 1, ' ') + paint(caret, Colour::Red, c);
    if (!error.hint.empty()) out += " " + error.hint;
    out += "\n";
  } else if (!error.hint.empty()) {
    out += "  " + paint("= hint:", Colour::Cyan, c) + " " + error.hint + "\n";
  }
  if (!error.note.empty())
    out += "  " + paint("= note:", Colour::Cyan, c) + " " + error.note + "\n";
  std::fputs(out.c_str(), stderr);
}

}  // namespace

void print_error(const Error& error) { print_diagnostic("error", Colour::Red, error); }

void print_warning(const Error& warning) { print_diagnostic("warning", Colour::Yellow, warning); }

void print_warning(std::string_view message) {
  std::string out =
      paint("warning", Colour::Yellow, stderr_colour()) + ": " + std::string(message) + "\n";
  std::fputs(out.c_str(), stderr);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  }
  bool c = stdout_colour();
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string& cell = rows[r][i];
      line += cell;
      if (i + 1 < rows[r].size()) line += std::string(widths[i] - display_width(cell) + 2, ' ');
    }
    out += (r == 0 ? paint(line, Colour::Dim, c) : line) + "\n";
  }
  std::fputs(out.c_str(), stdout);
}

void print_json(const nlohmann::json& value) { std::cout << value.dump(2) << std::endl; }

void print_line(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

std::string quantity(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

}  // namespace bridge::cli
