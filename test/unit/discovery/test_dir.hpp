#pragma once
// A temp dir per test for compose files (files only; no sockets in unit tests).

#include "temp_dir.hpp"

#include <fstream>
#include <string>

namespace bridge::discovery::test {

class ScratchDir {
 public:
  std::string path() const { return dir_.path(); }
  std::string operator/(const std::string& name) const { return dir_ / name; }
  /// Writes `text` to NAME in this dir (parents created) and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::string path = dir_ / name;
    bridge::test::write_file(path, text);
    return path;
  }

 private:
  bridge::test::TempDir dir_;
};

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(BRIDGE_DISCOVERY_TEST_DATA) + "/" + name);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace bridge::discovery::test
