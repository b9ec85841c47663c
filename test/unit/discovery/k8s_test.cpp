// kubectl command lines and output parsing. The svc JSON is recorded-format kubectl output
// (see data/README.md): no cluster can run here.
#include "detail/k8s.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>

namespace bridge::discovery::detail {
namespace {

using test::read_data;

K8sUrl url(const std::string& text) { return parse_target_url(text)->k8s; }

TEST(KubectlArgs, PortForwardCommandLine) {
  auto argv = port_forward_argv(url("k8s://staging/orders:8080"), "kubectl");
  EXPECT_EQ(argv, (std::vector<std::string>{"kubectl", "port-forward", "svc/orders", ":8080", "-n",
                                            "staging"}));
  argv = port_forward_argv(url("k8s://staging/orders:http?context=kind-dev"), "/opt/kubectl");
  EXPECT_EQ(argv.back(), "kind-dev");
  EXPECT_EQ(argv[argv.size() - 2], "--context");
  EXPECT_EQ(argv[3], ":http");
}

TEST(KubectlArgs, GetServiceCommandLine) {
  auto argv = get_service_argv(url("k8s://staging/orders:8080?context=c1"), "kubectl");
  EXPECT_EQ(argv, (std::vector<std::string>{"kubectl", "get", "svc", "orders", "-n", "staging",
                                            "-o", "json", "--context", "c1"}));
}

TEST(KubectlArgs, ProgramFromBridgeKubectl) {
  EXPECT_EQ(kubectl_program({{"BRIDGE_KUBECTL", "/x/fake-kubectl"}}), "/x/fake-kubectl");
  EXPECT_EQ(kubectl_program({{"BRIDGE_KUBECTL", ""}}), "kubectl");
}

TEST(KubectlOutput, ForwardingLines) {
  EXPECT_EQ(parse_forwarding_line("Forwarding from 127.0.0.1:39207 -> 8080"), 39207);
  EXPECT_EQ(parse_forwarding_line("Forwarding from 127.0.0.1:5000 -> http"), 5000);
  EXPECT_FALSE(parse_forwarding_line("Forwarding from [::1]:39207 -> 8080"));
  EXPECT_FALSE(parse_forwarding_line("Handling connection for 39207"));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1:0 -> 8080"));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1:99999 -> 8080"));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1:123456 -> 8080"));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1:8080 -> "));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1:8080 ->  x"));
  EXPECT_FALSE(parse_forwarding_line("Forwarding from 127.0.0.1: 8080 -> x"));
  EXPECT_FALSE(parse_forwarding_line(" Forwarding from 127.0.0.1:8080 -> x"));
}

TEST(KubectlOutput, TunnelErrorLines) {
  EXPECT_TRUE(is_tunnel_error_line(
      "E0311 10:02:41.123456   41213 portforward.go:409] an error occurred forwarding 39207 -> "
      "8080: error forwarding port 8080 to pod 5c1f, uid : failed to execute portforward in "
      "network namespace \"/var/run/netns/cni-1\": failed to connect to localhost:8080 inside "
      "namespace: connection refused"));
  EXPECT_TRUE(is_tunnel_error_line("error: lost connection to pod"));
  EXPECT_FALSE(is_tunnel_error_line("Handling connection for 39207"));
  EXPECT_FALSE(is_tunnel_error_line("Error from server (NotFound): services \"nope\" not found"));
}

TEST(KubectlGetSvc, RecordedServiceResolvesToClusterIp) {
  auto json = read_data("kubectl_get_svc_orders.json");
  auto e = decode_service_json(json, url("k8s://staging/orders:8080?mode=direct"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->host, "10.96.12.4");
  EXPECT_EQ(e->port, 8080);
  auto named = decode_service_json(json, url("k8s://staging/orders:grpc?mode=direct"));
  ASSERT_TRUE(named);
  EXPECT_EQ(named->port, 9090);
  auto missing = decode_service_json(json, url("k8s://staging/orders:81?mode=direct"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("has no TCP port 81"), std::string::npos);
  EXPECT_EQ(missing.error().hint, "its ports: 8080 (http), 9090 (grpc)");
}

TEST(KubectlGetSvc, HeadlessAndExternalNameAreErrorsWithAWayOut) {
  auto headless = decode_service_json(read_data("kubectl_get_svc_headless.json"),
                                      url("k8s://staging/postgres:5432?mode=direct"));
  ASSERT_FALSE(headless);
  EXPECT_NE(headless.error().message.find("headless"), std::string::npos);
  EXPECT_NE(headless.error().hint.find("drop mode=direct"), std::string::npos);
  auto external =
      decode_service_json(R"({"spec":{"type":"ExternalName","externalName":"db.example.com"}})",
                          url("k8s://staging/db:5432?mode=direct"));
  ASSERT_FALSE(external);
  EXPECT_NE(external.error().message.find("db.example.com"), std::string::npos);
  EXPECT_FALSE(decode_service_json("Error from server", url("k8s://a/b:1")));
}

}  // namespace
}  // namespace bridge::discovery::detail
