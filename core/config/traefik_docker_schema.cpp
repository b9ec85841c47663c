// The fields of Traefik's dynamic configuration as labels set them (detail/traefik_docker.hpp),
// in the file provider's spelling: the names bridge's decoders read (decode_middleware*.cpp,
// traefik.cpp), which are Traefik's. What bridge does not run is kept as written (Free) for
// the importer to name in a warning: a plugin, a weighted service, udp.
#include "config/detail/traefik_docker.hpp"

namespace bridge::config::detail {

namespace {

Field str(std::string_view name) { return {name, Shape::String}; }
Field integer(std::string_view name) { return {name, Shape::Integer}; }
Field boolean(std::string_view name) { return {name, Shape::Boolean}; }
Field list(std::string_view name) { return {name, Shape::List}; }
Field duration(std::string_view name) { return {name, Shape::Duration}; }
Field free(std::string_view name) { return {name, Shape::Free}; }
Field table(std::string_view name, std::vector<Field> fields, bool allow_empty = false) {
  return {name, Shape::Table, std::move(fields), allow_empty};
}
Field named(std::string_view name, Field element) { return {name, Shape::Named, {element}}; }

// Every middleware type may be set by `=true` alone; bridge's decoder then says which options
// it needs.
Field middleware_type(std::string_view name, std::vector<Field> fields) {
  return table(name, std::move(fields), true);
}

std::vector<Field> auth_fields() {
  return {list("users"), str("usersFile"), str("realm"), str("headerField"),
          boolean("removeHeader")};
}

Field ip_strategy() { return table("ipStrategy", {integer("depth"), list("excludedIPs")}); }

Field source_criterion() {
  return table("sourceCriterion",
               {ip_strategy(), str("requestHeaderName"), boolean("requestHost")});
}

Field distinguished_name(std::string_view name) {
  return table(name,
               {boolean("country"), boolean("province"), boolean("locality"),
                boolean("organization"), boolean("organizationalUnit"), boolean("commonName"),
                boolean("serialNumber"), boolean("domainComponent")},
               true);
}

// The options of bridge's decoders (decode_middleware*.cpp), which are Traefik's.
Field http_middleware() {
  return table(
      "middleware",
      {
          middleware_type("headers", {{"customRequestHeaders", Shape::StringMap},
                                      {"customResponseHeaders", Shape::StringMap},
                                      boolean("accessControlAllowCredentials"),
                                      list("accessControlAllowHeaders"),
                                      list("accessControlAllowMethods"),
                                      list("accessControlAllowOriginList"),
                                      list("accessControlAllowOriginListRegex"),
                                      list("accessControlExposeHeaders"),
                                      integer("accessControlMaxAge"),
                                      boolean("addVaryHeader"),
                                      list("allowedHosts"),
                                      list("hostsProxyHeaders"),
                                      integer("stsSeconds"),
                                      boolean("stsIncludeSubdomains"),
                                      boolean("stsPreload"),
                                      boolean("forceSTSHeader"),
                                      boolean("frameDeny"),
                                      str("customFrameOptionsValue"),
                                      boolean("contentTypeNosniff"),
                                      boolean("browserXssFilter"),
                                      str("customBrowserXSSValue"),
                                      str("contentSecurityPolicy"),
                                      str("contentSecurityPolicyReportOnly"),
                                      str("publicKey"),
                                      str("referrerPolicy"),
                                      str("permissionsPolicy"),
                                      boolean("isDevelopment")}),
          middleware_type("redirectScheme", {str("scheme"), str("port"), boolean("permanent")}),
          middleware_type("redirectRegex",
                          {str("regex"), str("replacement"), boolean("permanent")}),
          middleware_type("stripPrefix", {list("prefixes"), boolean("forceSlash")}),
          middleware_type("stripPrefixRegex", {list("regex")}),
          middleware_type("addPrefix", {str("prefix")}),
          middleware_type("replacePath", {str("path")}),
          middleware_type("replacePathRegex", {str("regex"), str("replacement")}),
          middleware_type("ipAllowList",
                          {list("sourceRange"), ip_strategy(), integer("rejectStatusCode")}),
          free("ipWhiteList"),  // bridge's decoder says Traefik v3 renamed it
          middleware_type("basicAuth", auth_fields()),
          middleware_type("digestAuth", auth_fields()),
          middleware_type("forwardAuth",
                          {str("address"), boolean("trustForwardHeader"),
                           list("authResponseHeaders"), str("authResponseHeadersRegex"),
                           list("authRequestHeaders"), list("addAuthCookiesToResponse"),
                           free("tls"), integer("maxBodySize"), boolean("forwardBody"),
                           boolean("preserveLocationHeader"), duration("timeout")}),
          middleware_type("rateLimit", {integer("average"), duration("period"), integer("burst"),
                                        source_criterion()}),
          middleware_type("inFlightReq", {integer("amount"), source_criterion()}),
          middleware_type("circuitBreaker",
                          {str("expression"), duration("checkPeriod"), duration("fallbackDuration"),
                           duration("recoveryDuration"), integer("responseCode")}),
          middleware_type("compress", {list("encodings"), str("defaultEncoding"),
                                       integer("minResponseBodyBytes"),
                                       list("includedContentTypes"), list("excludedContentTypes")}),
          middleware_type("retry", {integer("attempts"), duration("initialInterval")}),
          middleware_type("buffering",
                          {integer("maxRequestBodyBytes"), integer("memRequestBodyBytes"),
                           integer("maxResponseBodyBytes"), integer("memResponseBodyBytes"),
                           str("retryExpression")}),
          middleware_type("errors", {list("status"),
                                     str("service"),
                                     str("query"),
                                     {"statusRewrites", Shape::IntegerMap}}),
          middleware_type("contentType", {boolean("autoDetect")}),
          middleware_type("grpcWeb", {list("allowOrigins")}),
          middleware_type(
              "passTLSClientCert",
              {boolean("pem"), table("info",
                                     {boolean("notAfter"), boolean("notBefore"), boolean("sans"),
                                      boolean("serialNumber"), distinguished_name("subject"),
                                      distinguished_name("issuer")},
                                     true)}),
          middleware_type("chain", {list("middlewares")}),
          free("plugin"),  // the importer leaves it out, with a warning
      });
}

Field tcp_middleware() {
  return table("middleware",
               {middleware_type("ipAllowList", {list("sourceRange")}),
                middleware_type("inFlightConn", {integer("amount")}), free("ipWhiteList")});
}

Field router(bool tcp) {
  std::vector<Field> tls = {str("certResolver"), str("options"), free("domains")};
  if (tcp) tls.insert(tls.begin(), boolean("passthrough"));
  std::vector<Field> fields = {str("rule"),      list("entryPoints"), list("middlewares"),
                               str("service"),   integer("priority"), table("tls", tls, true),
                               str("ruleSyntax")};
  if (!tcp)
    fields.push_back(table("observability", {boolean("accessLogs"), boolean("metrics"),
                                             boolean("tracing"), str("traceVerbosity")}));
  return table("router", std::move(fields));
}

// `server` is the one server labels describe: the provider turns it into `servers`.
Field http_service() {
  Field health = table("healthCheck", {str("scheme"),
                                       str("mode"),
                                       str("path"),
                                       str("method"),
                                       integer("status"),
                                       integer("port"),
                                       duration("interval"),
                                       duration("unhealthyInterval"),
                                       duration("timeout"),
                                       str("hostname"),
                                       boolean("followRedirects"),
                                       {"headers", Shape::StringMap}});
  Field cookie = table("cookie",
                       {str("name"), boolean("secure"), boolean("httpOnly"), str("sameSite"),
                        integer("maxAge"), str("path"), str("domain")},
                       true);
  return table("service",
               {table("loadBalancer",
                      {table("server", {str("port"), str("scheme"), str("url"), integer("weight"),
                                        boolean("preservePath")}),
                       health, boolean("passHostHeader"), table("sticky", {cookie}, true),
                       str("serversTransport"),
                       table("responseForwarding", {duration("flushInterval")}), str("strategy")},
                      true),
                free("weighted"), free("mirroring"), free("failover")});
}

Field tcp_service() {
  return table("service", {table("loadBalancer",
                                 {table("server", {str("port"), boolean("tls")}),
                                  table("proxyProtocol", {integer("version")}, true),
                                  str("serversTransport"), integer("terminationDelay")},
                                 true),
                           free("weighted")});
}

}  // namespace

// Below `traefik.`: what Traefik's docker provider reads. Other keys (traefik.constraint-label,
// read by constraint expressions) are kept for the provider to name.
const Field& traefik_schema() {
  static const Field schema =
      table("traefik",
            {table("http", {named("routers", router(false)), named("services", http_service()),
                            named("middlewares", http_middleware()), free("serversTransports")}),
             table("tcp", {named("routers", router(true)), named("services", tcp_service()),
                           named("middlewares", tcp_middleware()), free("serversTransports")}),
             free("udp"), free("tls"), free("docker"), boolean("enable")});
  return schema;
}

}  // namespace bridge::config::detail
