// The sidecar examples under profiles/: the Kubernetes manifests in profiles/k8s/ (parsed with
// yaml-cpp; the ConfigMap's TOML checked by the bridge binary) and the compose example in
// profiles/compose/ (its config dir checked by bridge, the file by `docker-compose config`
// against the private dockerd). `kubectl create --dry-run=client` runs only where kubectl has a
// cluster context: even a client-side dry run asks the API server for its resource types.
#include "sidecar_env.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace bridge::test {
namespace {

[[maybe_unused]] auto* const docker_env =
    ::testing::AddGlobalTestEnvironment(new DockerEnvironment);

std::string k8s_dir() { return source_dir() + "/profiles/k8s"; }
std::string compose_dir() { return source_dir() + "/profiles/compose"; }

/// "5s", "250ms", "2m" -> milliseconds; -1 when it is none of these.
long long duration_ms(const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  std::string unit = end == nullptr ? "" : end;
  if (end == text.c_str()) return -1;
  if (unit == "ms") return static_cast<long long>(value);
  if (unit == "s") return static_cast<long long>(value * 1000);
  if (unit == "m") return static_cast<long long>(value * 60000);
  if (unit == "h") return static_cast<long long>(value * 3600000);
  return -1;
}

/// The first document of `kind` in a (possibly multi-document) YAML file.
YAML::Node load_kind(const std::string& path, const std::string& kind) {
  for (const YAML::Node& doc : YAML::LoadAllFromFile(path))
    if (doc["kind"] && doc["kind"].as<std::string>() == kind) return doc;
  return YAML::Node();
}

YAML::Node container_named(const YAML::Node& deployment, const std::string& name) {
  for (const YAML::Node& c : deployment["spec"]["template"]["spec"]["containers"])
    if (c["name"].as<std::string>() == name) return c;
  return YAML::Node();
}

std::vector<std::string> strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node && node.IsSequence())
    for (const YAML::Node& item : node) out.push_back(item.as<std::string>());
  return out;
}

/// The value after `flag` in `args`, "" when absent.
std::string flag_value(const std::vector<std::string>& args, const std::string& flag) {
  auto at = std::find(args.begin(), args.end(), flag);
  return at == args.end() || at + 1 == args.end() ? "" : *(at + 1);
}

/// The containerPort a probe's `port` (a number or a port name) stands for.
int probe_port(const YAML::Node& container, const YAML::Node& port) {
  if (!port) return -1;
  for (const YAML::Node& p : container["ports"])
    if (p["name"] && p["name"].as<std::string>() == port.as<std::string>())
      return p["containerPort"].as<int>();
  return port.as<int>(-1);
}

/// The ConfigMap's data written to a dir, as the kubelet mounts it.
class ExtractedConfigMap {
 public:
  ExtractedConfigMap() {
    YAML::Node map = load_kind(k8s_dir() + "/configmap.yaml", "ConfigMap");
    if (!map) return;
    name_ = map["metadata"]["name"].as<std::string>();
    for (const auto& entry : map["data"]) {
      files_.push_back(entry.first.as<std::string>());
      write_file(dir_ / files_.back(), entry.second.as<std::string>());
    }
  }
  const std::string& name() const { return name_; }
  const std::vector<std::string>& files() const { return files_; }
  std::string path() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string name_;
  std::vector<std::string> files_;
};

/// `bridge config show --json` values: path -> the string, or the JSON text of another type
/// ("true", "8080").
std::map<std::string, std::string> effective_config(const std::string& dir,
                                                    const std::string& profile,
                                                    std::map<std::string, std::string> env = {}) {
  auto r =
      run({bridge_bin(), "config", "show", "--config-dir", dir, "--profile", profile, "--json"},
          30s, std::move(env));
  std::map<std::string, std::string> out;
  auto parsed = nlohmann::json::parse(r.out, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("values")) return out;
  for (const auto& [key, value] : parsed["values"].items()) {
    const auto& v = value["value"];
    out[key] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

std::string unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return text;
}

TEST(K8sManifests, BridgeSidecarHasProbesOnTheAdminPortAndALockedDownContainer) {
  YAML::Node deployment = load_kind(k8s_dir() + "/deployment.yaml", "Deployment");
  ASSERT_TRUE(deployment) << "no Deployment in profiles/k8s/deployment.yaml";
  YAML::Node bridge = container_named(deployment, "bridge");
  ASSERT_TRUE(bridge) << "no container named bridge";

  auto args = strings(bridge["args"]);
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args[0], "up");
  EXPECT_EQ(flag_value(args, "--profile"), "staging");
  EXPECT_EQ(flag_value(args, "--drain-delay"), "5s");

  int admin_port = -1;
  for (const YAML::Node& p : bridge["ports"])
    if (p["name"] && p["name"].as<std::string>() == "admin")
      admin_port = p["containerPort"].as<int>();
  EXPECT_EQ(admin_port, 9901);
  EXPECT_EQ(bridge["livenessProbe"]["httpGet"]["path"].as<std::string>(""), "/healthz");
  EXPECT_EQ(probe_port(bridge, bridge["livenessProbe"]["httpGet"]["port"]), 9901);
  EXPECT_EQ(bridge["readinessProbe"]["httpGet"]["path"].as<std::string>(""), "/readyz");
  EXPECT_EQ(probe_port(bridge, bridge["readinessProbe"]["httpGet"]["port"]), 9901);

  for (const char* kind : {"requests", "limits"})
    for (const char* resource : {"cpu", "memory"})
      EXPECT_TRUE(bridge["resources"][kind][resource].IsDefined())
          << "resources." << kind << "." << resource << " is not set";

  YAML::Node security = bridge["securityContext"];
  EXPECT_TRUE(security["runAsNonRoot"].as<bool>(false));
  EXPECT_EQ(security["runAsUser"].as<int>(-1), 65532);
  EXPECT_TRUE(security["readOnlyRootFilesystem"].as<bool>(false));
  EXPECT_FALSE(security["allowPrivilegeEscalation"].as<bool>(true));
  auto dropped = strings(security["capabilities"]["drop"]);
  EXPECT_NE(std::find(dropped.begin(), dropped.end(), "ALL"), dropped.end());

  // The config comes from the ConfigMap, mounted where the image looks (BRIDGE_CONFIG_DIR).
  ExtractedConfigMap config_map;
  std::string volume;
  for (const YAML::Node& m : bridge["volumeMounts"])
    if (m["mountPath"].as<std::string>() == "/etc/bridge") volume = m["name"].as<std::string>();
  ASSERT_FALSE(volume.empty()) << "nothing mounted at /etc/bridge";
  std::string mounted_map;
  for (const YAML::Node& v : deployment["spec"]["template"]["spec"]["volumes"])
    if (v["name"].as<std::string>() == volume && v["configMap"])
      mounted_map = v["configMap"]["name"].as<std::string>();
  EXPECT_EQ(mounted_map, config_map.name());

  // SIGTERM -> drain delay -> drain timeout must end before the kubelet's SIGKILL.
  auto values = effective_config(config_map.path(), "staging");
  long long drain_timeout = duration_ms(unquote(values["limits.drain_timeout"]));
  ASSERT_GT(drain_timeout, 0) << "limits.drain_timeout of the ConfigMap's staging profile";
  long long grace =
      deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as<long long>(30) *
      1000;
  EXPECT_GT(grace, duration_ms(flag_value(args, "--drain-delay")) + drain_timeout);
}

TEST(K8sManifests, EveryContainerRunsAsNonRoot) {
  YAML::Node deployment = load_kind(k8s_dir() + "/deployment.yaml", "Deployment");
  ASSERT_TRUE(deployment);
  YAML::Node pod = deployment["spec"]["template"]["spec"];
  for (const YAML::Node& c : pod["containers"]) {
    bool non_root = c["securityContext"]["runAsNonRoot"].as<bool>(false) ||
                    pod["securityContext"]["runAsNonRoot"].as<bool>(false);
    EXPECT_TRUE(non_root) << c["name"].as<std::string>();
    EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>(false))
        << c["name"].as<std::string>();
  }
}

TEST(K8sManifests, ConfigMapProfilePassesBridgeConfigCheck) {
  ExtractedConfigMap config_map;
  ASSERT_FALSE(config_map.name().empty()) << "no ConfigMap in profiles/k8s/configmap.yaml";
  EXPECT_NE(std::find(config_map.files().begin(), config_map.files().end(), "base.toml"),
            config_map.files().end());
  EXPECT_NE(std::find(config_map.files().begin(), config_map.files().end(), "staging.toml"),
            config_map.files().end());

  auto check = run(
      {bridge_bin(), "config", "check", "--config-dir", config_map.path(), "--profile", "staging"},
      30s);
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ok: profile staging"), std::string::npos) << check.out;

  // With the Deployment's environment too (BRIDGE__* overrides).
  YAML::Node bridge =
      container_named(load_kind(k8s_dir() + "/deployment.yaml", "Deployment"), "bridge");
  std::map<std::string, std::string> env;
  for (const YAML::Node& e : bridge["env"])
    if (e["value"]) env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  env["BRIDGE_CONFIG_DIR"] = config_map.path();  // the mount path, here
  auto with_env = run({bridge_bin(), "config", "check", "--profile", "staging"}, 30s, env);
  EXPECT_EQ(with_env.status, 0) << with_env.out << with_env.err;

  // Probes must be reachable from the kubelet: admin on every interface, probes only.
  auto values = effective_config(config_map.path(), "staging");
  EXPECT_EQ(unquote(values["bridge.admin"]), "0.0.0.0:9901");
  EXPECT_EQ(values["bridge.admin_probes_only"], "true");
  bool listens_everywhere = false;
  for (const auto& [key, value] : values)
    if (key.starts_with("listeners.") && key.ends_with(".bind") &&
        unquote(value).starts_with("0.0.0.0:8080"))
      listens_everywhere = true;
  EXPECT_TRUE(listens_everywhere) << "a listener must bind 0.0.0.0:8080 inside the pod";
}

TEST(K8sManifests, ServiceTargetsBridgesPort) {
  YAML::Node service = load_kind(k8s_dir() + "/service.yaml", "Service");
  ASSERT_TRUE(service);
  YAML::Node deployment = load_kind(k8s_dir() + "/deployment.yaml", "Deployment");
  YAML::Node bridge = container_named(deployment, "bridge");
  for (const auto& label : service["spec"]["selector"])
    EXPECT_EQ(deployment["spec"]["template"]["metadata"]["labels"][label.first.as<std::string>()]
                  .as<std::string>(""),
              label.second.as<std::string>());
  ASSERT_EQ(service["spec"]["ports"].size(), 1u);
  EXPECT_EQ(probe_port(bridge, service["spec"]["ports"][0]["targetPort"]), 8080);
}

TEST(K8sManifests, KubectlClientDryRunAccepts) {
  std::string kubectl;
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"})
    if (::access((std::string(dir) + "/kubectl").c_str(), X_OK) == 0)
      kubectl = std::string(dir) + "/kubectl";
  if (kubectl.empty()) GTEST_SKIP() << "skipped: kubectl is not installed";
  // Without a context kubectl would ask http://localhost:8080 (maybe a bridge under test).
  auto context = run({kubectl, "config", "current-context"}, 10s);
  if (context.status != 0)
    GTEST_SKIP() << "skipped: kubectl has no cluster context, and `kubectl create "
                    "--dry-run=client` still needs an API server to look up resource types";
  auto r = run({kubectl, "create", "--dry-run=client", "-o", "name", "-f", k8s_dir()}, 60s);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("deployment.apps/orders"), std::string::npos) << r.out;
}

TEST(ComposeExample, ConfigDirPassesBridgeConfigCheck) {
  auto check = run({bridge_bin(), "config", "check", "--config-dir", compose_dir() + "/bridge",
                    "--profile", "compose"},
                   30s);
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ok: profile compose"), std::string::npos) << check.out;
}

TEST(ComposeExample, DockerComposeConfigAcceptsIt) {
  REQUIRE_DOCKER();
  auto r = DockerEnvironment::engine()->compose({"-f", compose_dir() + "/compose.yaml", "config"},
                                                compose_dir(), 60s);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  YAML::Node config = YAML::Load(r.out);
  YAML::Node services = config["services"];
  for (const char* name : {"bridge", "web", "api"})
    EXPECT_TRUE(services[name].IsDefined()) << "service " << name;
  YAML::Node bridge = services["bridge"];
  EXPECT_TRUE(bridge["read_only"].as<bool>(false));
  EXPECT_EQ(bridge["user"].as<std::string>(""), "65532:65532");
  auto command = strings(bridge["command"]);
  EXPECT_EQ(flag_value(command, "--profile"), "compose");

  // Only bridge publishes ports, and only on 127.0.0.1 (short or long syntax).
  for (const char* name : {"web", "api"}) EXPECT_FALSE(services[name]["ports"].IsDefined());
  ASSERT_TRUE(bridge["ports"].IsSequence());
  for (const YAML::Node& port : bridge["ports"]) {
    std::string text = port.IsScalar() ? port.as<std::string>() : "";
    std::string host_ip =
        port.IsScalar() ? text.substr(0, text.find(':')) : port["host_ip"].as<std::string>("");
    EXPECT_EQ(host_ip, "127.0.0.1") << YAML::Dump(port);
  }
  // The config dir beside compose.yaml is mounted read-only where the image looks.
  bool mounted = false;
  for (const YAML::Node& volume : bridge["volumes"]) {
    std::string text = volume.IsScalar() ? volume.as<std::string>()
                                         : volume["source"].as<std::string>("") + ":" +
                                               volume["target"].as<std::string>("") +
                                               (volume["read_only"].as<bool>(false) ? ":ro" : "");
    if (text == compose_dir() + "/bridge:/etc/bridge:ro") mounted = true;
  }
  EXPECT_TRUE(mounted) << YAML::Dump(bridge["volumes"]);

  // docker stops after stop_grace_period; drain delay + drain timeout must fit in it.
  auto values = effective_config(compose_dir() + "/bridge", "compose");
  long long grace = duration_ms(bridge["stop_grace_period"].as<std::string>("10s"));
  EXPECT_GT(grace, duration_ms(flag_value(command, "--drain-delay")) +
                       duration_ms(unquote(values["limits.drain_timeout"])));
}

}  // namespace
}  // namespace bridge::test
