// The compose file reader (core/discovery) as `compose://` targets use it: compose.yaml and its
// override file parsed with yaml-cpp, `${VAR}` interpolated from the environment and .env,
// short and long port syntax, `extends` within the project and from another file, then the
// port lookups and the errors that name services.
//
// Input: parts (fuzz.hpp separator) compose.yaml, compose.override.yaml, .env, common.yaml
// (for `extends: {file: common.yaml}`). A file whose part is absent does not exist.
#include "fuzz.hpp"

#include "detail/compose.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <string>

namespace {

using namespace bridge::discovery::detail;

constexpr const char* files[] = {"compose.yaml", "compose.override.yaml", ".env", "common.yaml"};

void check_project(const ComposeProject& project) {
  auto names = project.service_names();
  BRIDGE_FUZZ_CHECK(names.size() == project.services.size());
  for (const auto& [name, service] : project.services) {
    for (const PortMapping& m : service.ports) {
      BRIDGE_FUZZ_CHECK(m.container_start <= m.container_end);
      BRIDGE_FUZZ_CHECK(m.host_start <= m.host_end);
      auto endpoint = static_endpoint(project, service, m.container_start);
      if (endpoint) {
        BRIDGE_FUZZ_CHECK(!endpoint->host.empty());
        BRIDGE_FUZZ_CHECK(endpoint->port != 0);
      } else {
        BRIDGE_FUZZ_CHECK(!endpoint.error().message.empty());
      }
      (void)loopback_for(m.host_ip);
    }
    (void)static_endpoint(project, service, 1);
    BRIDGE_FUZZ_CHECK(!unpublished_hint(&project, name, 8080).empty());
  }
  bridge::Error unknown = unknown_service_error(project, "no-such-service");
  BRIDGE_FUZZ_CHECK(!unknown.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bridge::test::TempDir dir;  // one per process: the reader reads real files
  auto parts = bridge::fuzz::split_parts(bridge::fuzz::as_text(data, size));
  for (size_t i = 0; i < std::size(files); ++i) {
    std::string path = dir / files[i];
    if (i < parts.size()) {
      bridge::test::write_file(path, parts[i]);
    } else {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }
  ComposeFiles found;
  found.project_dir = dir.path();
  found.files.push_back(dir / files[0]);
  if (parts.size() > 1) found.files.push_back(dir / files[1]);
  // Overrides of the process environment; an empty value unsets a variable.
  EnvMap env{{"COMPOSE_PROJECT_NAME", ""},
             {"TAG", "1.2"},
             {"PORT", "8080"},
             {"HOST_IP", "127.0.0.1"},
             {"EMPTY", ""}};
  auto project = load_compose_project(found, env);
  if (!project) {
    BRIDGE_FUZZ_CHECK(!project.error().message.empty());
    return 0;
  }
  check_project(*project);
  return 0;
}
