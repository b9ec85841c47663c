// Replays one harness's committed corpus (seeds and every input that ever crashed or hung)
// through its LLVMFuzzerTestOneInput, so the ordinary gcc build, and its ASan+UBSan twin,
// check them on every run without clang. Usage: <name>_fuzz_replay CORPUS_DIR [gtest flags]
#include "fuzz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#ifndef BRIDGE_FUZZ_HARNESS
#error "BRIDGE_FUZZ_HARNESS names the harness (test/fuzz/meson.build defines it)"
#endif

namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replay(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  ASSERT_FALSE(ec) << dir << ": " << ec.message();
  ASSERT_FALSE(files.empty()) << "no inputs in " << dir;
  std::sort(files.begin(), files.end());
  auto started = std::chrono::steady_clock::now();
  for (const auto& file : files) {
    std::vector<uint8_t> input = read_bytes(file);
    // Named before it runs: a crash (abort, sanitizer report) ends the process, and this line
    // in the test log says which input did it.
    std::fprintf(stderr, "replay %s (%zu bytes)\n", file.filename().c_str(), input.size());
    EXPECT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0) << file;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  std::printf("%zu inputs of %s replayed in %lld ms\n", files.size(), BRIDGE_FUZZ_HARNESS,
              static_cast<long long>(ms));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [gtest flags]\n", argv[0]);
    return 2;
  }
  fs::path dir = argv[1];
  ::testing::RegisterTest("FuzzReplay", BRIDGE_FUZZ_HARNESS, nullptr, nullptr, __FILE__, __LINE__,
                          [dir]() -> ::testing::Test* {
                            struct Replay : ::testing::Test {
                              explicit Replay(fs::path d) : dir(std::move(d)) {}
                              void TestBody() override { replay(dir); }
                              fs::path dir;
                            };
                            return new Replay(dir);
                          });
  return RUN_ALL_TESTS();
}
