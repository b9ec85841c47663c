#include "detail/compose.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>

namespace bridge::discovery::detail {
namespace {

using test::ScratchDir;

// Env overrides that keep the caller's COMPOSE_* out of the tests.
EnvMap clean_env(EnvMap extra = {}) {
  EnvMap env{{"COMPOSE_FILE", ""}, {"COMPOSE_PROJECT_NAME", ""}, {"COMPOSE_PATH_SEPARATOR", ""}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// --- finding the files -------------------------------------------------------------------

TEST(ComposeFind, FindsComposeYamlInTheWorkingDir) {
  ScratchDir dir;
  auto file = dir.write("compose.yaml", "services: {}\n");
  auto found = find_compose_files(dir.path(), clean_env());
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->files.size(), 1u);
  EXPECT_EQ(found->files[0], file);
  EXPECT_EQ(found->project_dir, dir.path());
}

TEST(ComposeFind, WalksUpFromASubdirectory) {
  ScratchDir dir;
  auto file = dir.write("app/docker-compose.yml", "services: {}\n");
  dir.write("app/src/deep/.keep", "");
  auto found = find_compose_files(dir / "app/src/deep", clean_env());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->files.front(), file);
  EXPECT_EQ(found->project_dir, dir / "app");
}

TEST(ComposeFind, PrefersComposeYamlAndAddsTheFirstOverrideFile) {
  ScratchDir dir;
  dir.write("docker-compose.yml", "services: {}\n");
  auto main = dir.write("compose.yaml", "services: {}\n");
  dir.write("docker-compose.override.yml", "services: {}\n");
  auto over = dir.write("compose.override.yml", "services: {}\n");
  auto found = find_compose_files(dir.path(), clean_env());
  ASSERT_TRUE(found);
  ASSERT_EQ(found->files.size(), 2u);
  EXPECT_EQ(found->files[0], main);
  EXPECT_EQ(found->files[1], over);
}

TEST(ComposeFind, ComposeFileVariableListsFilesWithTheSeparator) {
  ScratchDir dir;
  auto a = dir.write("a.yml", "services: {}\n");
  auto b = dir.write("sub/b.yml", "services: {}\n");
  auto found = find_compose_files(dir.path(), clean_env({{"COMPOSE_FILE", "a.yml;sub/b.yml"},
                                                         {"COMPOSE_PATH_SEPARATOR", ";"}}));
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->files.size(), 2u);
  EXPECT_EQ(found->files[0], a);
  EXPECT_EQ(found->files[1], b);
  auto missing = find_compose_files(dir.path(), clean_env({{"COMPOSE_FILE", "nope.yml"}}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.yml"), std::string::npos);
}

TEST(ComposeFind, NoFileListsEveryDirectoryItLookedIn) {
  ScratchDir dir;
  dir.write("a/b/.keep", "");
  auto found = find_compose_files(dir / "a/b", clean_env());
  ASSERT_FALSE(found);
  const auto& message = found.error().message;
  EXPECT_NE(message.find("no compose file found"), std::string::npos);
  EXPECT_NE(message.find("\n  " + (dir / "a/b")), std::string::npos) << message;
  EXPECT_NE(message.find("\n  " + (dir / "a")), std::string::npos);
  EXPECT_TRUE(message.ends_with("\n  /")) << message;
  EXPECT_NE(found.error().hint.find("COMPOSE_FILE"), std::string::npos);
}

// --- project name ----------------------------------------------------------------------

TEST(ComposeProjectName, NormalisesTheDirectoryName) {
  EXPECT_EQ(normalize_project_name("My App.v2"), "myappv2");
  EXPECT_EQ(normalize_project_name("_-demo_1"), "demo_1");
  EXPECT_EQ(normalize_project_name("Shop-API"), "shop-api");
}

TEST(ComposeProjectName, EnvBeatsDotEnvBeatsNameBeatsDirectory) {
  ScratchDir dir;
  dir.write("My.Shop/compose.yaml", "services:\n  web: {image: x}\n");
  auto p = load_compose_project_from(dir / "My.Shop", clean_env());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name, "myshop");
  EXPECT_EQ(p->name_from, "directory My.Shop");

  dir.write("My.Shop/compose.yaml", "name: Shop2\nservices:\n  web: {image: x}\n");
  p = load_compose_project_from(dir / "My.Shop", clean_env());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "shop2");

  dir.write("My.Shop/.env", "COMPOSE_PROJECT_NAME=fromdotenv\n");
  p = load_compose_project_from(dir / "My.Shop", clean_env());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "fromdotenv");

  p = load_compose_project_from(dir / "My.Shop", clean_env({{"COMPOSE_PROJECT_NAME", "Env1"}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "env1");
  EXPECT_EQ(p->name_from, "COMPOSE_PROJECT_NAME");
}

// --- interpolation ---------------------------------------------------------------------

struct Interp {
  const char* text;
  const char* expected;
};

class ComposeInterpolation : public ::testing::TestWithParam<Interp> {};

TEST_P(ComposeInterpolation, MatchesCompose) {
  EnvMap vars{{"PORT", "9000"}, {"EMPTY", ""}, {"HOST", "127.0.0.1"}};
  EnvLookup env = [&](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto out = interpolate(GetParam().text, env, Origin{"f.yml", 3, 7});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ComposeInterpolation,
    ::testing::Values(Interp{"${PORT}:80", "9000:80"}, Interp{"$PORT:80", "9000:80"},
                      Interp{"$$PORT", "$PORT"}, Interp{"a$$b", "a$b"}, Interp{"${UNSET}", ""},
                      Interp{"${UNSET:-8080}", "8080"}, Interp{"${UNSET-8080}", "8080"},
                      Interp{"${EMPTY:-8080}", "8080"}, Interp{"${EMPTY-8080}", ""},
                      Interp{"${PORT:-1}", "9000"}, Interp{"${UNSET:-${PORT}}", "9000"},
                      Interp{"${UNSET:-${ALSO:-7}}", "7"}, Interp{"${PORT:+set}", "set"},
                      Interp{"${UNSET:+set}", ""}, Interp{"${EMPTY+set}", "set"},
                      Interp{"${PORT?needed}", "9000"}, Interp{"${EMPTY?needed}", ""},
                      Interp{"${HOST}:${PORT:-1}:80/tcp", "127.0.0.1:9000:80/tcp"},
                      Interp{"no vars", "no vars"}, Interp{"trailing $", "trailing $"}));

TEST(ComposeInterpolation, RequiredVariableErrorCarriesTheMessageAndPlace) {
  EnvLookup env = [](const std::string&) -> std::optional<std::string> { return ""; };
  auto out = interpolate("${DB_PORT:?set DB_PORT first}", env, Origin{"f.yml", 3, 7});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "required variable DB_PORT is missing a value: set DB_PORT first");
  EXPECT_EQ(out.error().where.str(), "f.yml:3:7");
  EnvLookup unset = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  EXPECT_FALSE(interpolate("${X?}", unset, {}));
  EXPECT_FALSE(interpolate("${X", unset, {}));
  EXPECT_FALSE(interpolate("${1X}", unset, {}));
  EXPECT_FALSE(interpolate("$-", unset, {}));
}

TEST(ComposeDotEnv, ReadsQuotesCommentsAndExport) {
  ScratchDir dir;
  auto path =
      dir.write(".env", "# comment\n\nA=1\nexport B = two words \nC=\"quoted # not comment\"\n"
                        "D='single'\nE=val # comment\n");
  auto env = read_dotenv(path);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ((*env)["A"], "1");
  EXPECT_EQ((*env)["B"], "two words");
  EXPECT_EQ((*env)["C"], "quoted # not comment");
  EXPECT_EQ((*env)["D"], "single");
  EXPECT_EQ((*env)["E"], "val");
  EXPECT_TRUE(read_dotenv(dir / "missing")->empty());
  auto bad = read_dotenv(dir.write("bad.env", "A=1\nnot a pair\n"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.line, 2);
}

// --- ports: short syntax ---------------------------------------------------------------

struct PortCase {
  const char* spec;
  const char* ip;
  int host_start, host_end, container_start, container_end;
  const char* protocol;
};

class ComposePortSpec : public ::testing::TestWithParam<PortCase> {};

TEST_P(ComposePortSpec, ParsesLikeDocker) {
  const auto& c = GetParam();
  auto m = parse_port_spec(c.spec, {});
  ASSERT_TRUE(m) << c.spec << ": " << m.error().message;
  EXPECT_EQ(m->host_ip, c.ip) << c.spec;
  EXPECT_EQ(m->host_start, c.host_start) << c.spec;
  EXPECT_EQ(m->host_end, c.host_end) << c.spec;
  EXPECT_EQ(m->container_start, c.container_start) << c.spec;
  EXPECT_EQ(m->container_end, c.container_end) << c.spec;
  EXPECT_EQ(m->protocol, c.protocol) << c.spec;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ComposePortSpec,
    ::testing::Values(PortCase{"3000", "", 0, 0, 3000, 3000, "tcp"},
                      PortCase{"3000-3005", "", 0, 0, 3000, 3005, "tcp"},
                      PortCase{"8000:8000", "", 8000, 8000, 8000, 8000, "tcp"},
                      PortCase{"9090-9091:8080-8081", "", 9090, 9091, 8080, 8081, "tcp"},
                      PortCase{"49100:22", "", 49100, 49100, 22, 22, "tcp"},
                      PortCase{"127.0.0.1:8001:8001", "127.0.0.1", 8001, 8001, 8001, 8001, "tcp"},
                      PortCase{"127.0.0.1:5000-5010:5000-5010", "127.0.0.1", 5000, 5010, 5000, 5010,
                               "tcp"},
                      PortCase{"127.0.0.1::5000", "127.0.0.1", 0, 0, 5000, 5000, "tcp"},
                      PortCase{"6060:6060/udp", "", 6060, 6060, 6060, 6060, "udp"},
                      PortCase{"[::1]:6001:6001", "::1", 6001, 6001, 6001, 6001, "tcp"},
                      PortCase{"::1:6001:6001/tcp", "::1", 6001, 6001, 6001, 6001, "tcp"},
                      PortCase{"12400-12500:1240", "", 12400, 12500, 1240, 1240, "tcp"},
                      PortCase{"0.0.0.0:80:80/sctp", "0.0.0.0", 80, 80, 80, 80, "sctp"}));

TEST(ComposePortSpec, RejectsWhatDockerRejects) {
  for (const char* bad : {"abc", "80:abc", "1-2:3-5", "80/xyz", "0", "70000", ":80:80", "5-3"}) {
    auto m = parse_port_spec(bad, Origin{"c.yml", 4, 9});
    EXPECT_FALSE(m) << bad;
    if (!m) {
      EXPECT_EQ(m.error().where.str(), "c.yml:4:9");
      EXPECT_NE(m.error().message.find(bad), std::string::npos);
    }
  }
}

// --- files: services, ports, overrides, extends, errors -----------------------------------

constexpr const char* demo_file = R"(name: demo
services:
  web:
    image: busybox
    ports:
      - "127.0.0.1::8080"
      - "${WEB_PORT:-18080}:80"
      - 9000-9001:9100-9101
      - target: 443
        published: "18443"
        host_ip: 127.0.0.1
        protocol: tcp
        mode: host
      - target: 53
        published: 1053
        protocol: udp
  worker:
    image: busybox
  remote:
    image: busybox
    ports:
      - "192.168.1.20:7000:7000"
  hostnet:
    image: busybox
    network_mode: host
)";

TEST(ComposeFile, ParsesShortAndLongPortsWithInterpolation) {
  ScratchDir dir;
  dir.write("compose.yaml", demo_file);
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name, "demo");
  EXPECT_EQ(p->service_names(), (std::vector<std::string>{"hostnet", "remote", "web", "worker"}));
  const auto& ports = p->services.at("web").ports;
  ASSERT_EQ(ports.size(), 5u);
  EXPECT_EQ(ports[1].host_start, 18080);
  EXPECT_EQ(ports[1].container_start, 80);
  EXPECT_EQ(ports[1].where.line, 7);
  EXPECT_EQ(ports[1].where.column, 9);
  EXPECT_EQ(ports[3].host_ip, "127.0.0.1");
  EXPECT_EQ(ports[3].host_start, 18443);
  EXPECT_EQ(ports[3].container_start, 443);
  EXPECT_EQ(ports[4].protocol, "udp");

  auto with_env = load_compose_project_from(dir.path(), clean_env({{"WEB_PORT", "28080"}}));
  ASSERT_TRUE(with_env);
  EXPECT_EQ(with_env->services.at("web").ports[1].host_start, 28080);
  dir.write(".env", "WEB_PORT=38080\n");
  auto with_dotenv = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(with_dotenv);
  EXPECT_EQ(with_dotenv->services.at("web").ports[1].host_start, 38080);
  auto env_wins = load_compose_project_from(dir.path(), clean_env({{"WEB_PORT", "28080"}}));
  EXPECT_EQ(env_wins->services.at("web").ports[1].host_start, 28080);
}

TEST(ComposeFile, StaticEndpointsAreLoopbackOnly) {
  ScratchDir dir;
  dir.write("compose.yaml", demo_file);
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p);
  const auto& web = p->services.at("web");
  auto e80 = static_endpoint(*p, web, 80);
  ASSERT_TRUE(e80) << e80.error().message;
  EXPECT_EQ(e80->host, "127.0.0.1");  // published on every interface: reached via loopback
  EXPECT_EQ(e80->port, 18080);
  auto e9101 = static_endpoint(*p, web, 9101);
  ASSERT_TRUE(e9101);
  EXPECT_EQ(e9101->port, 9001);
  EXPECT_EQ(static_endpoint(*p, web, 443)->port, 18443);

  auto ephemeral = static_endpoint(*p, web, 8080);
  ASSERT_FALSE(ephemeral);
  EXPECT_NE(ephemeral.error().message.find("ephemeral"), std::string::npos);

  auto udp_only = static_endpoint(*p, web, 53);
  ASSERT_FALSE(udp_only);
  EXPECT_NE(udp_only.error().message.find("is not published"), std::string::npos);

  auto remote = static_endpoint(*p, p->services.at("remote"), 7000);
  ASSERT_FALSE(remote);
  EXPECT_NE(remote.error().message.find("192.168.1.20"), std::string::npos);
  EXPECT_NE(remote.error().hint.find("\"127.0.0.1:7000:7000\""), std::string::npos);

  auto host = static_endpoint(*p, p->services.at("hostnet"), 5432);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->port, 5432);
}

TEST(ComposeFile, UnpublishedPortSaysWhichPortsLineToAdd) {
  ScratchDir dir;
  auto file = dir.write("compose.yaml", demo_file);
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p);
  auto e = static_endpoint(*p, p->services.at("worker"), 8080);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("container port 8080 of compose service \"worker\" is not "
                                   "published"),
            std::string::npos)
      << e.error().message;
  EXPECT_NE(e.error().hint.find("add \"127.0.0.1::8080\""), std::string::npos);
  EXPECT_NE(e.error().hint.find("services.worker.ports in " + file), std::string::npos);
  EXPECT_NE(e.error().hint.find("      ports:\n        - \"127.0.0.1::8080\""), std::string::npos)
      << e.error().hint;
}

TEST(ComposeFile, UnknownServiceListsServicesWithDidYouMean) {
  ScratchDir dir;
  dir.write("compose.yaml", demo_file);
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p);
  auto e = unknown_service_error(*p, "wrker");
  EXPECT_NE(e.message.find("unknown compose service \"wrker\""), std::string::npos);
  EXPECT_NE(e.hint.find("did you mean \"worker\"?"), std::string::npos) << e.hint;
  EXPECT_NE(e.hint.find("hostnet, remote, web, worker"), std::string::npos);
}

TEST(ComposeFile, OverrideFileAddsPortsAndServices) {
  ScratchDir dir;
  dir.write("docker-compose.yml", "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n");
  dir.write("docker-compose.override.yml",
            "services:\n  web:\n    ports: [\"127.0.0.1:9443:443\", \"8080:80\"]\n"
            "  debug:\n    image: y\n");
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->services.size(), 2u);
  EXPECT_EQ(p->services.at("web").ports.size(), 2u);  // union, no duplicate
  EXPECT_EQ(static_endpoint(*p, p->services.at("web"), 443)->port, 9443);
}

TEST(ComposeFile, ExtendsInTheSameAndAnotherFile) {
  ScratchDir dir;
  dir.write("common.yml",
            "services:\n  base:\n    image: x\n    ports: [\"127.0.0.1:7001:7001\"]\n");
  dir.write("compose.yaml",
            "services:\n"
            "  api:\n    extends: {file: common.yml, service: base}\n    ports: [\"7002:7002\"]\n"
            "  api2:\n    extends:\n      service: api\n");
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(static_endpoint(*p, p->services.at("api"), 7001)->port, 7001);
  EXPECT_EQ(static_endpoint(*p, p->services.at("api"), 7002)->port, 7002);
  EXPECT_EQ(static_endpoint(*p, p->services.at("api2"), 7001)->port, 7001);
  dir.write("compose.yaml", "services:\n  a:\n    extends: {service: missing}\n");
  auto bad = load_compose_project_from(dir.path(), clean_env());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown service \"missing\""), std::string::npos);
}

TEST(ComposeFile, YamlErrorsCarryFileLineAndColumn) {
  ScratchDir dir;
  auto file = dir.write("compose.yaml", "services:\n  web:\n    ports: [\"80\"\n  db: {}\n");
  auto p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().where.source, file);
  EXPECT_GT(p.error().where.line, 0);
  EXPECT_NE(p.error().message.find("invalid YAML"), std::string::npos);

  dir.write("compose.yaml", "services:\n  web:\n    ports:\n      - \"80:abc\"\n");
  p = load_compose_project_from(dir.path(), clean_env());
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().where.str(), file + ":4:9");
  EXPECT_EQ(p.error().source_line, "      - \"80:abc\"");

  dir.write("compose.yaml", "services:\n  web:\n    ports:\n      - \"${P:?P is required}:80\"\n");
  p = load_compose_project_from(dir.path(), clean_env({{"P", ""}}));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("P is required"), std::string::npos);
  EXPECT_EQ(p.error().where.line, 4);
}

}  // namespace
}  // namespace bridge::discovery::detail
