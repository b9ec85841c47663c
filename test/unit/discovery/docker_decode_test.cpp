// Docker Engine API decoding against recorded output of a real engine (see data/README.md).
#include "detail/docker.hpp"
#include "test_dir.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace bridge::discovery::detail {
namespace {

using test::read_data;

TEST(DockerDecode, RecordedContainersJson) {
  auto containers = decode_containers(read_data("docker_containers_json.json"));
  ASSERT_TRUE(containers) << containers.error().message;
  ASSERT_EQ(containers->size(), 4u);
  int web = 0;
  for (const auto& c : *containers) {
    EXPECT_EQ(c.project, "demo");
    EXPECT_EQ(c.state, "running");
    EXPECT_EQ(c.network_mode, "demo_default");
    EXPECT_FALSE(c.name.empty());
    EXPECT_NE(c.name[0], '/');
    if (c.service == "web") ++web;
  }
  EXPECT_EQ(web, 2);
}

TEST(DockerDecode, EphemeralPortsOfAScaledServiceAreTwoEndpoints) {
  auto all = decode_containers(read_data("docker_containers_json.json"));
  ASSERT_TRUE(all);
  std::vector<Container> web;
  for (const auto& c : *all) {
    if (c.service == "web") web.push_back(c);
  }
  auto endpoints = container_endpoints(web, 8080, nullptr);
  ASSERT_EQ(endpoints.size(), 2u);
  for (const auto& e : endpoints) {
    EXPECT_EQ(e.host, "127.0.0.1");
    EXPECT_GE(e.port, 32768);
    EXPECT_TRUE(e.name == "demo_web_1" || e.name == "demo_web_2") << e.name;
  }
  EXPECT_NE(endpoints[0].port, endpoints[1].port);
}

TEST(DockerDecode, PublishedOnAllInterfacesIsOneLoopbackEndpoint) {
  auto all = decode_containers(read_data("docker_containers_json.json"));
  ASSERT_TRUE(all);
  std::vector<Container> pub;
  for (const auto& c : *all) {
    if (c.service == "pub") pub.push_back(c);
  }
  ASSERT_EQ(pub.size(), 1u);
  auto e = container_endpoints(pub, 8080, nullptr);  // 0.0.0.0:18090 and [::]:18090
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].host, "127.0.0.1");
  EXPECT_EQ(e[0].port, 18090);
  EXPECT_EQ(container_endpoints(pub, 9001, nullptr).at(0).port, 18092);  // range
  std::vector<std::string> unpublished;
  EXPECT_TRUE(container_endpoints(pub, 53, &unpublished).empty());  // udp only
  EXPECT_EQ(unpublished, std::vector<std::string>{"demo_pub_1"});
}

TEST(DockerDecode, NonLoopbackBindingsAndStoppedContainersAreNotTargets) {
  Container c;
  c.name = "x_1";
  c.state = "running";
  c.ports = {{"192.168.1.5", 80, 8080, "tcp"}, {"::", 81, 8181, "tcp"}};
  std::vector<std::string> unpublished;
  EXPECT_TRUE(container_endpoints({c}, 80, &unpublished).empty());
  EXPECT_EQ(unpublished.size(), 1u);
  auto v6 = container_endpoints({c}, 81, nullptr);
  ASSERT_EQ(v6.size(), 1u);
  EXPECT_EQ(v6[0].host, "::1");
  c.state = "exited";
  EXPECT_TRUE(container_endpoints({c}, 81, nullptr).empty());
  c.state = "running";
  c.network_mode = "host";
  EXPECT_EQ(container_endpoints({c}, 5000, nullptr).at(0).port, 5000);
}

TEST(DockerDecode, RecordedEventsStream) {
  std::istringstream lines(read_data("docker_events.ndjson"));
  std::string line;
  std::vector<std::string> actions;
  while (std::getline(lines, line)) {
    auto e = decode_event(line);
    ASSERT_TRUE(e) << line;
    EXPECT_EQ(e->project, "demo");
    EXPECT_EQ(e->service, "web");
    EXPECT_EQ(e->id.size(), 64u);
    actions.push_back(e->action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"die", "start", "destroy"}));
  EXPECT_FALSE(decode_event("{\"Type\":\"network\",\"Action\":\"connect\"}"));
  EXPECT_FALSE(decode_event("not json"));
}

TEST(DockerDecode, MalformedResponsesAreErrors) {
  EXPECT_FALSE(decode_containers("{\"message\":\"x\"}"));
  EXPECT_FALSE(decode_containers("[{"));
  auto odd = decode_containers(R"([{"Names":[],"Ports":[{"PrivatePort":"x"}],"Labels":null}])");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->at(0).ports.at(0).private_port, 0);
}

TEST(DockerQuery, FiltersAreUrlEncodedJson) {
  EXPECT_EQ(containers_target("demo", "web"),
            "/containers/json?filters=%7B%22label%22%3A%5B%22com.docker.compose.project%3Ddemo"
            "%22%2C%22com.docker.compose.service%3Dweb%22%5D%7D");
  auto events = events_target("demo");
  EXPECT_TRUE(events.starts_with("/events?filters=%7B"));
  EXPECT_NE(events.find("%22start%22"), std::string::npos);
  EXPECT_NE(events.find("%22destroy%22"), std::string::npos);
}

TEST(DockerQuery, SocketFromDockerHost) {
  EXPECT_EQ(*docker_socket_path({{"DOCKER_HOST", "unix:///tmp/d.sock"}}), "/tmp/d.sock");
  EXPECT_EQ(*docker_socket_path({{"DOCKER_HOST", ""}}), "/var/run/docker.sock");
  auto tcp = docker_socket_path({{"DOCKER_HOST", "tcp://10.0.0.1:2375"}});
  ASSERT_FALSE(tcp);
  EXPECT_NE(tcp.error().message.find("not a unix socket"), std::string::npos);
}

}  // namespace
}  // namespace bridge::discovery::detail
