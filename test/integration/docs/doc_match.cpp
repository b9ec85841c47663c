#include "doc_match.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace bridge::test::docs {
namespace {

// The shapes of values that differ from run to run, in the order they are tried. A bound
// shape is the same value wherever it shows again (and in later commands); the others only
// have to have the shape.
struct Shape {
  const char* doc;     // how the value looks in a page
  const char* actual;  // what it matches in the output
  bool bound;
};
constexpr Shape shapes[] = {
    {R"(\[\.\.\])", R"(.*?)", false},  // [..]: any text
    {R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)",
     R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)", false},
    {R"(\b\d\d:\d\d:\d\d\.\d{3}\b)", R"(\d\d:\d\d:\d\d\.\d{3})", false},
    {R"(\b(?:bp|p)-[0-9a-f]{16}\b)", R"((?:bp|p)-[0-9a-f]{16})", true},
    {R"(\b[0-9a-f]{32}\b)", R"([0-9a-f]{32})", true},
    {R"(\b[0-9a-f]{16}\b)", R"([0-9a-f]{16})", true},
    {R"(\b[0-9a-f]{12}\b)", R"([0-9a-f]{12})", true},  // config hashes, image ids
    {R"(127\.0\.0\.1:(?:3[2-9]\d{3}|[4-6]\d{4})\b)", R"(127\.0\.0\.1:\d+)", true},
    {R"(\bpid \d+\b)", R"(pid \d+)", true},
    {R"(\b\d+ worker\(s\))", R"(\d+ worker\(s\))", false},  // one per core by default
    {R"(\+?\b\d+\.\d+ ?(?:ns|us|µs|ms|s)\b)", R"(\+?\d+(?:\.\d+)? ?(?:ns|us|µs|ms|s))", false},
};

const std::regex& any_shape() {
  static const std::regex re = [] {
    std::string alternatives;
    for (const auto& shape : shapes) {
      if (!alternatives.empty()) alternatives += '|';
      alternatives += std::string("(") + shape.doc + ")";
    }
    return std::regex(alternatives);
  }();
  return re;
}

std::string escape(std::string_view text) {
  static const std::string special = R"(\^$.|?*+()[]{}/)";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// A line of the page as a regex; the doc values of bound shapes in the order of their groups.
struct LinePattern {
  bool any_lines = false;  // the line is `...`
  std::regex re;
  std::vector<std::string> bound;  // per capture group: the doc value, "" when not bound
};

// Literal text beside a varying value: a run of 2+ spaces there is column padding, whose width
// follows the value's.
std::string literal(std::string_view text, bool after_value, bool before_value) {
  size_t lead = 0, trail = 0;
  if (after_value) lead = std::min(text.find_first_not_of(' '), text.size());
  if (before_value) {
    size_t last = text.find_last_not_of(' ');
    trail = last == std::string_view::npos ? text.size() : text.size() - last - 1;
  }
  if (lead < 2) lead = 0;
  if (trail < 2) trail = 0;
  if (lead + trail > text.size()) return " +";  // only spaces between two values
  std::string out = lead > 0 ? " +" : "";
  out += escape(text.substr(lead, text.size() - lead - trail));
  if (trail > 0) out += " +";
  return out;
}

LinePattern compile(const std::string& line) {
  LinePattern pattern;
  if (line.find_first_not_of(' ') != std::string::npos &&
      line.substr(line.find_first_not_of(' ')) == "...") {
    pattern.any_lines = true;
    return pattern;
  }
  std::string re;
  size_t pos = 0;
  bool after_value = false;
  for (std::sregex_iterator it(line.begin(), line.end(), any_shape()), last; it != last; ++it) {
    const auto& m = *it;
    re += literal(std::string_view(line).substr(pos, m.position() - pos), after_value, true);
    size_t which = 1;
    while (!m[which].matched) ++which;
    const Shape& shape = shapes[which - 1];
    re += std::string("(") + shape.actual + ")";
    pattern.bound.push_back(shape.bound ? m.str() : "");
    pos = m.position() + m.length();
    after_value = true;
  }
  re += literal(std::string_view(line).substr(pos), after_value, false);
  pattern.re = std::regex(re);
  return pattern;
}

bool line_matches(const LinePattern& pattern, const std::string& actual, Bindings& bindings) {
  std::smatch m;
  if (!std::regex_match(actual, m, pattern.re)) return false;
  Bindings added;
  for (size_t g = 0; g < pattern.bound.size(); ++g) {
    const std::string& doc = pattern.bound[g];
    if (doc.empty()) continue;
    std::string printed = m.str(g + 1);
    auto known = bindings.find(doc);
    if (known != bindings.end() && known->second != printed) return false;
    auto seen = added.find(doc);
    if (seen != added.end() && seen->second != printed) return false;
    if (known == bindings.end()) added.emplace(doc, printed);
  }
  bindings.insert(added.begin(), added.end());
  return true;
}

bool match_from(const std::vector<LinePattern>& patterns, size_t p,
                const std::vector<std::string>& actual, size_t a, Bindings& bindings) {
  if (p == patterns.size()) return a == actual.size();
  if (patterns[p].any_lines) {
    for (size_t skip = a; skip <= actual.size(); ++skip) {
      Bindings attempt = bindings;
      if (match_from(patterns, p + 1, actual, skip, attempt)) {
        bindings = std::move(attempt);
        return true;
      }
    }
    return false;
  }
  if (a == actual.size()) return false;
  Bindings attempt = bindings;
  if (!line_matches(patterns[p], actual[a], attempt)) return false;
  if (!match_from(patterns, p + 1, actual, a + 1, attempt)) return false;
  bindings = std::move(attempt);
  return true;
}

std::vector<LinePattern> compile_all(const std::vector<std::string>& expected) {
  std::vector<LinePattern> patterns;
  for (const auto& line : expected) patterns.push_back(compile(line));
  return patterns;
}

// The page's lines as compared: without trailing blanks and trailing empty lines.
std::vector<std::string> trimmed(std::vector<std::string> lines) {
  for (auto& line : lines) line.erase(line.find_last_not_of(" \t") + 1);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace

std::vector<std::string> output_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line.erase(std::remove(line.begin(), line.end(), '\r'), line.end());
    line.erase(line.find_last_not_of(" \t") + 1);
    lines.push_back(std::move(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool match_output(const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                  Bindings& bindings) {
  return match_from(compile_all(trimmed(expected)), 0, actual, 0, bindings);
}

std::string diff_output(const std::vector<std::string>& page_lines,
                        const std::vector<std::string>& actual, const Bindings& bindings) {
  auto expected = trimmed(page_lines);
  auto patterns = compile_all(expected);
  // Fewest unmatched lines (an edit distance); a `...` line takes any number of actual lines.
  size_t n = patterns.size(), m = actual.size();
  std::vector<std::vector<size_t>> cost(n + 1, std::vector<size_t>(m + 1, 0));
  auto same = [&](size_t p, size_t a) {
    Bindings scratch = bindings;
    return line_matches(patterns[p], actual[a], scratch);
  };
  auto dots = [&](size_t p) { return p < n && patterns[p].any_lines; };
  for (size_t p = n + 1; p-- > 0;) {
    for (size_t a = m + 1; a-- > 0;) {
      if (p == n) {
        cost[p][a] = m - a;
        continue;
      }
      size_t miss = dots(p) ? 0 : 1;
      size_t best = cost[p + 1][a] + miss;
      if (a < m) best = std::min(best, cost[p][a + 1] + miss);
      if (a < m && !dots(p) && same(p, a)) best = std::min(best, cost[p + 1][a + 1]);
      cost[p][a] = best;
    }
  }
  std::string out;
  size_t p = 0, a = 0;
  while (p < n || a < m) {
    if (dots(p)) {
      if (cost[p][a] == cost[p + 1][a]) {
        ++p;
      } else {
        out += "  " + actual[a++] + "\n";  // taken by `...`
      }
    } else if (p < n && a < m && same(p, a) && cost[p][a] == cost[p + 1][a + 1]) {
      out += "  " + actual[a++] + "\n";
      ++p;
    } else if (p < n && cost[p][a] == cost[p + 1][a] + 1) {
      out += "- " + expected[p++] + "\n";
    } else {
      out += "+ " + actual[a++] + "\n";
    }
  }
  return out;
}

std::string substitute(std::string text, const Bindings& bindings) {
  for (const auto& [doc, printed] : bindings) {
    for (size_t pos = 0; (pos = text.find(doc, pos)) != std::string::npos; pos += printed.size()) {
      text.replace(pos, doc.size(), printed);
    }
  }
  return text;
}

}  // namespace bridge::test::docs
