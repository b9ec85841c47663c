#pragma once
// A scratch directory per test that also serves as XDG_DATA_HOME, so nothing touches $HOME.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace bridge::cert::testing {

class Scratch {
 public:
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "bridge-cert-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
    ::setenv("XDG_DATA_HOME", (path_ + "/data").c_str(), 1);
  }
  ~Scratch() { std::filesystem::remove_all(path_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace bridge::cert::testing
