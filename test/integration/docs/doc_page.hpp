#pragma once
/// The ```console blocks of a markdown page: their doc-test markers, commands and the output
/// the page shows for each. The rules are in docs/building.md, "Examples are tests".

#include <string>
#include <vector>

namespace bridge::test::docs {

/// One `$ ` command of a block and the lines the page shows after it.
struct Command {
  std::string text;  // after "$ ", with its `\` continuation and heredoc lines
  int line = 0;      // 1-based line of the "$ " in the page
  std::vector<std::string> expected;
};

/// `<!-- doc-test: KIND: VALUE -->` on a line above a block.
struct Marker {
  std::string kind;  // skip, no-run, setup
  std::string value;
};

struct Block {
  std::string page;  // relative to the repository: README.md, docs/tracing.md
  int line = 0;      // 1-based line of the ```console fence
  std::vector<Marker> markers;
  std::vector<Command> commands;
  std::string error;  // why the block cannot be read (text before the first "$ ", a bad marker)
};

/// The console blocks of `text` (the page `page`), in page order.
std::vector<Block> console_blocks(const std::string& page, const std::string& text);

/// The heredoc terminators a command line opens (`<<'EOF'`, `<<EOF`, `<<-EOF`), in order.
std::vector<std::string> heredoc_terminators(const std::string& line);

}  // namespace bridge::test::docs
