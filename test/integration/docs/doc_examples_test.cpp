// Every ```console block of README.md and docs/*.md, run and compared with what the page shows
// ("examples are tests", issue 22). One test per block, named after its page and line
// (Docs.README_md_line_45, Docs.tracing_md_line_21); the blocks of a page share one bash, in
// page order, so a later block can use what an earlier one started. How a block is read, run
// and compared, and its markers: docs/building.md, "Examples are tests".
//
// Run one page: build/test/integration/docs/doc_examples_test --gtest_filter='Docs.README_md*'
// (with the env of test/integration/meson.build: BRIDGE_BIN, BRIDGE_SOURCE_DIR).
#include "doc_match.hpp"
#include "doc_page.hpp"
#include "doc_shell.hpp"
#include "net.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>

namespace bridge::test::docs {
namespace {

using namespace std::chrono_literals;

constexpr Millis command_limit = 20s;

std::string source_root() {
  const char* dir = std::getenv("BRIDGE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// The page's shell, and the values its commands printed in place of the page's.
struct PageScope {
  std::string page;
  std::unique_ptr<DocShell> shell;
  Bindings bindings;
  std::string trouble;  // why none of the page's blocks can run
};

std::unique_ptr<PageScope>& current_scope() {
  static std::unique_ptr<PageScope> scope;
  return scope;
}

// Loopback ports below the ephemeral range that the page's commands name (8080, 9901...).
std::set<int> fixed_ports(const std::vector<Block>& blocks) {
  static const std::regex port(R"((?:127\.0\.0\.1|localhost):(\d{2,5})\b)");
  std::set<int> ports;
  auto scan = [&](const std::string& text) {
    for (std::sregex_iterator it(text.begin(), text.end(), port), end; it != end; ++it) {
      int p = std::stoi((*it)[1]);
      if (p < 32768) ports.insert(p);
    }
  };
  for (const auto& block : blocks) {
    for (const auto& command : block.commands) scan(command.text);
    for (const auto& marker : block.markers) scan(marker.value);
  }
  return ports;
}

PageScope& scope_for(const std::string& page, const std::set<int>& ports) {
  auto& scope = current_scope();
  if (scope && scope->page == page) return *scope;
  scope.reset();  // the previous page's shell and everything it started
  scope = std::make_unique<PageScope>();
  scope->page = page;
  for (int port : ports) {
    if (port_open(static_cast<uint16_t>(port))) {
      scope->trouble += "127.0.0.1:" + std::to_string(port) + " is in use before " + page +
                        "'s examples start; they use the fixed ports the page shows.\n";
    }
  }
  // Without it, `bridge` would be the next one on PATH (iproute2 has one).
  const char* bin = std::getenv("BRIDGE_BIN");
  if (bin == nullptr || ::access(bin, X_OK) != 0) {
    scope->trouble +=
        std::string("no bridge binary at BRIDGE_BIN (") + (bin ? bin : "unset") + ")\n";
  }
  if (scope->trouble.empty()) scope->shell = std::make_unique<DocShell>(source_root());
  return *scope;
}

class DocExample : public ::testing::Test {
 public:
  DocExample(const Block* block, std::set<int> ports) : block_(block), ports_(std::move(ports)) {}

  void TestBody() override {
    const Block& block = *block_;
    std::string where = block.page + ":" + std::to_string(block.line);
    if (!block.error.empty()) FAIL() << where << ": " << block.error;
    for (const auto& marker : block.markers) {
      if (marker.kind == "skip" || marker.kind == "no-run") {
        GTEST_SKIP() << marker.kind << ": " << marker.value;
      }
    }
    PageScope& scope = scope_for(block.page, ports_);
    ASSERT_TRUE(scope.trouble.empty()) << scope.trouble;
    for (const auto& marker : block.markers) {
      if (marker.kind == "setup" && !run_step(scope, marker.value, {}, block.line, true)) return;
    }
    for (const auto& command : block.commands) {
      if (!run_step(scope, command.text, command.expected, command.line, false)) return;
    }
  }

 private:
  // The terminal's text as compared: the shell's HOME shows as ~.
  static std::vector<std::string> visible(std::string text, const std::string& home) {
    for (size_t pos = 0; (pos = text.find(home, pos)) != std::string::npos; pos += 1) {
      text.replace(pos, home.size(), "~");
    }
    return output_lines(text);
  }

  // The page's values bound so far, for a failure message.
  static std::string bound_values(const Bindings& bindings) {
    std::string out;
    for (const auto& [doc, printed] : bindings) out += "  bound: " + doc + " -> " + printed + "\n";
    return out;
  }

  // Runs one command (or a setup marker's); false when the block cannot go on.
  bool run_step(PageScope& scope, const std::string& text, const std::vector<std::string>& expected,
                int line, bool setup) {
    std::string at = block_->page + ":" + std::to_string(line);
    std::string command = substitute(text, scope.bindings);
    const std::string& home = scope.shell->home();
    auto shows_all = [&](const std::string& out) {
      Bindings scratch = scope.bindings;
      return !setup && match_output(expected, visible(out, home), scratch);
    };
    auto outcome = scope.shell->run(command, command_limit, shows_all);
    auto printed = visible(outcome.output, home);
    std::string shown = "$ " + command + "\n";
    if (outcome.end == DocShell::End::ShellGone) {
      ADD_FAILURE() << at << ": the page's bash exited or hung during\n"
                    << shown << diff_output(expected, printed, scope.bindings);
      return false;
    }
    if (outcome.end == DocShell::End::TimedOut) {
      ADD_FAILURE() << at << ": hung: no end after " << command_limit.count() / 1000
                    << " s (killed)\n"
                    << shown << "(- the page shows, + it printed)\n"
                    << diff_output(expected, printed, scope.bindings);
      return false;
    }
    if (setup) {
      if (outcome.status == 0) return true;
      ADD_FAILURE() << at << ": the setup marker's command exited " << outcome.status << "\n"
                    << shown << outcome.output;
      return false;
    }
    Bindings bound = scope.bindings;
    if (match_output(expected, printed, bound)) {
      scope.bindings = std::move(bound);
      return true;
    }
    ADD_FAILURE() << at << ": the output differs (exit status " << outcome.status << ")\n"
                  << shown << "(- the page shows, + it printed)\n"
                  << diff_output(expected, printed, scope.bindings) << bound_values(scope.bindings);
    return false;
  }

  const Block* block_;
  std::set<int> ports_;
};

// Ends the last page's shell before the process exits.
class ScopeCleanup : public ::testing::Environment {
 public:
  void TearDown() override { current_scope().reset(); }
};

class MissingPages : public ::testing::Test {
 public:
  explicit MissingPages(std::string root) : root_(std::move(root)) {}
  void TestBody() override { FAIL() << "no README.md in BRIDGE_SOURCE_DIR (" << root_ << ")"; }

 private:
  std::string root_;
};

std::string test_name(const Block& block) {
  std::string name = block.page.rfind("docs/", 0) == 0 ? block.page.substr(5) : block.page;
  std::replace_if(
      name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) == 0; }, '_');
  return name + "_line_" + std::to_string(block.line);
}

std::vector<std::string> pages(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(root + "/docs")) {
    if (entry.path().extension() == ".md")
      out.push_back("docs/" + entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  out.insert(out.begin(), "README.md");
  return out;
}

void register_examples() {
  static std::vector<std::vector<Block>> all;  // the tests point into it
  std::string root = source_root();
  if (!std::filesystem::exists(root + "/README.md")) {
    ::testing::RegisterTest("Docs", "SourceDir", nullptr, nullptr, __FILE__, __LINE__,
                            [root]() -> ::testing::Test* { return new MissingPages(root); });
    return;
  }
  for (const auto& page : pages(root))
    all.push_back(console_blocks(page, read_file(root + "/" + page)));
  for (const auto& blocks : all) {
    auto ports = fixed_ports(blocks);
    for (const auto& block : blocks) {
      ::testing::RegisterTest(
          "Docs", test_name(block).c_str(), nullptr, nullptr,
          (source_root() + "/" + block.page).c_str(), block.line,
          [&block, ports]() -> ::testing::Test* { return new DocExample(&block, ports); });
    }
  }
}

}  // namespace
}  // namespace bridge::test::docs

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  bridge::test::docs::register_examples();
  ::testing::AddGlobalTestEnvironment(new bridge::test::docs::ScopeCleanup);
  return RUN_ALL_TESTS();
}
