#pragma once
// Runs `bridge cert ...` with XDG_DATA_HOME inside a temp dir, so no test touches $HOME.

#include "support.hpp"

#include <sys/stat.h>

#include <string>
#include <vector>

namespace bridge::test {

class CertEnv {
 public:
  std::string data() const { return dir_ / "data"; }
  std::string ca_dir() const { return dir_ / "data/bridge/ca"; }
  std::string operator/(const std::string& name) const { return dir_ / name; }
  const std::string& path() const { return dir_.path(); }

  RunResult bridge(std::vector<std::string> args, Millis timeout = 30s) const {
    args.insert(args.begin(), bridge_bin());
    return run(std::move(args), timeout,
               {{"XDG_DATA_HOME", data()}, {"NO_COLOR", "1"}, {"BRIDGE_CONFIG_DIR", ""}},
               dir_.path());
  }

 private:
  TempDir dir_;
};

inline unsigned file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace bridge::test
