#pragma once
// A scratch directory per test that also serves as XDG_DATA_HOME, so nothing touches $HOME.

#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace bridge::cert::testing {

class Scratch {
 public:
  /// Points XDG_DATA_HOME (where the local CA lives) into the dir.
  Scratch() { ::setenv("XDG_DATA_HOME", (dir_ / "data").c_str(), 1); }
  std::string operator/(const std::string& name) const { return dir_ / name; }
  const std::string& path() const { return dir_.path(); }

 private:
  bridge::test::TempDir dir_;
};

inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace bridge::cert::testing
