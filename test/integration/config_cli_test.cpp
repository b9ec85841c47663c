// `bridge config check|show|diff` through the binary: errors point at file:line:col with the
// source line and a caret; values show where they came from.
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

namespace bridge::test {
namespace {

// A complete, valid config that the error cases below break one line at a time.
constexpr const char* valid_base = "version = 1\n"
                                   "[bridge]\n"
                                   "admin = \"off\"\n"
                                   "access_log = \"off\"\n"
                                   "\n"
                                   "[[listeners]]\n"
                                   "name = \"web\"\n"
                                   "bind = \"127.0.0.1:18080\"\n"
                                   "\n"
                                   "[[routes]]\n"
                                   "name = \"all\"\n"
                                   "rule = \"PathPrefix(`/`)\"\n"
                                   "upstream = \"builtin://echo\"\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Finds `source_line` quoted in an error (after a `N | ` gutter) and returns the 1-based column,
// in the source line, where the caret line below it starts its `^`; -1 when either is missing.
int caret_column(const std::string& err, const std::string& source_line, int* carets = nullptr) {
  auto lines = lines_of(err);
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.size() < source_line.size() ||
        l.compare(l.size() - source_line.size(), source_line.size(), source_line) != 0 ||
        l.find('|') == std::string::npos) {
      continue;
    }
    size_t text_start = l.size() - source_line.size();
    const std::string& caret_line = lines[i + 1];
    auto caret = caret_line.find('^');
    if (caret == std::string::npos || caret < text_start) return -1;
    if (carets != nullptr) {
      *carets = static_cast<int>(caret_line.find_first_not_of('^', caret) == std::string::npos
                                     ? caret_line.size() - caret
                                     : caret_line.find_first_not_of('^', caret) - caret);
    }
    return static_cast<int>(caret - text_start) + 1;
  }
  return -1;
}

// The line of a table printed by `config show --origin` / `config diff` that starts with `key`.
std::string row_of(const std::string& out, const std::string& key) {
  for (const auto& line : lines_of(out)) {
    if (line.rfind(key + " ", 0) == 0) return line;
  }
  return {};
}

std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class ConfigCli : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_ / "profiles"; }
  std::string file(const std::string& name) const { return dir() + "/" + name; }
  void write(const std::string& name, const std::string& text) { write_file(file(name), text); }
  RunResult bridge(std::vector<std::string> args) {
    args.push_back("--config-dir");
    args.push_back(dir());
    return run_bridge(std::move(args));
  }
  // Runs both `config check` and `config show` and expects exit 2 with `where` and `message`.
  void expect_config_error(const std::string& where, const std::string& message) {
    for (const char* cmd : {"check", "show"}) {
      auto r = bridge({"config", cmd});
      EXPECT_EQ(r.status, 2) << "config " << cmd << "\n" << r.err;
      EXPECT_NE(r.err.find(where), std::string::npos)
          << "config " << cmd << ": no \"" << where << "\" in:\n"
          << r.err;
      EXPECT_NE(r.err.find(message), std::string::npos)
          << "config " << cmd << ": no \"" << message << "\" in:\n"
          << r.err;
      EXPECT_EQ(r.out, "") << "config " << cmd << " printed a config despite the error";
    }
  }

  TempDir tmp_;
};

TEST_F(ConfigCli, ValidConfigChecksOk) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(ConfigCli, CheckCountsInWords) {
  write("base.toml", valid_base);  // no dev.toml: one file, one listener, one route
  auto r = bridge({"config", "check"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ok: profile dev (1 file, 1 listener, 1 route, 0 upstreams)"),
            std::string::npos)
      << r.out;
}

TEST_F(ConfigCli, CertificatePathsResolveAgainstTheFileThatSetsThem) {
  std::string base = valid_base;
  base.insert(base.find("\n\n[[routes]]"),
              "\ntls = { cert = \"../certs/web.pem\", key = \"../certs/web-key.pem\" }");
  write("base.toml", base);
  // `check` reads the files `up` reads: a missing certificate fails here, named as resolved.
  auto missing = bridge({"config", "check"});
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_NE(missing.err.find("listener \"web\": " + (tmp_ / "certs/web.pem") +
                             ": cannot read the certificate"),
            std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find(file("base.toml")), std::string::npos) << missing.err;

  std::string certs = tmp_ / "certs";
  std::filesystem::create_directories(certs);
  auto made = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                   "-keyout", certs + "/web-key.pem", "-out", certs + "/web.pem"});
  ASSERT_EQ(made.status, 0) << made.err;
  // From another working directory: the paths still resolve next to the profiles.
  auto ok = run({bridge_bin(), "config", "check", "--config-dir", dir()}, 10s, {}, certs);
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("ok: profile dev"), std::string::npos) << ok.out;
}

TEST_F(ConfigCli, RouteTestRefusesAnUnknownListener) {
  write("base.toml", valid_base);
  auto r = bridge({"route", "test", "http://localhost:18080/", "--listener", "wbe"});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("unknown listener \"wbe\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean \"web\"?"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(ConfigCli, RouteTestWarnsWhenNoListenerHasThePort) {
  write("base.toml", valid_base);
  auto r = bridge({"route", "test", "http://localhost:9999/"});
  EXPECT_EQ(r.status, 0) << r.err;  // it still answers, on the first listener
  EXPECT_NE(r.err.find("no listener is bound to port 9999; testing on listener \"web\" "
                       "(127.0.0.1:18080)"),
            std::string::npos)
      << r.err;
  auto bound = bridge({"route", "test", "http://localhost:18080/"});
  EXPECT_EQ(bound.err, "");
}

// --http2 with a gRPC request: the plan shows the upstream protocol, the pseudo-fields bridge
// sends to an HTTP/2 upstream, te: trailers kept (no change to list), and what gRPC errors
// bridge makes.
TEST_F(ConfigCli, RouteTestExplainsAGrpcRequestOverHttp2) {
  write("base.toml", std::string(valid_base) +
                         "\n[[upstreams]]\nname = \"billing\"\ntargets = "
                         "[\"h2c://127.0.0.1:50051\"]\n\n[[routes]]\nname = \"billing\"\n"
                         "rule = \"PathPrefix(`/billing.v1.Billing/`)\"\nupstream = \"billing\"\n");
  auto r = bridge({"route", "test", "--http2", "POST",
                   "http://localhost:18080/billing.v1.Billing/Charge", "-H",
                   "content-type: application/grpc", "-H", "te: trailers"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("POST http://localhost:18080/billing.v1.Billing/Charge (HTTP/2)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("upstream request (HTTP/2 (prior knowledge)):\n  :method POST\n"
                       "  :scheme http\n  :authority localhost:18080\n"
                       "  :path /billing.v1.Billing/Charge\n"),
            std::string::npos)
      << r.out;
  // te is hop-by-hop, but "trailers" goes on to HTTP/2 as it came: not listed as a change.
  EXPECT_EQ(r.out.find("  - te\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("  + te"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gRPC: te: trailers goes up"), std::string::npos) << r.out;
  auto json_out = bridge({"route", "test", "--http2", "--json", "POST",
                          "http://localhost:18080/billing.v1.Billing/Charge", "-H",
                          "content-type: application/grpc"});
  auto parsed = nlohmann::json::parse(json_out.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << json_out.out;
  EXPECT_EQ(parsed.value("client_protocol", ""), "HTTP/2");
  EXPECT_TRUE(parsed.value("grpc", false));
  EXPECT_EQ(parsed["upstream_protocols"][0], "HTTP/2 (prior knowledge)");
}

TEST_F(ConfigCli, SetWithABareValueForAnArrayShowsTheSyntax) {
  write("base.toml", valid_base);
  auto r = bridge({"config", "check", "--set", "trace.redact_headers=x-secret"});
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("trace.redact_headers: expected an array of strings, got a string"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("write it as a TOML array: --set 'trace.redact_headers=[\"x-secret\"]'"),
            std::string::npos)
      << r.err;
}

TEST_F(ConfigCli, MalformedTomlPointsAtTheBadCharacter) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nlog_level = \"info\"\nworkers = @\n");
  expect_config_error(file("dev.toml") + ":3:11", "invalid TOML");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(caret_column(r.err, "workers = @"), 11) << r.err;
}

TEST_F(ConfigCli, MalformedTomlInBaseNamesBase) {
  write("base.toml", "version = 1\n[bridge\nadmin = \"off\"\n");
  write("dev.toml", "");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find(file("base.toml") + ":2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[bridge"), std::string::npos) << r.err;
}

TEST_F(ConfigCli, WrongTypeNamesTheExpectedType) {
  write("base.toml", valid_base);
  write("dev.toml", "# dev\n[bridge]\nworkers = \"two\"\n");
  expect_config_error(file("dev.toml") + ":3:11",
                      "bridge.workers: expected an integer, got a string");
  auto r = bridge({"config", "check"});
  int carets = 0;
  EXPECT_EQ(caret_column(r.err, "workers = \"two\"", &carets), 11) << r.err;
  EXPECT_EQ(carets, 5) << "the caret should cover \"two\" with its quotes:\n" << r.err;
}

TEST_F(ConfigCli, UnknownKeySuggestsTheNearestKey) {
  write("base.toml", valid_base);
  write("dev.toml", "[[routes]]\n"
                    "    name = \"all\"\n"
                    "    rule = \"PathPrefix(`/`)\"\n"
                    "    upstrem = \"builtin://echo\"\n");
  expect_config_error(file("dev.toml") + ":4:5", "unknown key \"upstrem\" in [[routes]]");
  auto r = bridge({"config", "check"});
  // The layout DESIGN.md shows: message, arrow with the position, the line, the caret + hint.
  EXPECT_NE(r.err.find("error: unknown key \"upstrem\" in [[routes]]\n  --> " + file("dev.toml") +
                       ":4:5\n"),
            std::string::npos)
      << r.err;
  int carets = 0;
  EXPECT_EQ(caret_column(r.err, "    upstrem = \"builtin://echo\"", &carets), 5) << r.err;
  EXPECT_EQ(carets, 7) << r.err;
  EXPECT_NE(r.err.find("^^^^^^^ did you mean \"upstream\"?"), std::string::npos) << r.err;
}

TEST_F(ConfigCli, ExtendsCyclePointsAtTheLinkThatClosesIt) {
  write("base.toml", valid_base);
  write("dev.toml", "extends = \"staging\"\n");
  write("staging.toml", "extends = \"dev\"\n");
  expect_config_error(file("staging.toml") + ":1:11", "extends cycle: dev -> staging -> dev");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(caret_column(r.err, "extends = \"dev\""), 11) << r.err;
}

TEST_F(ConfigCli, MissingEnvironmentVariableIsAnError) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nlog_level = \"${BRIDGE_IT_SURELY_UNSET_VAR}\"\n");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("BRIDGE_IT_SURELY_UNSET_VAR"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file("dev.toml") + ":2:"), std::string::npos) << r.err;
}

TEST_F(ConfigCli, UnknownProfileListsTheAvailableOnes) {
  write("base.toml", valid_base);
  write("dev.toml", "");
  write("staging.toml", "");
  auto r = bridge({"config", "check", "--profile", "stagign"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("unknown profile \"stagign\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("staging"), std::string::npos) << r.err;
}

TEST_F(ConfigCli, ShowOriginPrintsFileLineColumnOfEachValue) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "show", "--origin"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto workers = split_ws(row_of(r.out, "bridge.workers"));
  ASSERT_EQ(workers.size(), 3u) << r.out;
  EXPECT_EQ(workers[1], "2");
  EXPECT_EQ(workers[2], file("dev.toml") + ":2:11");
  auto admin = split_ws(row_of(r.out, "bridge.admin"));
  ASSERT_EQ(admin.size(), 3u) << r.out;
  EXPECT_EQ(admin[1], "\"off\"");
  EXPECT_EQ(admin[2], file("base.toml") + ":3:9");
  auto rule = split_ws(row_of(r.out, "routes.all.rule"));
  ASSERT_FALSE(rule.empty()) << r.out;
  EXPECT_EQ(rule.back(), file("base.toml") + ":12:8");
}

TEST_F(ConfigCli, SetFlagShowsSetAsOrigin) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "show", "--origin", "--set", "bridge.workers=3"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto row = split_ws(row_of(r.out, "bridge.workers"));
  ASSERT_EQ(row.size(), 3u) << r.out;
  EXPECT_EQ(row[1], "3");
  EXPECT_EQ(row[2], "--set");
}

TEST_F(ConfigCli, ShowWithoutOriginPrintsKeyEqualsValue) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "show"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\nbridge.workers = 2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nroutes.all.upstream = \"builtin://echo\"\n"), std::string::npos) << r.out;
}

TEST_F(ConfigCli, ShowJsonHasValuesWithOrigins) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "show", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(r.out)) << r.out;
  EXPECT_EQ(doc.value("profile", ""), "dev");
  ASSERT_TRUE(doc.contains("values")) << r.out;
  const auto& workers = doc["values"]["bridge.workers"];
  EXPECT_EQ(workers["value"], 2) << r.out;  // a number, not the TOML text "2"
  EXPECT_EQ(workers.value("origin", ""), file("dev.toml") + ":2:11") << r.out;
  EXPECT_EQ(doc["values"]["routes.all.rule"]["value"], "PathPrefix(`/`)") << r.out;
  EXPECT_EQ(doc["values"]["bridge.admin"]["value"], "off") << r.out;
  // An unset priority shows what the route table uses: the rule's length (as `route list`).
  EXPECT_EQ(doc["values"]["routes.all.priority"]["value"], 15) << r.out;
  EXPECT_EQ(doc["values"]["routes.all.priority"]["origin"], "<default: length of the rule>");
  for (const auto& [key, value] : doc["values"].items()) {
    EXPECT_TRUE(value.contains("origin")) << key;
  }
  ASSERT_TRUE(doc["files"].is_array()) << r.out;
  EXPECT_EQ(doc["files"], nlohmann::json::array({file("base.toml"), file("dev.toml")}));
}

TEST_F(ConfigCli, DiffJsonHasTypedValues) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  write("staging.toml", "[bridge]\nworkers = 4\n[trace]\nredact_headers = [\"x-a\", \"x-b\"]\n");
  auto r = bridge({"config", "diff", "dev", "staging", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_array()) << r.out;
  bool saw_workers = false, saw_redact = false;
  for (const auto& row : doc) {
    if (row["key"] == "bridge.workers") {
      saw_workers = true;
      EXPECT_EQ(row["dev"]["value"], 2) << r.out;
      EXPECT_EQ(row["staging"]["value"], 4) << r.out;
    }
    if (row["key"] == "trace.redact_headers") {
      saw_redact = true;
      EXPECT_EQ(row["staging"]["value"], nlohmann::json::array({"x-a", "x-b"})) << r.out;
    }
  }
  EXPECT_TRUE(saw_workers && saw_redact) << r.out;
}

TEST_F(ConfigCli, DiffListsDifferingKeysWithBothValuesAndOrigins) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  write("staging.toml", "[bridge]\nworkers = 4\n");
  auto r = bridge({"config", "diff", "dev", "staging"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto row = split_ws(row_of(r.out, "bridge.workers"));
  ASSERT_EQ(row.size(), 5u) << r.out;
  EXPECT_EQ(row[1], "2");
  EXPECT_EQ(row[2], file("dev.toml") + ":2:11");
  EXPECT_EQ(row[3], "4");
  EXPECT_EQ(row[4], file("staging.toml") + ":2:11");
  // Values both profiles share are not listed.
  EXPECT_EQ(row_of(r.out, "bridge.admin"), "") << r.out;
  EXPECT_EQ(row_of(r.out, "routes.all.rule"), "") << r.out;
}

TEST_F(ConfigCli, DiffOfIdenticalProfilesSaysSo) {
  write("base.toml", valid_base);
  write("dev.toml", "[bridge]\nworkers = 2\n");
  write("staging.toml", "[bridge]\nworkers = 2\n");
  auto r = bridge({"config", "diff", "dev", "staging"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("identical"), std::string::npos) << r.out;
}

// A Traefik file with a plugin middleware: `config check` says what it leaves out, with the
// line and a caret, and passes; --strict fails on it (CI: every Traefik router is served).
TEST_F(ConfigCli, CheckWarnsAboutWhatATraefikSourceCannotDoAndStrictFails) {
  write("base.toml", std::string(valid_base) +
                         "\n[[sources]]\ntype = \"traefik-file\"\npath = \"traefik.yml\"\n");
  write("dev.toml", "");
  write("traefik.yml", "http:\n  middlewares:\n    geo:\n      plugin:\n        geoblock: {}\n");
  auto r = bridge({"config", "check"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning: http.middlewares.geo.plugin: bridge runs Traefik's own "
                       "middlewares, not plugins; left out\n  --> " +
                       file("traefik.yml") + ":4:7\n"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(caret_column(r.err, "      plugin:"), 7) << r.err;
  EXPECT_NE(r.out.find("1 warning above (--strict makes them errors)"), std::string::npos) << r.out;
  auto json = bridge({"config", "check", "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out;
  ASSERT_EQ(doc["warnings"].size(), 1u) << json.out;
  EXPECT_EQ(doc["warnings"][0]["where"], file("traefik.yml") + ":4:7");

  auto strict = bridge({"config", "check", "--strict"});
  EXPECT_EQ(strict.status, 2) << strict.err;
  EXPECT_NE(strict.err.find("error: http.middlewares.geo.plugin: bridge runs Traefik's own "
                            "middlewares, not plugins; left out"),
            std::string::npos)
      << strict.err;
  EXPECT_NE(strict.err.find("without --strict this is a warning and the rest is served"),
            std::string::npos)
      << strict.err;
}

class ShippedProfiles : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedProfiles, Check) {
  // --strict: a shipped profile that reads Traefik's configuration serves all of it.
  auto r = run_bridge({"config", "check", "--strict", "--config-dir", source_dir() + "/profiles",
                       "--profile", GetParam()});
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(ConfigCli, ShippedProfiles,
                         ::testing::Values("dev", "staging", "prod", "tcp", "traefik", "kubernetes",
                                           "compose-labels"));

TEST(ConfigCliShipped, ShowStagingWithOrigins) {
  auto r = run_bridge({"config", "show", "--config-dir", source_dir() + "/profiles", "--profile",
                       "staging", "--origin"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("staging.toml:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("base.toml:"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace bridge::test
