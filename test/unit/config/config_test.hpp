#pragma once
// Helpers for the config tests: a temp config dir per test and hermetic loads.

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::test {

/// A fresh directory under $TMPDIR, removed with everything in it at the end of the test.
class TempConfigDir {
 public:
  const std::string& path() const { return dir_.path(); }
  /// The path origins use for `file` in this dir.
  std::string file(std::string_view name) const { return dir_ / name; }
  void write(std::string_view name, std::string_view text) const;

  /// Loads `profile` from this dir with a fixed environment (none by default).
  Result<Config> load(std::string profile = "dev", std::vector<std::string> overrides = {},
                      std::map<std::string, std::string> environment = {}) const;
  /// The options load() uses for `profile`, for a test that sets more of them.
  LoadOptions options(std::string profile = "dev") const;

 private:
  bridge::test::TempDir dir_;
};

/// A listener and an upstream, so a case only has to add what it tests.
inline constexpr std::string_view minimal_base = R"toml(version = 1

[[listeners]]
name = "web"
bind = "127.0.0.1:8080"

[[upstreams]]
name = "orders"
targets = ["http://127.0.0.1:9000"]
)toml";

using Env = std::map<std::string, std::string>;

/// "file:line:col" of an origin, for compact assertions.
inline std::string where(const Origin& origin) { return origin.str(); }

/// The value of leaf `path` ("" when absent).
std::string leaf_value(const Config& config, std::string_view path);

/// Changes the working directory for the scope (search-order tests).
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::string& dir);
  ~ScopedCwd();
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  std::string previous_;
};

}  // namespace bridge::config::test
