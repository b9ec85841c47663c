// Every validation error: exact message, file:line:col, caret span and hint.
#include "config_test.hpp"

namespace bridge::config::test {
namespace {

struct Case {
  const char* name;
  const char* dev_toml;  // layered on minimal_base (listener "web", upstream "orders")
  const char* message;
  int line;
  int column;
  int span;
  const char* hint;  // nullptr: not checked
};

// Positions are in dev.toml.
const Case cases[] = {
    {"UnknownRouteKey", "[[routes]]\nname = \"r\"\nrule = \"Path(`/`)\"\nupstrem = \"orders\"\n",
     "unknown key \"upstrem\" in [[routes]]", 4, 1, 7, "did you mean \"upstream\"?"},
    {"UnknownTopLevelKey", "verison = 1\n", "unknown key \"verison\" in the top level", 1, 1, 7,
     "did you mean \"version\"?"},
    {"UnknownKeyListsKnownOnes", "[limits]\nfoo = 1\n", "unknown key \"foo\" in [limits]", 2, 1, 3,
     "known keys: max_header_bytes, max_body_bytes, header_timeout, idle_timeout, "
     "connect_timeout, drain_timeout, max_header_count, max_uri_bytes, "
     "headers_with_underscores, admin_connections"},
    {"UnderscoreAction", "[limits]\nheaders_with_underscores = \"keep\"\n",
     "limits.headers_with_underscores: expected one of reject, drop, allow, got \"keep\"", 2, 28, 6,
     nullptr},
    {"TrustedIpNotACidr",
     "[[listeners]]\nname = \"web\"\nforwarded_headers = { trusted_ips = [\"10.0.0.0/33\"] }\n",
     "listeners.web.forwarded_headers.trusted_ips[0]: invalid address or CIDR \"10.0.0.0/33\"", 3,
     38, 13, "e.g. \"10.0.0.0/8\", \"192.168.1.7\" or \"::1/128\""},
    {"ClientAuthWithoutCa",
     "[[listeners]]\nname = \"web\"\ntls = { auto = \"local-ca\", client_auth = \"optional\" }\n",
     "listeners.web.tls: client_auth = \"optional\" needs client_ca", 3, 42, 10, nullptr},
    {"UnknownNestedKey",
     "[[upstreams]]\nname = \"orders\"\nhealth = { path = \"/h\", intervl = \"1s\" }\n",
     "unknown key \"intervl\" in upstreams.orders.health", 3, 25, 7, "did you mean \"interval\"?"},
    {"WrongType", "[bridge]\nworkers = \"two\"\n",
     "bridge.workers: expected an integer, got a string", 2, 11, 5, nullptr},
    {"WrongTypeBoolean", "[trace]\ntrust_incoming_request_id = \"yes\"\n",
     "trace.trust_incoming_request_id: expected a boolean, got a string", 2, 29, 5, nullptr},
    {"WrongTypeArrayItem", "[trace]\nredact_headers = [\"cookie\", 3]\n",
     "trace.redact_headers[1]: expected a string, got an integer", 2, 29, 1, nullptr},
    {"WrongTypeSection", "bridge = 1\n", "bridge: expected a table, got an integer", 1, 10, 1,
     nullptr},
    {"IntegerOutOfRange", "[bridge]\nworkers = -1\n",
     "bridge.workers: -1 is out of range (0..1024)", 2, 11, 2, nullptr},
    {"DurationUnknownUnit", "[limits]\nheader_timeout = \"10x\"\n",
     "limits.header_timeout: invalid duration \"10x\": unknown unit \"x\"", 2, 18, 5,
     "durations look like 250ms, 30s, 2m, 1h or 1.5s"},
    {"DurationMissingUnit", "[limits]\nidle_timeout = \"30\"\n",
     "limits.idle_timeout: invalid duration \"30\": missing unit", 2, 16, 4, nullptr},
    {"DurationAsInteger", "[limits]\nconnect_timeout = 5\n",
     "limits.connect_timeout: expected a duration string like \"30s\", got an integer", 2, 19, 1,
     "write \"5s\" or \"250ms\""},
    {"DurationZero",
     "[[routes]]\nname = \"r\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\ntimeout = \"0s\"\n",
     "routes.r.timeout: must be more than 0", 5, 11, 4, nullptr},
    {"SizeUnknownUnit", "[limits]\nmax_header_bytes = \"64XB\"\n",
     "limits.max_header_bytes: invalid size \"64XB\": unknown unit \"XB\"", 2, 20, 6,
     "sizes look like 512, 64KiB, 10MB or 1GiB (KiB = 1024 bytes, KB = 1000)"},
    {"SizeWrongType", "[limits]\nmax_body_bytes = true\n",
     "limits.max_body_bytes: expected a size like \"64KiB\" or an integer, got a boolean", 2, 18, 4,
     nullptr},
    {"SizeTooSmallForHeaders", "[limits]\nmax_header_bytes = 100\n",
     "limits.max_header_bytes: must be at least 1KiB", 2, 20, 3, nullptr},
    {"EnumLogLevel", "[bridge]\nlog_level = \"inf\"\n",
     "bridge.log_level: expected one of trace, debug, info, warn, error, off, got \"inf\"", 2, 13,
     5, "did you mean \"info\"?"},
    {"EnumAccessLogFormat", "[bridge]\naccess_log_format = \"xml\"\n",
     "bridge.access_log_format: expected one of json, text, got \"xml\"", 2, 21, 5, nullptr},
    {"EnumPropagationEntry", "[trace]\npropagation = [\"w3c\", \"b4\"]\n",
     "trace.propagation: expected one of w3c, b3, got \"b4\"", 2, 23, 4, "did you mean \"b3\"?"},
    {"EnumBalance", "[[upstreams]]\nname = \"orders\"\nbalance = \"random\"\n",
     "upstreams.orders.balance: expected one of round_robin, least_conn, first, got \"random\"", 3,
     11, 8, nullptr},
    {"EnumTlsAuto", "[[listeners]]\nname = \"web\"\ntls = { auto = \"letsencrypt\" }\n",
     "listeners.web.tls.auto: expected one of local-ca, acme, got \"letsencrypt\"", 3, 16, 13,
     nullptr},
    {"EnumTlsMinVersion",
     "[[listeners]]\nname = \"web\"\ntls = { auto = \"local-ca\", min_version = \"1.1\" }\n",
     "listeners.web.tls.min_version: expected one of 1.2, 1.3, got \"1.1\"", 3, 42, 5, nullptr},
    {"TlsNeedsSomething", "[[listeners]]\nname = \"web\"\ntls = { min_version = \"1.3\" }\n",
     "listeners.web.tls: needs cert and key, certs, or auto", 3, 7, 23, nullptr},
    {"TlsCertWithoutKey", "[[listeners]]\nname = \"web\"\ntls = { cert = \"a.pem\" }\n",
     "listeners.web.tls: missing \"key\"", 3, 7, 18, nullptr},
    {"TlsAcmeNeedsHosts", "[[listeners]]\nname = \"web\"\ntls = { auto = \"acme\" }\n",
     "listeners.web.tls: auto = \"acme\" needs the listener's hosts", 3, 16, 6, nullptr},
    {"BindMissingPort", "[[listeners]]\nname = \"w2\"\nbind = \"127.0.0.1\"\n",
     "listeners.w2.bind: invalid address \"127.0.0.1\": missing port", 3, 8, 11,
     "write host:port, [v6]:port or unix:/path"},
    {"BindPortRange", "[[listeners]]\nname = \"w2\"\nbind = \"127.0.0.1:70000\"\n",
     "listeners.w2.bind: invalid address \"127.0.0.1:70000\": port must be 1-65535", 3, 8, 17,
     nullptr},
    {"TargetPortZero", "[[upstreams]]\nname = \"orders\"\ntargets = [\"http://a:0\"]\n",
     "upstreams.orders.targets[0]: invalid target \"http://a:0\": port must be 1-65535", 3, 12, 12,
     nullptr},
    {"BindV6WithoutBrackets", "[[listeners]]\nname = \"w2\"\nbind = \"::1:8080\"\n",
     "listeners.w2.bind: invalid address \"::1:8080\": IPv6 addresses go in brackets, like "
     "[::1]:8080",
     3, 8, 10, nullptr},
    {"BindBadV6", "[[listeners]]\nname = \"w2\"\nbind = \"[::zz]:80\"\n",
     "listeners.w2.bind: invalid address \"[::zz]:80\": \"::zz\" is not an IPv6 address", 3, 8, 11,
     nullptr},
    {"BindBadV4", "[[listeners]]\nname = \"w2\"\nbind = \"127.0.0.300:80\"\n",
     "listeners.w2.bind: invalid address \"127.0.0.300:80\": \"127.0.0.300\" is not an IPv4 "
     "address",
     3, 8, 16, nullptr},
    {"BindMissing", "[[listeners]]\nname = \"w2\"\n", "listener \"w2\": missing \"bind\"", 1, 1, 13,
     "add bind = \"127.0.0.1:8080\""},
    {"AdminAddress", "[bridge]\nadmin = \"localhost\"\n",
     "bridge.admin: invalid address \"localhost\": missing port", 2, 9, 11,
     "write host:port, [v6]:port or unix:/path, or \"off\""},
    {"AdminNotLoopback", "[bridge]\nadmin = \"0.0.0.0:9901\"\n",
     "bridge.admin: \"0.0.0.0:9901\" is reachable from other hosts", 2, 9, 14, nullptr},
    {"NameInvalid", "[[routes]]\nname = \"my route\"\n", "invalid name \"my route\" in [[routes]]",
     2, 8, 10, "names use letters, digits, '-' and '_'"},
    {"NameNotAString", "[[upstreams]]\nname = 5\n",
     "upstreams[0].name: expected a string, got an integer", 2, 8, 1, nullptr},
    {"NameMissing", "[[routes]]\nrule = \"Path(`/`)\"\n", "[[routes]] entry has no \"name\"", 1, 1,
     10, nullptr},
    {"NameDuplicateInOneFile",
     "[[upstreams]]\nname = \"a\"\ntargets = [\"builtin://echo\"]\n\n[[upstreams]]\nname = \"a\"\n",
     "duplicate name \"a\" in [[upstreams]]", 6, 8, 3, nullptr},
    {"NamedArrayAsTable", "[routes]\nname = \"r\"\n",
     "routes: expected an array of tables ([[routes]]), got a table", 1, 1, 8, nullptr},
    {"EnabledNotBoolean", "[[routes]]\nname = \"r\"\nenabled = \"no\"\n",
     "routes.r.enabled: expected a boolean, got a string", 3, 11, 4, nullptr},
    {"RouteMissingRule", "[[routes]]\nname = \"r\"\nupstream = \"orders\"\n",
     "route \"r\": missing \"rule\"", 1, 1, 10, "add rule = \"PathPrefix(`/`)\""},
    {"RouteMissingUpstream", "[[routes]]\nname = \"r\"\nrule = \"Path(`/`)\"\n",
     "route \"r\": missing \"upstream\"", 1, 1, 10, nullptr},
    {"RouteEmptyRule", "[[routes]]\nname = \"r\"\nrule = \"  \"\nupstream = \"orders\"\n",
     "routes.r.rule: is empty", 3, 8, 4, nullptr},
    {"RouteUnknownUpstream",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"ordrs\"\n",
     "route \"x\": unknown upstream \"ordrs\"", 4, 12, 7, "did you mean \"orders\"?"},
    {"RouteUnknownUpstreamNothingClose",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"payments\"\n",
     "route \"x\": unknown upstream \"payments\"", 4, 12, 10,
     "define it under [[upstreams]], or use a target URL such as \"http://127.0.0.1:3000\""},
    {"RouteInlineTargetInvalid",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"http://\"\n",
     "routes.x.upstream: invalid target \"http://\": missing host", 4, 12, 9, nullptr},
    {"RouteUnknownListener",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
     "listeners = [\"web\", \"wbe\"]\n",
     "route \"x\": unknown listener \"wbe\"", 5, 21, 5, "did you mean \"web\"?"},
    {"RouteStripPrefix",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\nstrip_prefix = "
     "\"api\"\n",
     "routes.x.strip_prefix: must start with \"/\"", 5, 16, 5, nullptr},
    {"RouteHostRewrite",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
     "host_rewrite = \"http://a\"\n",
     "routes.x.host_rewrite: expected a host name, got \"http://a\"", 5, 16, 10, nullptr},
    {"RouteHeaderName",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
     "request_headers = { set = { \"Bad Header\" = \"v\" } }\n",
     "routes.x.request_headers.set: invalid header name \"Bad Header\"", 5, 29, 12, nullptr},
    {"RouteHeaderValueType",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
     "response_headers = { set = { X-A = 1 } }\n",
     "routes.x.response_headers.set.X-A: expected a string, got an integer", 5, 36, 1, nullptr},
    {"RouteRemoveHeaderName",
     "[[routes]]\nname = \"x\"\nrule = \"Path(`/`)\"\nupstream = \"orders\"\n"
     "request_headers = { remove = [\"ok\", \"not ok\"] }\n",
     "routes.x.request_headers.remove: invalid header name \"not ok\"", 5, 37, 8, nullptr},
    {"TargetUnknownScheme", "[[upstreams]]\nname = \"orders\"\ntargets = [\"ftp://files:21\"]\n",
     "upstreams.orders.targets[0]: invalid target \"ftp://files:21\": unknown scheme \"ftp\"", 3,
     12, 16,
     "targets look like http://host:port, https://host:port, unix:///path.sock, "
     "compose://service:port, k8s://namespace/service:port, tcp://host:port (TCP routes) or "
     "builtin://echo"},
    {"TargetUnixRelative", "[[upstreams]]\nname = \"docker\"\ntargets = [\"unix://run/d.sock\"]\n",
     "upstreams.docker.targets[0]: invalid target \"unix://run/d.sock\": expected "
     "unix:///absolute/path.sock",
     3, 12, 19, nullptr},
    {"TargetUnixTooLong",
     "[[upstreams]]\nname = \"docker\"\ntargets = "
     "[\"unix:///"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaa\"]\n",
     "upstreams.docker.targets[0]: invalid target "
     "\"unix:///"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaa\": the socket "
     "path is longer than 107 bytes",
     3, 12, 130, nullptr},
    {"TargetNotAUrl", "[[upstreams]]\nname = \"orders\"\ntargets = [\"orders:8080\"]\n",
     "upstreams.orders.targets[0]: invalid target \"orders:8080\": expected a URL like "
     "http://127.0.0.1:3000",
     3, 12, 13, nullptr},
    {"TargetWithPath", "[[upstreams]]\nname = \"orders\"\ntargets = [\"http://a:1/v1\"]\n",
     "upstreams.orders.targets[0]: invalid target \"http://a:1/v1\": a target has no path; use "
     "strip_prefix on the route to rewrite paths",
     3, 12, 15, nullptr},
    {"TargetComposeNeedsPort",
     "[[upstreams]]\nname = \"orders\"\ntargets = [\"compose://orders\"]\n",
     "upstreams.orders.targets[0]: invalid target \"compose://orders\": missing port", 3, 12, 18,
     nullptr},
    {"TargetK8sForm", "[[upstreams]]\nname = \"orders\"\ntargets = [\"k8s://svc:80\"]\n",
     "upstreams.orders.targets[0]: invalid target \"k8s://svc:80\": expected "
     "k8s://NAMESPACE/SERVICE:PORT[?context=C&mode=direct]",
     3, 12, 14, nullptr},
    {"TargetK8sMode",
     "[[upstreams]]\nname = \"orders\"\ntargets = [\"k8s://ns/svc:80?mode=tunnel\"]\n",
     "upstreams.orders.targets[0]: invalid target \"k8s://ns/svc:80?mode=tunnel\": mode must be "
     "direct or port-forward",
     3, 12, 29, nullptr},
    {"TargetBuiltin", "[[upstreams]]\nname = \"orders\"\ntargets = [\"builtin://mirror\"]\n",
     "upstreams.orders.targets[0]: invalid target \"builtin://mirror\": unknown builtin "
     "\"mirror\" (only echo)",
     3, 12, 18, nullptr},
    {"TargetsEmpty", "[[upstreams]]\nname = \"orders\"\ntargets = []\n",
     "upstreams.orders.targets: needs at least one target", 3, 11, 2, nullptr},
    {"TargetsMissing", "[[upstreams]]\nname = \"more\"\n", "upstream \"more\": missing \"targets\"",
     1, 1, 13, nullptr},
    {"HealthPath", "[[upstreams]]\nname = \"orders\"\nhealth = { path = \"healthz\" }\n",
     "upstreams.orders.health.path: must start with \"/\"", 3, 19, 9, nullptr},
    {"HealthGrpcWithPath",
     "[[upstreams]]\nname = \"orders\"\nhealth = { grpc = true, path = \"/h\" }\n",
     "upstreams.orders.health.path: a gRPC check (grpc = true) calls grpc.health.v1.Health/Check, "
     "not a path",
     3, 32, 4, "remove path, or set service = \"package.Service\" to ask about one"},
    {"HealthServiceWithoutGrpc", "[[upstreams]]\nname = \"orders\"\nhealth = { service = \"x\" }\n",
     "upstreams.orders.health.service: only a gRPC check asks about a service", 3, 22, 3,
     "add grpc = true"},
    {"Version", "version = 2\n", "version: unsupported version 2", 1, 11, 1,
     "this bridge reads version = 1"},
    {"OtlpEndpoint", "[trace]\notlp_endpoint = \"collector:4318\"\n",
     "trace.otlp_endpoint: invalid URL (only http:// collectors are supported) "
     "\"collector:4318\"",
     2, 17, 16, nullptr},
    {"OtlpEndpointHttps", "[trace]\notlp_endpoint = \"https://collector:4318\"\n",
     "trace.otlp_endpoint: invalid URL (only http:// collectors are supported) "
     "\"https://collector:4318\"",
     2, 17, 24, nullptr},
    {"RequestIdHeader", "[trace]\nrequest_id_header = \"X Request\"\n",
     "trace.request_id_header: invalid header name \"X Request\"", 2, 21, 11, nullptr},
    // TCP listeners and [[tcp_routes]].
    {"ListenerProtocol",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"udp\"\n",
     "listeners.pg.protocol: expected one of http, tcp, got \"udp\"", 4, 12, 5, nullptr},
    {"TcpListenerWithTls",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "tls = { auto = \"local-ca\" }\n",
     "listeners.pg.tls: does not apply to a TCP listener (protocol = \"tcp\")", 5, 7, 21,
     "route TLS by SNI with tls = { passthrough = true } on the TCP route, and let the upstream "
     "terminate it"},
    {"TcpRouteOnHttpListener",
     "[[tcp_routes]]\nname = \"pg\"\nlisteners = [\"web\"]\nrule = \"HostSNI(`*`)\"\n"
     "upstream = \"tcp://127.0.0.1:5432\"\n",
     "tcp route \"pg\": listener \"web\" serves HTTP; a TCP route needs protocol = \"tcp\" on it",
     3, 14, 5,
     "add protocol = \"tcp\" to [[listeners]] \"web\", or define a TCP listener for "
     "this route"},
    {"TcpRouteWithoutTcpListener",
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = "
     "\"tcp://127.0.0.1:5432\"\n",
     "tcp route \"pg\": no listener relays TCP", 1, 1, 14,
     "add [[listeners]] with protocol = \"tcp\" (e.g. name = \"pg\", bind = \"127.0.0.1:5432\") "
     "and listeners = [\"pg\"] here"},
    {"TcpRouteHttpTarget",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = "
     "\"http://127.0.0.1:3000\"\n",
     "tcp_routes.pg.upstream: \"http://127.0.0.1:3000\" is not a TCP target", 8, 12, 23,
     "a TCP route forwards to tcp://host:port, unix:///path.sock, compose://service:port or "
     "k8s://namespace/service:port"},
    {"TcpRouteHttpUpstream",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = \"orders\"\n",
     "tcp route \"pg\": upstream \"orders\" has the target \"http://127.0.0.1:9000\", which is not "
     "TCP",
     8, 12, 8, nullptr},
    {"TcpTargetWithoutPort",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = \"tcp://127.0.0.1\"\n",
     "tcp_routes.pg.upstream: invalid target \"tcp://127.0.0.1\": missing port", 8, 12, 17,
     nullptr},
    {"HttpRouteTcpTarget",
     "[[routes]]\nname = \"r\"\nrule = \"Path(`/`)\"\nupstream = \"tcp://127.0.0.1:5432\"\n",
     "routes.r.upstream: \"tcp://127.0.0.1:5432\" is a TCP target; an HTTP route forwards to "
     "http://, https://, h2c://, unix://, compose:// or k8s://",
     4, 12, 22, "relay raw TCP with a [[tcp_routes]] entry on a protocol = \"tcp\" listener"},
    {"TcpRouteTerminatingOnAPlainTcpListener",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`db.localhost`)\"\nupstream = "
     "\"tcp://127.0.0.1:5433\"\nlisteners = [\"pg\"]\ntls = {}\n",
     "tcp route \"pg\": tls = {} terminates TLS with the listener's certificates, and listener "
     "\"pg\" has none",
     9, 14, 4,
     "list a listener with a tls table here, or pass the TLS connection through with tls = { "
     "passthrough = true }"},
    {"TcpRouteTerminatingWithoutListeners",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`db.localhost`)\"\nupstream = "
     "\"tcp://127.0.0.1:5433\"\ntls = {}\n",
     "tcp route \"pg\": tls = {} terminates TLS with a listener's certificates; name that "
     "listener",
     5, 1, 14, "add listeners = [\"NAME\"] with a listener that has tls"},
    {"HttpRouteOnTcpListener",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[routes]]\nname = \"r\"\nlisteners = [\"pg\"]\nrule = \"Path(`/`)\"\nupstream = "
     "\"orders\"\n",
     "route \"r\": listener \"pg\" relays TCP (protocol = \"tcp\"), it serves no HTTP routes", 7,
     14, 4, "use a [[tcp_routes]] entry for it, or an HTTP listener here"},
    {"ProxyProtocolWithoutTrustedIps",
     "[[listeners]]\nname = \"web\"\nproxy_protocol = { insecure = false }\n",
     "listeners.web.proxy_protocol.trusted_ips: needs the addresses whose PROXY headers are "
     "believed",
     3, 18, 20, "e.g. proxy_protocol = { trusted_ips = [\"10.0.0.0/8\"] }"},
    {"ProxyProtocolUpstreamOnAnHttpRoute",
     "[[upstreams]]\nname = \"orders\"\nproxy_protocol = 1\n[[routes]]\nname = \"r\"\n"
     "rule = \"Path(`/`)\"\nupstream = \"orders\"\n",
     "route \"r\": upstream \"orders\" sends a PROXY header (proxy_protocol), which HTTP routes "
     "do not",
     7, 12, 8, nullptr},
    {"TcpMiddlewareUnknownType",
     "[tcp_middlewares.office.ipWhiteList]\nsourceRange = [\"10.0.0.0/8\"]\n",
     "tcp_middlewares.office: unknown TCP middleware type \"ipWhiteList\"", 1, 25, 11,
     "Traefik v3 renamed ipWhiteList to ipAllowList"},
    {"TcpMiddlewareAmountZero", "[tcp_middlewares.few.inFlightConn]\namount = 0\n",
     "tcp_middlewares.few.inFlightConn.amount: 0 is out of range (1..1000000)", 2, 10, 1, nullptr},
    {"TcpMiddlewareBadRange",
     "[tcp_middlewares.office.ipAllowList]\nsourceRange = [\"10.0.0.0/33\"]\n",
     "tcp_middlewares.office.ipAllowList.sourceRange[0]: invalid address or CIDR \"10.0.0.0/33\"",
     2, 16, 13, nullptr},
    {"TcpRouteUnknownMiddleware",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = \"tcp://127.0.0.1:5433\"\n"
     "middlewares = [\"office\"]\n",
     "tcp route \"pg\": unknown TCP middleware \"office\"", 9, 16, 8, nullptr},
    {"TcpRouteIdleTimeout",
     "[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n"
     "[[tcp_routes]]\nname = \"pg\"\nrule = \"HostSNI(`*`)\"\nupstream = \"tcp://127.0.0.1:5432\"\n"
     "idle_timeout = \"0s\"\n",
     "tcp_routes.pg.idle_timeout: must be more than 0", 9, 16, 4, nullptr},
};

// gtest prints the case's name instead of its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class ConfigValidation : public ::testing::TestWithParam<Case> {};

TEST_P(ConfigValidation, ReportsMessageAndPosition) {
  const Case& c = GetParam();
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", c.dev_toml);
  auto config = dir.load();
  ASSERT_FALSE(config) << "expected: " << c.message;
  const Error& e = config.error();
  EXPECT_EQ(e.message, c.message);
  EXPECT_EQ(e.code, ErrorCode::Config);
  EXPECT_EQ(e.where.source, dir.file("dev.toml"));
  EXPECT_EQ(e.where.line, c.line);
  EXPECT_EQ(e.where.column, c.column);
  EXPECT_EQ(e.span, c.span);
  EXPECT_FALSE(e.source_line.empty());
  if (c.hint != nullptr) {
    EXPECT_EQ(e.hint, c.hint);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigValidation, ::testing::ValuesIn(cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigValidationExtra, AtLeastOneListener) {
  TempConfigDir dir;
  dir.write("dev.toml", "[bridge]\nworkers = 1\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "no listeners defined");
}

TEST(ConfigValidationExtra, NoListenersLeftAfterMerge) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[[listeners]]\nname = \"web\"\nenabled = false\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "no listeners defined");
}

TEST(ConfigValidationExtra, AcceptedForms) {
  TempConfigDir dir;
  dir.write("dev.toml", R"toml(
[bridge]
admin = "0.0.0.0:9901"
admin_token = "s3cret"

[limits]
max_header_bytes = 16384
max_body_bytes = "1.5MiB"

[acme]
email = "dev@example.com"

[[listeners]]
name = "v6"
bind = "[::1]:8080"

[[listeners]]
name = "sock"
bind = "unix:/run/bridge.sock"
hosts = ["app.example.com"]
tls = { auto = "acme", certs = [{ cert = "a.pem", key = "a-key.pem" }] }

[[upstreams]]
name = "many"
targets = ["http://localhost", "https://[::1]:8443/", "compose://orders:8080",
           "k8s://ns/svc:80?context=kind&mode=direct", "builtin://echo"]
health = { path = "/healthz", interval = "1m30s", timeout = "1.5s", healthy = 1 }
tls = { verify = false, ca = "ca.pem", sni = "orders.internal" }

[[routes]]
name = "inline"
rule = "Path(`/`)"
upstream = "https://example.com:443"
priority = -5
max_body_bytes = "10MB"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->limits.max_header_bytes, 16384u);
  EXPECT_EQ(config->limits.max_body_bytes, 1572864u);
  EXPECT_EQ(config->listeners[1].tls->automatic, "acme");
  EXPECT_EQ(config->listeners[1].tls->certs.size(), 1u);
  EXPECT_EQ(config->upstreams[0].health->interval, std::chrono::seconds(90));
  EXPECT_EQ(config->upstreams[0].health->timeout, std::chrono::milliseconds(1500));
  EXPECT_FALSE(config->upstreams[0].tls.verify);
  EXPECT_EQ(config->routes[0].priority, -5);
  EXPECT_EQ(config->routes[0].max_body_bytes, 10'000'000u);
}

TEST(ConfigValidationExtra, AdminOffAndProbesOnly) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[bridge]\nadmin = \"off\"\n");
  EXPECT_TRUE(dir.load());
  dir.write("dev.toml", "[bridge]\nadmin = \"0.0.0.0:9901\"\nadmin_probes_only = true\n");
  EXPECT_TRUE(dir.load());
}

TEST(ConfigValidationExtra, RuleSyntaxIsNotCheckedHere) {
  // The route module owns the rule language and reports inside the string.
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[[routes]]\nname = \"r\"\nrule = \"Hots(`x`\"\nupstream = \"orders\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(where(config->origin("routes.r.rule")), dir.file("dev.toml") + ":3:8");
}

}  // namespace
}  // namespace bridge::config::test
