// Where the compose files are, as docker compose looks for them.
#include "detail/compose.hpp"

#include <filesystem>

namespace bridge::discovery::detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* default_names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
                                         "docker-compose.yaml"};
constexpr const char* override_names[] = {"compose.override.yml", "compose.override.yaml",
                                          "docker-compose.override.yml",
                                          "docker-compose.override.yaml"};

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

fs::path absolute_from(const fs::path& base, const std::string& path) {
  fs::path p(path);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

}  // namespace

Result<ComposeFiles> find_compose_files(const std::string& working_dir, const EnvMap& env) {
  std::error_code ec;
  fs::path cwd = working_dir.empty() ? fs::current_path(ec) : fs::path(working_dir);
  cwd = fs::absolute(cwd, ec).lexically_normal();

  if (auto list = getenv_with(env, "COMPOSE_FILE")) {
    std::string sep = getenv_with(env, "COMPOSE_PATH_SEPARATOR").value_or(":");
    ComposeFiles out;
    size_t start = 0;
    while (start <= list->size()) {
      size_t end = list->find(sep, start);
      std::string item = list->substr(start, end == std::string::npos ? end : end - start);
      if (!item.empty()) {
        fs::path file = absolute_from(cwd, item);
        if (!is_file(file)) {
          return Error::config("COMPOSE_FILE names " + file.string() + ", which does not exist", {},
                               "fix COMPOSE_FILE or unset it to search for compose.yaml");
        }
        out.files.push_back(file.string());
      }
      if (end == std::string::npos) break;
      start = end + sep.size();
    }
    if (out.files.empty()) return Error::config("COMPOSE_FILE is set but names no file");
    out.project_dir = fs::path(out.files.front()).parent_path().string();
    return out;
  }

  std::vector<std::string> searched;
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    searched.push_back(dir.string());
    for (const char* name : default_names) {
      if (!is_file(dir / name)) continue;
      ComposeFiles out;
      out.files.push_back((dir / name).string());
      for (const char* override_name : override_names) {
        if (is_file(dir / override_name)) {
          out.files.push_back((dir / override_name).string());
          break;
        }
      }
      out.project_dir = dir.string();
      return out;
    }
    if (dir == dir.parent_path() || dir.empty()) break;
  }
  std::string where;
  for (const auto& dir : searched) where += "\n  " + dir;
  return Error::config(
      "no compose file found (compose.yaml, compose.yml, docker-compose.yml, "
      "docker-compose.yaml) in " +
          searched.front() + " or its parents; looked in:" + where,
      {},
      "run bridge from the compose project's directory, set COMPOSE_FILE, or name a running "
      "project with compose://SERVICE:PORT?project=NAME");
}

std::string normalize_project_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') out += c;
  }
  size_t start = out.find_first_not_of("-_");
  return start == std::string::npos ? std::string() : out.substr(start);
}

}  // namespace bridge::discovery::detail
