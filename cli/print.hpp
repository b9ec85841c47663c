#pragma once
/// The only code that writes to stdout/stderr for the CLI: errors, tables, JSON, colour.

#include "common/error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace bridge::cli {

enum class Colour { None, Red, Green, Yellow, Blue, Magenta, Cyan, Dim, Bold };

/// True when stdout is a terminal and NO_COLOR is not set.
bool stdout_colour();
bool stderr_colour();

/// Wraps `text` in an ANSI colour when `enabled`.
std::string paint(std::string_view text, Colour colour, bool enabled);

/// Prints an Error to stderr with its origin, source line and caret (rustc style).
void print_error(const Error& error);
/// Prints "warning: ..." to stderr.
void print_warning(std::string_view message);
/// A warning at a place in a file (a config warning): as print_error, in yellow.
void print_warning(const Error& warning);

/// Prints rows as aligned columns; the first row is the header (dimmed on a terminal).
void print_table(const std::vector<std::vector<std::string>>& rows);

void print_json(const nlohmann::json& value);
void print_line(std::string_view text);
/// "1 file", "3 files": `n` and the noun, plural unless n == 1.
std::string quantity(size_t n, std::string_view noun);

/// Visible width of a UTF-8 string without ANSI escapes.
size_t display_width(std::string_view text);

}  // namespace bridge::cli
