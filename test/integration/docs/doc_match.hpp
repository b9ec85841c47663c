#pragma once
/// Compares what a command printed with what a page shows: exact lines, `...` lines,
/// `[..]` inside a line, and values that vary recognised by their shape. The rules are in
/// docs/building.md, "Examples are tests".

#include <map>
#include <string>
#include <vector>

namespace bridge::test::docs {

/// A value shown in a page (a request id, a breakpoint id, an ephemeral port) -> the value
/// that was printed in its place. Later commands of the page use the printed one.
using Bindings = std::map<std::string, std::string>;

/// The lines of `text` as compared: without `\r`, trailing blanks or trailing empty lines.
std::vector<std::string> output_lines(const std::string& text);

/// True when `actual` shows what `expected` does; on success the values `expected` showed
/// loosely and that are bound (ids, ports, pids) are added to `bindings`.
bool match_output(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                  Bindings& bindings);

/// Expected and actual as a line diff for a failure message: "  " a line that matched,
/// "- " a line only the page shows, "+ " a line only the command printed.
std::string diff_output(const std::vector<std::string>& expected,
                        const std::vector<std::string>& actual, const Bindings& bindings);

/// `text` with every bound page value replaced by the printed one.
std::string substitute(std::string text, const Bindings& bindings);

}  // namespace bridge::test::docs
