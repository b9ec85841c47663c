// [[sources]] type = "kubernetes" end to end: a directory of Traefik IngressRoute, Middleware
// and Service manifests served by `bridge up` with no other routing config, and explained by
// `bridge route test --ingress DIR` with no profile at all. No cluster can run here:
// test/support/fake-kubectl stands in for kubectl (as in the other k8s tests), forwarding each
// Service to a recording backend of its own (FAKE_KUBECTL_BACKEND_PORT_<SERVICE>).
#include "bridge_process.hpp"
#include "discovery_env.hpp"
#include "net.hpp"
#include "recording_upstream.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace bridge::test {
namespace {

// Written from Traefik's documented IngressRoute example: a Middleware stripping /api, a
// named Service port, and a catch-all route for the storefront.
constexpr const char* manifests = R"yaml(apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  ports:
    - name: http
      port: 8080
      targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: storefront
  namespace: shop
spec:
  ports:
    - port: 80
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: strip-api
  namespace: shop
spec:
  stripPrefix:
    prefixes:
      - /api
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata:
  name: shop
  namespace: shop
spec:
  entryPoints:
    - web
  routes:
    - match: Host(`shop.localhost`) && PathPrefix(`/api`)
      kind: Rule
      middlewares:
        - name: strip-api
      services:
        - name: api
          port: http
    - match: Host(`shop.localhost`)
      kind: Rule
      services:
        - name: storefront
          port: 80
)yaml";

class KubernetesSource : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* kubectl = std::getenv("BRIDGE_FAKE_KUBECTL");
    ASSERT_NE(kubectl, nullptr);
    ::setenv("BRIDGE_KUBECTL", kubectl, 1);
    ::setenv("FAKE_KUBECTL_CONTROL", control_.path().c_str(), 1);
    ::setenv("FAKE_KUBECTL_BACKEND_PORT_api", std::to_string(api_.port()).c_str(), 1);
    ::setenv("FAKE_KUBECTL_BACKEND_PORT_storefront", std::to_string(storefront_.port()).c_str(), 1);
    write_file(bridge_.config_dir() + "/k8s/shop.yaml", manifests);
  }

  // The status of GET path with Host: shop.localhost through bridge (0: no answer).
  int get(const std::string& path) {
    auto r = curl({"-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: shop.localhost",
                   "http://127.0.0.1:" + std::to_string(port_) + path},
                  8s);
    return std::atoi(r.out.c_str());
  }

  uint16_t port_ = free_port();
  uint16_t admin_port_ = free_port();
  TempDir control_;
  RecordingUpstream api_{"api"}, storefront_{"storefront"};
  BridgeUp bridge_;
};

TEST_F(KubernetesSource, BridgeUpServesTheIngressRoutesOfAManifestsDirectory) {
  bridge_.write_config("version = 1\n[bridge]\nadmin = \"127.0.0.1:" + std::to_string(admin_port_) +
                       "\"\n\n[[listeners]]\nname = \"web\"\n"
                       "bind = \"127.0.0.1:" +
                       std::to_string(port_) +
                       "\"\n\n[[sources]]\ntype = \"kubernetes\"\npath = \"k8s\"\n");
  ASSERT_TRUE(bridge_.start(port_, {}, 10s)) << bridge_.output();

  ASSERT_TRUE(wait_until([&] { return get("/api/cart?id=7") == 200; }, 10s)) << bridge_.output();
  ASSERT_TRUE(api_.last().has_value());
  EXPECT_EQ(api_.last()->target, "/cart?id=7") << "the Middleware stripped /api";
  // fake-kubectl's readiness probe opens and closes a connection through each tunnel: the
  // backend records that as an error without a request, so count requests only.
  auto requests = storefront_.requests();
  EXPECT_EQ(std::count_if(requests.begin(), requests.end(),
                          [](const RecordedRequest& r) { return !r.method.empty(); }),
            0);
  ASSERT_TRUE(wait_until([&] { return get("/") == 200; }, 10s)) << bridge_.output();
  ASSERT_TRUE(storefront_.last().has_value());
  EXPECT_EQ(storefront_.last()->target, "/");

  // route list: the targets as port-forwards, and where each router was written.
  auto list = run_bridge({"route", "list", "--json", "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(list.status, 0) << list.err;
  auto routes = nlohmann::json::parse(list.out, nullptr, false);
  ASSERT_TRUE(routes.is_array()) << list.out;
  bool saw_api = false;
  for (const auto& r : routes) {
    if (r.value("rule", "") != "Host(`shop.localhost`) && PathPrefix(`/api`)") continue;
    saw_api = true;
    EXPECT_EQ(r["targets"][0].value("url", ""), "k8s://shop/api:8080") << r.dump();
    EXPECT_EQ(r["middlewares"], nlohmann::json::array({"shop-strip-api@kubernetescrd"}))
        << r.dump();
    EXPECT_TRUE(
        r.value("imported_from", "")
            .starts_with("IngressRoute shop/shop of " + bridge_.config_dir() + "/k8s/shop.yaml:"))
        << r.dump();
  }
  EXPECT_TRUE(saw_api) << list.out;

  // --ingress --live: the prediction from the manifests, then the same request through the
  // running bridge that serves them, and what happened to it.
  auto live =
      run_bridge({"route", "test", "http://127.0.0.1:" + std::to_string(port_) + "/api/cart", "-H",
                  "Host: shop.localhost", "--ingress", bridge_.config_dir() + "/k8s", "--live",
                  "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(live.status, 0) << live.err << live.out;
  const size_t predicted = live.out.find("shop-strip-api@kubernetescrd (stripPrefix)  path "
                                         "/api/cart → /cart");
  const size_t sent = live.out.find("200", predicted == std::string::npos ? 0 : predicted);
  EXPECT_NE(predicted, std::string::npos) << live.out;
  EXPECT_NE(sent, std::string::npos) << live.out;
  EXPECT_EQ(api_.last()->target, "/cart");
}

TEST_F(KubernetesSource, RouteTestIngressPredictsTheClusterDecisionFromManifestsAlone) {
  const std::string dir = bridge_.config_dir() + "/k8s";
  auto r = run_bridge({"route", "test", "http://shop.localhost/api/cart", "--ingress", dir});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("as the cluster's Traefik: routers from the manifests in " + dir),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("listener web"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("shop-strip-api@kubernetescrd (stripPrefix)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GET /cart HTTP/1.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("target: k8s://shop/api:8080 (path /cart)"), std::string::npos) << r.out;

  auto json =
      run_bridge({"route", "test", "http://shop.localhost/catalog", "--ingress", dir, "--json"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << json.out;
  EXPECT_NE(json.out.find("k8s://shop/storefront:80"), std::string::npos) << json.out;

  // Nothing matches another host: exit 1, as route test says for any profile.
  auto none = run_bridge({"route", "test", "http://other.localhost/", "--ingress", dir});
  EXPECT_EQ(none.status, 1) << none.out;
  auto missing = run_bridge({"route", "test", "http://shop.localhost/", "--ingress", "/nowhere"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("--ingress /nowhere: no such file or directory"), std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace bridge::test
