#include "doc_page.hpp"

#include <regex>
#include <sstream>

namespace bridge::test::docs {
namespace {

constexpr std::string_view marker_open = "<!-- doc-test:";
constexpr std::string_view marker_close = "-->";

std::string trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(" \t");
  return std::string(s.substr(begin, end - begin + 1));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A marker line, or nullopt-like empty kind when the line is not one.
bool parse_marker(const std::string& line, Marker& marker, std::string& error) {
  std::string t = trim(line);
  if (!starts_with(t, marker_open)) return false;
  if (t.size() < marker_open.size() + marker_close.size() ||
      t.substr(t.size() - marker_close.size()) != marker_close) {
    error = "a doc-test marker must end on its line with -->: " + t;
    return true;
  }
  std::string body =
      trim(t.substr(marker_open.size(), t.size() - marker_open.size() - marker_close.size()));
  auto colon = body.find(':');
  marker.kind = trim(body.substr(0, colon));
  marker.value = colon == std::string::npos ? "" : trim(body.substr(colon + 1));
  if (marker.kind != "skip" && marker.kind != "no-run" && marker.kind != "setup") {
    error = "unknown doc-test marker \"" + marker.kind + "\" (skip, no-run or setup)";
  } else if (marker.value.empty()) {
    error = "doc-test marker \"" + marker.kind + "\" needs a reason or a command after a colon";
  }
  return true;
}

// The markers on the lines right above the fence at index `fence` (0-based).
std::vector<Marker> markers_above(const std::vector<std::string>& lines, size_t fence,
                                  std::string& error) {
  std::vector<Marker> markers;
  for (size_t i = fence; i-- > 0;) {
    Marker marker;
    if (!parse_marker(lines[i], marker, error)) break;
    markers.insert(markers.begin(), marker);
  }
  return markers;
}

// Reads the block body lines [begin, end) into commands.
void read_commands(const std::vector<std::string>& lines, size_t begin, size_t end, Block& block) {
  for (size_t i = begin; i < end; ++i) {
    const std::string& line = lines[i];
    if (line != "$" && !starts_with(line, "$ ")) {
      if (block.commands.empty()) {
        if (block.error.empty()) block.error = "text before the first \"$ \" command";
        continue;
      }
      block.commands.back().expected.push_back(line);
      continue;
    }
    Command command{line.size() > 2 ? line.substr(2) : "", static_cast<int>(i + 1), {}};
    // `\` continuation lines, then the heredocs the command opened.
    std::string last = command.text;
    while (!last.empty() && last.back() == '\\' && i + 1 < end) {
      last = lines[++i];
      command.text += "\n" + last;
    }
    for (const auto& terminator : heredoc_terminators(command.text)) {
      while (i + 1 < end) {
        std::string body = lines[++i];
        command.text += "\n" + body;
        if (trim(body) == terminator) break;
      }
    }
    block.commands.push_back(std::move(command));
  }
}

}  // namespace

std::vector<std::string> heredoc_terminators(const std::string& line) {
  static const std::regex heredoc(R"((?:^|[^<])<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1)");
  std::vector<std::string> out;
  for (std::sregex_iterator it(line.begin(), line.end(), heredoc), last; it != last; ++it) {
    out.push_back((*it)[2]);
  }
  return out;
}

std::vector<Block> console_blocks(const std::string& page, const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);

  std::vector<Block> blocks;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!starts_with(lines[i], "```")) continue;
    std::string info = trim(std::string_view(lines[i]).substr(3));
    size_t close = i + 1;
    while (close < lines.size() && trim(lines[close]) != "```") ++close;
    if (info == "console") {
      Block block{page, static_cast<int>(i + 1), {}, {}, {}};
      block.markers = markers_above(lines, i, block.error);
      read_commands(lines, i + 1, close, block);
      if (block.commands.empty() && block.error.empty()) block.error = "no \"$ \" command";
      blocks.push_back(std::move(block));
    }
    i = close;
  }
  return blocks;
}

}  // namespace bridge::test::docs
