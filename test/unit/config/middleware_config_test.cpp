// [middlewares.NAME.TYPE] and [http.middlewares.NAME.TYPE]: what they decode to, how profiles
// layer them, the names routes and listeners give, and every error with file:line:col, caret
// span and hint.
#include "config_test.hpp"

#include <algorithm>
#include <chrono>

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

// The hint for a type bridge does not run names those it does; the list grows with them.
::testing::AssertionResult is_types_hint(const std::string& hint) {
  const std::string example =
      " (e.g. [middlewares.api-cors.headers] accessControlAllowOriginList = "
      "[\"http://localhost:3000\"])";
  if (hint.starts_with("HTTP middlewares are headers, redirectScheme, redirectRegex, ") &&
      hint.find(", ipAllowList") != std::string::npos &&
      hint.find(", chain") != std::string::npos && hint.ends_with(example))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "not the list of types: " << hint;
}

// What a basicAuth user line's error suggests.
constexpr const char* hash_hint =
    "make one with htpasswd -nB USER (bcrypt); htpasswd's -m (apr1 MD5) and -s (SHA1) hashes "
    "work too, plain passwords do not";

// Positions are in dev.toml.
const Case cases[] = {
    {"NotYetSupportedType", "[middlewares.big.plugin.demo]\nheader = \"x\"\n",
     "middlewares.big: bridge does not run the Traefik middleware \"plugin\" yet", 1, 18, 6,
     nullptr},
    {"BufferingRetryExpressionDoesNotParse",
     "[middlewares.buf.buffering]\nretryExpression = \"Attempts() < \"\n",
     "middlewares.buf.buffering.retryExpression: expected a number at offset 13 of "
     "\"Attempts() < \"",
     2, 19, 15, "e.g. \"IsNetworkError() && Attempts() < 2\""},
    {"BufferingRetryExpressionWithABreakerMetric",
     "[middlewares.buf.buffering]\nretryExpression = \"NetworkErrorRatio() > 0.5\"\n",
     "middlewares.buf.buffering.retryExpression: expected Attempts(), ResponseCode() or "
     "IsNetworkError() at offset 0 of \"NetworkErrorRatio() > 0.5\"",
     2, 19, 27, nullptr},
    {"BufferingNegativeLimit", "[middlewares.buf.buffering]\nmaxRequestBodyBytes = -1\n",
     "middlewares.buf.buffering.maxRequestBodyBytes: -1 is out of range (0..1099511627776)", 2, 23,
     2, nullptr},
    {"ErrorsStatusIsNotARange",
     "[middlewares.pages.errors]\nstatus = [\"500-599\", \"5xx\"]\nservice = \"orders\"\n",
     "middlewares.pages.errors.status[1]: \"5xx\" is not a status or a range of them", 2, 22, 5,
     "e.g. \"500-599\" or \"404\" (statuses 100 to 599)"},
    {"ErrorsRangeBackwards",
     "[middlewares.pages.errors]\nstatus = [\"599-500\"]\nservice = \"orders\"\n",
     "middlewares.pages.errors.status[0]: \"599-500\" is not a status or a range of them", 2, 11, 9,
     nullptr},
    {"ErrorsWithoutService", "[middlewares.pages.errors]\nstatus = [\"500-599\"]\n",
     "middlewares.pages.errors: missing \"service\"", 1, 1, 26,
     "e.g. service = \"error-pages\" (an upstream) or \"http://127.0.0.1:8081\""},
    {"ErrorsUnknownUpstream",
     "[middlewares.pages.errors]\nstatus = [\"500-599\"]\nservice = \"order\"\n",
     "middlewares.pages.errors.service: unknown upstream \"order\"", 3, 11, 7, nullptr},
    {"ErrorsHttpsService",
     "[middlewares.pages.errors]\nstatus = [\"500-599\"]\nservice = \"https://pages.test\"\n",
     "middlewares.pages.errors.service: \"https://pages.test\" is not an http:// URL with a host",
     3, 11, 20, nullptr},
    {"ErrorsQueryWithoutSlash",
     "[middlewares.pages.errors]\nstatus = [\"404\"]\nservice = \"orders\"\nquery = "
     "\"{status}.html\"\n",
     "middlewares.pages.errors.query: \"{status}.html\" does not start with /", 4, 9, 15,
     "e.g. query = \"/{status}.html\""},
    {"ErrorsStatusRewriteToANonStatus",
     "[middlewares.pages.errors]\nstatus = [\"404\"]\nservice = \"orders\"\nstatusRewrites = { "
     "\"404\" = 1000 }\n",
     "middlewares.pages.errors.statusRewrites.404: expected a status from 100 to 599", 4, 28, 4,
     nullptr},
    {"PassTlsClientCertPassesNothing", "[middlewares.mtls.passTLSClientCert]\npem = false\n",
     "middlewares.mtls.passTLSClientCert: passes nothing: set pem = true or info", 1, 1, 0,
     "e.g. pem = true, or info = { sans = true, subject = { commonName = true } }"},
    {"DigestAuthHashIsNotMd5Hex",
     "[middlewares.auth.digestAuth]\nusers = [\"alice:traefik:$apr1$x$y\"]\n",
     "middlewares.auth.digestAuth.users[0]: the hash of user \"alice\" is not 32 hex digits (MD5 "
     "of user:realm:password)",
     2, 10, 25,
     "make one with htdigest -c FILE REALM USER; a line is user:realm:MD5(user:realm:password)"},
    {"DigestAuthLineWithoutRealm", "[middlewares.auth.digestAuth]\nusers = [\"alice:0123\"]\n",
     "middlewares.auth.digestAuth.users[0]: expected \"user:realm:hash\"", 2, 10, 12, nullptr},
    {"DigestAuthUsersOfAnotherRealmOnly",
     "[middlewares.auth.digestAuth]\nrealm = \"dev\"\nusers = "
     "[\"alice:traefik:0d6cca2f67e7557f57b48792fe04352c\"]\n",
     "middlewares.auth.digestAuth: no user of realm \"dev\" (1 of other realms)", 1, 1, 0,
     "set realm to the one the users were made for"},
    {"DigestAuthWithoutUsers", "[middlewares.auth.digestAuth]\nrealm = \"x\"\n",
     "middlewares.auth.digestAuth: needs users or usersFile", 1, 1, 0,
     "e.g. users = [\"alice:traefik:...\"] (htdigest -c FILE traefik alice)"},
    {"NotYetSupportedTypeUnderHttp", "[http.middlewares.web.plugin.demo]\nheader = \"x\"\n",
     "http.middlewares.web: bridge does not run the Traefik middleware \"plugin\" yet", 1, 23, 6,
     nullptr},
    {"GrpcWebOriginWithAPath",
     "[middlewares.web.grpcWeb]\nallowOrigins = [\"http://localhost:5173\", "
     "\"http://localhost:3000/\"]\n",
     "middlewares.web.grpcWeb.allowOrigins[1]: \"http://localhost:3000/\" is not an origin", 2, 42,
     24,
     "an origin is scheme://host[:port] as a browser sends it, e.g. \"http://localhost:5173\" (no "
     "path, no trailing /), or \"*\""},
    {"CircuitBreakerExpressionDoesNotParse",
     "[middlewares.cb.circuitBreaker]\nexpression = \"NetworkErrorRatio() > \"\n",
     "middlewares.cb.circuitBreaker.expression: expected a number at offset 22 of "
     "\"NetworkErrorRatio() > \"",
     2, 14, 24, nullptr},
    {"CircuitBreakerUnknownMetric",
     "[middlewares.cb.circuitBreaker]\nexpression = \"ErrorRatio() > 0.5\"\n",
     "middlewares.cb.circuitBreaker.expression: expected NetworkErrorRatio(), "
     "ResponseCodeRatio(from, to, dividedFrom, dividedTo) or LatencyAtQuantileMS(quantile) at "
     "offset 0 of \"ErrorRatio() > 0.5\"",
     2, 14, 20, nullptr},
    {"CircuitBreakerWithoutExpression", "[middlewares.cb.circuitBreaker]\ncheckPeriod = \"1s\"\n",
     "middlewares.cb.circuitBreaker: missing \"expression\"", 1, 1, 31,
     "e.g. expression = \"NetworkErrorRatio() > 0.30\""},
    {"ForwardAuthWithoutAddress", "[middlewares.sso.forwardAuth]\ntrustForwardHeader = true\n",
     "middlewares.sso.forwardAuth: missing \"address\"", 1, 1, 29,
     "e.g. address = \"http://127.0.0.1:9091/api/verify\""},
    {"ForwardAuthAddressNotAUrl", "[middlewares.sso.forwardAuth]\naddress = \"auth:9091\"\n",
     "middlewares.sso.forwardAuth.address: \"auth:9091\" is not an http:// URL with a host", 2, 11,
     11, "e.g. address = \"http://127.0.0.1:9091/api/verify\""},
    {"ForwardAuthOverTls", "[middlewares.sso.forwardAuth]\naddress = \"https://auth.test/v\"\n",
     "middlewares.sso.forwardAuth.address: bridge asks auth servers over http:// only", 2, 11, 21,
     nullptr},
    {"ForwardAuthForwardBody",
     "[middlewares.sso.forwardAuth]\naddress = \"http://auth/v\"\nforwardBody = true\n",
     "middlewares.sso.forwardAuth.forwardBody: bridge does not send the request body to the auth "
     "server",
     3, 15, 4, "remove forwardBody"},
    {"IpWhiteListWasRenamed", "[middlewares.office.ipWhiteList]\nsourceRange = [\"10.0.0.0/8\"]\n",
     "middlewares.office: Traefik v3 renamed ipWhiteList to ipAllowList", 1, 21, 11,
     "write ipAllowList"},
    {"CompressUnknownEncoding", "[middlewares.zip.compress]\nencodings = [\"gzip\", \"deflate\"]\n",
     "middlewares.zip.compress.encodings: expected one of gzip, br, zstd, got \"deflate\"", 2, 22,
     9, nullptr},
    {"CompressNoEncoding", "[middlewares.zip.compress]\nencodings = []\n",
     "middlewares.zip.compress.encodings: lists no encoding", 2, 13, 2,
     "e.g. encodings = [\"zstd\", \"br\", \"gzip\"] (first preferred), or remove the middleware"},
    {"CompressDefaultNotInEncodings",
     "[middlewares.zip.compress]\nencodings = [\"gzip\"]\ndefaultEncoding = \"br\"\n",
     "middlewares.zip.compress.defaultEncoding: \"br\" is not in encodings", 3, 19, 4,
     "add it to encodings, or pick one of them"},
    {"CompressIncludedAndExcluded",
     "[middlewares.zip.compress]\nincludedContentTypes = [\"text/html\"]\n"
     "excludedContentTypes = [\"image/png\"]\n",
     "middlewares.zip.compress.includedContentTypes: includedContentTypes and "
     "excludedContentTypes exclude each other",
     2, 24, 13, "keep one of the two lists"},
    {"CompressNotAMediaType", "[middlewares.zip.compress]\nexcludedContentTypes = [\"json\"]\n",
     "middlewares.zip.compress.excludedContentTypes[0]: \"json\" is not a media type", 2, 25, 6,
     "e.g. \"text/event-stream\" or \"application/json\""},
    {"RetryWithoutAttempts", "[middlewares.again.retry]\ninitialInterval = \"50ms\"\n",
     "middlewares.again.retry: missing \"attempts\"", 1, 1, 25,
     "e.g. attempts = 3 (tries in all, the first included)"},
    {"RetryZeroAttempts", "[middlewares.again.retry]\nattempts = 0\n",
     "middlewares.again.retry.attempts: 0 is out of range (1..100)", 2, 12, 1, nullptr},
    {"RetryIntervalNotADuration",
     "[middlewares.again.retry]\nattempts = 3\ninitialInterval = 100\n",
     "middlewares.again.retry.initialInterval: expected a duration string like \"30s\", got an "
     "integer",
     3, 19, 3, "write \"5s\" or \"250ms\""},
    {"UnknownType", "[middlewares.x.header]\nframeDeny = true\n",
     "middlewares.x: unknown middleware type \"header\"", 1, 16, 6, "did you mean \"headers\"?"},
    {"UnknownHeadersOption",
     "[middlewares.cors.headers]\naccessControlAllowOrigin = [\"http://a.test\"]\n",
     "unknown key \"accessControlAllowOrigin\" in middlewares.cors.headers", 2, 1, 24,
     "did you mean \"accessControlAllowOriginList\"?"},
    {"UnknownOptionUnderHttp", "[http.middlewares.strip.stripPrefix]\nprefix = [\"/api\"]\n",
     "unknown key \"prefix\" in http.middlewares.strip.stripPrefix", 2, 1, 6,
     "did you mean \"prefixes\"?"},
    {"CredentialsWithWildcardOrigin",
     "[middlewares.cors.headers]\naccessControlAllowOriginList = [\"*\"]\n"
     "accessControlAllowCredentials = true\n",
     "middlewares.cors.headers.accessControlAllowCredentials: credentials cannot be allowed for "
     "the origin \"*\": browsers refuse such a response",
     3, 33, 4, "list the origins that may send credentials in accessControlAllowOriginList"},
    {"BadOriginRegex",
     "[middlewares.cors.headers]\naccessControlAllowOriginListRegex = [\"http://(.*\"]\n",
     "middlewares.cors.headers.accessControlAllowOriginListRegex: invalid regular expression "
     "\"http://(.*\": missing ): http://(.*",
     2, 38, 12, "regexes use Go's syntax (RE2), as in Traefik"},
    {"BadRedirectRegex", "[middlewares.r.redirectRegex]\nregex = \"^(a\"\nreplacement = \"x\"\n",
     "middlewares.r.redirectRegex.regex: invalid regular expression \"^(a\": missing ): ^(a", 2, 9,
     5, "regexes use Go's syntax (RE2), as in Traefik"},
    {"BadStripPrefixRegex", "[middlewares.s.stripPrefixRegex]\nregex = [\"/ok\", \"/v[0-9\"]\n",
     "middlewares.s.stripPrefixRegex.regex: invalid regular expression \"/v[0-9\": missing ]: "
     "[0-9",
     2, 17, 8, nullptr},
    {"BadReplacePathRegex",
     "[middlewares.p.replacePathRegex]\nregex = \"a**\"\nreplacement = \"/x\"\n",
     "middlewares.p.replacePathRegex.regex: invalid regular expression \"a**\": bad repetition "
     "operator: **",
     2, 9, 5, nullptr},
    {"RouteUnknownMiddleware",
     "[middlewares.cors.headers]\nframeDeny = true\n\n[[routes]]\nname = \"api\"\n"
     "rule = \"PathPrefix(`/api`)\"\nupstream = \"orders\"\nmiddlewares = [\"cors\", \"corz\"]\n",
     "route \"api\": unknown middleware \"corz\"", 8, 24, 6, "did you mean \"cors\"?"},
    {"ListenerUnknownMiddleware",
     "[middlewares.cors.headers]\nframeDeny = true\n\n[[listeners]]\nname = \"web\"\n"
     "middlewares = [\"nothing-like-it\"]\n",
     "listener \"web\": unknown middleware \"nothing-like-it\"", 6, 16, 17, "defined: cors"},
    {"TcpListenerTakesNoHttpMiddlewares",
     "[middlewares.cors.headers]\nframeDeny = true\n\n[[listeners]]\nname = \"pg\"\n"
     "bind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\nmiddlewares = [\"cors\"]\n",
     "listeners.pg.middlewares: does not apply to a TCP listener (protocol = \"tcp\")", 8, 15, 8,
     "TCP routes take [tcp_middlewares] in their own middlewares"},
    {"ChainCycle",
     "[middlewares.a.chain]\nmiddlewares = [\"b\"]\n\n[middlewares.b.chain]\n"
     "middlewares = [\"a\"]\n",
     "middlewares.a.chain: contains itself (through \"b\")", 2, 15, 5,
     "a chain lists other middlewares"},
    {"ChainContainsItselfDirectly",
     "[middlewares.a.chain]\nmiddlewares = [\"x\", \"a\"]\n"
     "[middlewares.x.addPrefix]\nprefix = \"/x\"\n",
     "middlewares.a.chain: contains itself (through \"a\")", 2, 15, 10, nullptr},
    {"ChainUnknownMember",
     "[middlewares.all.chain]\nmiddlewares = [\"strip\", \"strp\"]\n"
     "[middlewares.strip.stripPrefix]\nprefixes = [\"/api\"]\n",
     "middleware \"all\": unknown middleware \"strp\" in its chain", 2, 15, 17,
     "did you mean \"strip\"?"},
    {"DefinedTwice",
     "[middlewares.cors.headers]\nframeDeny = true\n\n[http.middlewares.cors.headers]\n"
     "frameDeny = true\n",
     "http.middlewares.cors: the middleware \"cors\" is defined twice", 4, 19, 4,
     "[middlewares] and [http.middlewares] share one namespace"},
    {"StripPrefixWithoutSlash", "[middlewares.s.stripPrefix]\nprefixes = [\"/ok\", \"api\"]\n",
     "middlewares.s.stripPrefix.prefixes[1]: \"api\" does not start with /", 2, 20, 5,
     "e.g. \"/api\""},
    {"StripPrefixEmpty", "[middlewares.s.stripPrefix]\nprefixes = []\n",
     "middlewares.s.stripPrefix.prefixes: is empty, so nothing would be stripped", 2, 12, 2,
     nullptr},
    {"AddPrefixWithoutSlash", "[middlewares.v.addPrefix]\nprefix = \"v1\"\n",
     "middlewares.v.addPrefix.prefix: \"v1\" does not start with /", 2, 10, 4,
     "e.g. prefix = \"/v1\""},
    {"ReplacePathWithoutSlash", "[middlewares.h.replacePath]\npath = \"health\"\n",
     "middlewares.h.replacePath.path: \"health\" does not start with /", 2, 8, 8, nullptr},
    {"IpAllowListBadRange",
     "[middlewares.o.ipAllowList]\nsourceRange = [\"127.0.0.1\", \"10.0.0.0/33\"]\n",
     "middlewares.o.ipAllowList.sourceRange[1]: invalid address or CIDR \"10.0.0.0/33\"", 2, 29, 13,
     "e.g. \"10.0.0.0/8\", \"192.168.1.7\" or \"::1/128\""},
    {"IpAllowListEmpty", "[middlewares.o.ipAllowList]\nsourceRange = []\n",
     "middlewares.o.ipAllowList.sourceRange: is empty, so no request would pass", 2, 15, 2,
     "list the addresses or CIDRs that may send requests"},
    {"IpAllowListBadExcludedIp",
     "[middlewares.o.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n"
     "ipStrategy = { excludedIPs = [\"10.0.0.300\"] }\n",
     "middlewares.o.ipAllowList.ipStrategy.excludedIPs[0]: invalid address or CIDR "
     "\"10.0.0.300\"",
     3, 31, 12, nullptr},
    {"IpStrategyUnknownKey",
     "[middlewares.o.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n"
     "ipStrategy = { dept = 1 }\n",
     "unknown key \"dept\" in middlewares.o.ipAllowList.ipStrategy", 3, 16, 4,
     "did you mean \"depth\"?"},
    {"IpStrategyDepthAndExcludedIps",
     "[middlewares.o.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\n"
     "ipStrategy = { depth = 1, excludedIPs = [\"10.0.0.0/8\"] }\n",
     "middlewares.o.ipAllowList.ipStrategy.excludedIPs: depth and excludedIPs exclude each other",
     3, 41, 14, "Traefik uses depth when both are set; keep one"},
    {"RejectStatusCodeRange",
     "[middlewares.o.ipAllowList]\nsourceRange = [\"10.0.0.0/8\"]\nrejectStatusCode = 200\n",
     "middlewares.o.ipAllowList.rejectStatusCode: 200 is out of range (400..599)", 3, 20, 3,
     nullptr},
    {"RedirectSchemeBadPort",
     "[middlewares.r.redirectScheme]\nscheme = \"https\"\nport = \"84x3\"\n",
     "middlewares.r.redirectScheme.port: invalid port \"84x3\"", 3, 8, 6,
     "a port number such as \"8443\""},
    {"RedirectSchemeMissingScheme", "[middlewares.r.redirectScheme]\npermanent = true\n",
     "middlewares.r.redirectScheme: missing \"scheme\"", 1, 1, 0, nullptr},
    {"RedirectRegexMissingReplacement", "[middlewares.r.redirectRegex]\nregex = \"^/a\"\n",
     "middlewares.r.redirectRegex: missing \"replacement\"", 1, 1, 0, nullptr},
    {"StripPrefixMissingPrefixes", "[middlewares.s.stripPrefix]\nforceSlash = true\n",
     "middlewares.s.stripPrefix: missing \"prefixes\"", 1, 1, 0, nullptr},
    {"IpAllowListMissingSourceRange", "[middlewares.o.ipAllowList]\nrejectStatusCode = 404\n",
     "middlewares.o.ipAllowList: missing \"sourceRange\"", 1, 1, 0, nullptr},
    {"AddPrefixMissingPrefix", "[middlewares.v.addPrefix]\n",
     "middlewares.v.addPrefix: missing \"prefix\"", 1, 1, 0, nullptr},
    {"MaxAgeNegative", "[middlewares.cors.headers]\naccessControlMaxAge = -1\n",
     "middlewares.cors.headers.accessControlMaxAge: -1 is out of range (0..31536000)", 2, 23, 2,
     nullptr},
    {"InvalidCustomHeaderName",
     "[middlewares.h.headers]\ncustomRequestHeaders = { \"Bad Name\" = \"x\" }\n",
     "middlewares.h.headers.customRequestHeaders: invalid header name \"Bad Name\"", 2, 26, 10,
     "header names are letters, digits and !#$%&'*+-.^_`|~"},
    {"CustomHeaderValueNotAString",
     "[middlewares.h.headers]\ncustomResponseHeaders = { \"X-A\" = 1 }\n",
     "middlewares.h.headers.customResponseHeaders.X-A: expected a string (\"\" removes the "
     "header), got an integer",
     2, 35, 1, nullptr},
    {"FrameDenyNotABoolean", "[middlewares.h.headers]\nframeDeny = \"yes\"\n",
     "middlewares.h.headers.frameDeny: expected a boolean, got a string", 2, 13, 5, nullptr},
    {"UnknownKeyUnderHttp", "[http.routers.web]\nrule = \"Host(`x`)\"\n",
     "unknown key \"routers\" in [http]", 1, 7, 7, nullptr},
    // basicAuth, rateLimit, inFlightReq and their sourceCriterion
    {"BasicAuthPlainPassword",
     "[middlewares.auth.basicAuth]\nusers = [\"alice:$apr1$x$y\", \"x:secret\"]\n",
     "middlewares.auth.basicAuth.users[1]: the hash of user \"x\" is not one bridge checks", 2, 29,
     10, hash_hint},
    {"BasicAuthDesCryptIsNotChecked",
     "[middlewares.auth.basicAuth]\nusers = [\"old:abgOeLfPimXQo\"]\n",
     "middlewares.auth.basicAuth.users[0]: the hash of user \"old\" is not one bridge checks", 2,
     10, 19, hash_hint},
    {"BasicAuthLineWithoutColon", "[middlewares.auth.basicAuth]\nusers = [\"alice\"]\n",
     "middlewares.auth.basicAuth.users[0]: expected \"user:hash\"", 2, 10, 7, hash_hint},
    {"BasicAuthEmptyUserName", "[middlewares.auth.basicAuth]\nusers = [\":$2y$05$abc\"]\n",
     "middlewares.auth.basicAuth.users[0]: expected \"user:hash\"", 2, 10, 13, nullptr},
    {"BasicAuthWithoutUsers", "[middlewares.auth.basicAuth]\nrealm = \"x\"\n",
     "middlewares.auth.basicAuth: needs users or usersFile", 1, 1, 0,
     "e.g. users = [\"alice:$2y$05$...\"] (htpasswd -nB alice)"},
    {"BasicAuthEmptyUsers", "[middlewares.auth.basicAuth]\nusers = []\n",
     "middlewares.auth.basicAuth: needs users or usersFile", 1, 1, 0, nullptr},
    {"BasicAuthRealmWithAQuote",
     "[middlewares.auth.basicAuth]\nusers = [\"a:$apr1$x$y\"]\nrealm = \"a\\\"b\"\n",
     "middlewares.auth.basicAuth.realm: may not contain quotes, backslashes or line breaks", 3, 9,
     6, nullptr},
    {"BasicAuthBadHeaderField",
     "[middlewares.auth.basicAuth]\nusers = [\"a:$apr1$x$y\"]\nheaderField = \"X User\"\n",
     "middlewares.auth.basicAuth.headerField: invalid header name \"X User\"", 3, 15, 8, nullptr},
    {"BasicAuthUnknownOption", "[middlewares.auth.basicAuth]\nuser = [\"a:$apr1$x$y\"]\n",
     "unknown key \"user\" in middlewares.auth.basicAuth", 2, 1, 4, "did you mean \"users\"?"},
    {"RateLimitAverageZero", "[middlewares.rl.rateLimit]\naverage = 0\n",
     "middlewares.rl.rateLimit.average: 0 would let every request through", 2, 11, 1,
     "remove the middleware to turn limiting off"},
    {"RateLimitMissingAverage", "[middlewares.rl.rateLimit]\nburst = 5\n",
     "middlewares.rl.rateLimit: missing \"average\"", 1, 1, 0, nullptr},
    {"RateLimitBurstZero", "[middlewares.rl.rateLimit]\naverage = 5\nburst = 0\n",
     "middlewares.rl.rateLimit.burst: 0 is out of range (1..1000000000)", 3, 9, 1, nullptr},
    {"RateLimitPeriodZeroSeconds", "[middlewares.rl.rateLimit]\naverage = 5\nperiod = 0\n",
     "middlewares.rl.rateLimit.period: 0 is out of range (1..31536000)", 3, 10, 1, nullptr},
    {"RateLimitPeriodZeroDuration", "[middlewares.rl.rateLimit]\naverage = 5\nperiod = \"0s\"\n",
     "middlewares.rl.rateLimit.period: must be more than 0", 3, 10, 4, "e.g. \"30s\""},
    {"RateLimitUnknownOption", "[middlewares.rl.rateLimit]\naverage = 5\nburts = 10\n",
     "unknown key \"burts\" in middlewares.rl.rateLimit", 3, 1, 5, "did you mean \"burst\"?"},
    {"SourceCriterionHostAndHeader",
     "[middlewares.rl.rateLimit]\naverage = 5\nsourceCriterion = { requestHost = true, "
     "requestHeaderName = \"X-User\" }\n",
     "middlewares.rl.rateLimit.sourceCriterion: set one of ipStrategy, requestHeaderName and "
     "requestHost",
     3, 19, 52, nullptr},
    {"SourceCriterionIpStrategyAndHeader",
     "[middlewares.rl.rateLimit]\naverage = 5\nsourceCriterion = { ipStrategy = { depth = 1 }, "
     "requestHeaderName = \"X-User\" }\n",
     "middlewares.rl.rateLimit.sourceCriterion: set one of ipStrategy, requestHeaderName and "
     "requestHost",
     3, 19, 60, nullptr},
    {"SourceCriterionBadHeaderName",
     "[middlewares.rl.rateLimit]\naverage = 5\nsourceCriterion = { requestHeaderName = \"X User\" "
     "}\n",
     "middlewares.rl.rateLimit.sourceCriterion.requestHeaderName: invalid header name \"X User\"",
     3, 41, 8, nullptr},
    {"SourceCriterionUnknownKey",
     "[middlewares.rl.rateLimit]\naverage = 5\nsourceCriterion = { requestHeader = \"X-User\" }\n",
     "unknown key \"requestHeader\" in middlewares.rl.rateLimit.sourceCriterion", 3, 21, 13,
     "did you mean \"requestHeaderName\"?"},
    {"InFlightReqAmountZero", "[middlewares.f.inFlightReq]\namount = 0\n",
     "middlewares.f.inFlightReq.amount: 0 is out of range (1..1000000000)", 2, 10, 1, nullptr},
    {"InFlightReqMissingAmount",
     "[middlewares.f.inFlightReq]\nsourceCriterion = { requestHost = true }\n",
     "middlewares.f.inFlightReq: missing \"amount\"", 1, 1, 0, nullptr},
    {"InFlightReqDepthAndExcludedIps",
     "[middlewares.f.inFlightReq]\namount = 3\nsourceCriterion = { ipStrategy = { depth = 1, "
     "excludedIPs = [\"10.0.0.0/8\"] } }\n",
     "middlewares.f.inFlightReq.sourceCriterion.ipStrategy.excludedIPs: depth and excludedIPs "
     "exclude each other",
     3, 61, 14, "Traefik uses depth when both are set; keep one"},
    {"MisspelledRateLimit", "[middlewares.x.rateLimt]\naverage = 5\n",
     "middlewares.x: unknown middleware type \"rateLimt\"", 1, 16, 8,
     "did you mean \"rateLimit\"?"},
    {"MisspelledInFlightReq", "[middlewares.x.inFlightReqs]\namount = 5\n",
     "middlewares.x: unknown middleware type \"inFlightReqs\"", 1, 16, 12,
     "did you mean \"inFlightReq\"?"},
    {"MisspelledBasicAuth", "[middlewares.x.basicAuht]\nusers = [\"a:$apr1$x$y\"]\n",
     "middlewares.x: unknown middleware type \"basicAuht\"", 1, 16, 9,
     "did you mean \"basicAuth\"?"},
};

// gtest prints the case's name instead of its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class MiddlewareConfigErrors : public ::testing::TestWithParam<Case> {};

TEST_P(MiddlewareConfigErrors, ReportMessageAndPosition) {
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
  EXPECT_EQ(e.where.line, c.line) << e.message;
  if (c.span > 0) {  // 0: a whole table, where only the line is checked
    EXPECT_EQ(e.where.column, c.column) << e.message;
    EXPECT_EQ(e.span, c.span) << e.message;
    EXPECT_FALSE(e.source_line.empty());
  }
  if (c.hint != nullptr) {
    EXPECT_EQ(e.hint, c.hint);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, MiddlewareConfigErrors, ::testing::ValuesIn(cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MiddlewareConfig, ATypeBridgeDoesNotRunNamesTheOnesItDoes) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[middlewares.oops.plugin.demo]\nheader = \"x\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_TRUE(is_types_hint(config.error().hint));
}

// ---- what a valid config decodes to --------------------------------------------------------

TEST(MiddlewareConfig, EveryHeadersOptionDecodes) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.all.headers]
customRequestHeaders = { "X-Env" = "dev", "X-Drop" = "" }
customResponseHeaders = { "X-Served-By" = "bridge" }
accessControlAllowOriginList = ["http://localhost:3000"]
accessControlAllowOriginListRegex = ["https://.*\\.example"]
accessControlAllowMethods = ["GET", "PUT"]
accessControlAllowHeaders = ["Content-Type", "*"]
accessControlExposeHeaders = ["X-Total"]
accessControlAllowCredentials = true
accessControlMaxAge = 600
addVaryHeader = true
allowedHosts = ["app.test"]
hostsProxyHeaders = ["X-Forwarded-Host"]
stsSeconds = 31536000
stsIncludeSubdomains = true
stsPreload = true
forceSTSHeader = true
frameDeny = true
customFrameOptionsValue = "SAMEORIGIN"
contentTypeNosniff = true
browserXssFilter = true
customBrowserXSSValue = "0"
contentSecurityPolicy = "default-src 'self'"
contentSecurityPolicyReportOnly = "script-src 'none'"
publicKey = "pin"
referrerPolicy = "no-referrer"
permissionsPolicy = "camera=()"
isDevelopment = true
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  ASSERT_EQ(config->middlewares.size(), 1u);
  const Middleware& m = config->middlewares[0];
  EXPECT_EQ(m.name, "all");
  EXPECT_EQ(m.type, "headers");
  ASSERT_TRUE(m.headers.has_value());
  EXPECT_FALSE(m.redirect_scheme || m.redirect_regex || m.strip_prefix || m.ip_allow_list ||
               m.chain);
  const HeadersMiddleware& h = *m.headers;
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(h.custom_request_headers, (Pairs{{"X-Env", "dev"}, {"X-Drop", ""}}));
  EXPECT_EQ(h.custom_response_headers, (Pairs{{"X-Served-By", "bridge"}}));
  EXPECT_EQ(h.allow_origin_list, std::vector<std::string>{"http://localhost:3000"});
  EXPECT_EQ(h.allow_origin_list_regex, std::vector<std::string>{"https://.*\\.example"});
  EXPECT_EQ(h.allow_methods, (std::vector<std::string>{"GET", "PUT"}));
  EXPECT_EQ(h.allow_headers, (std::vector<std::string>{"Content-Type", "*"}));
  EXPECT_EQ(h.expose_headers, std::vector<std::string>{"X-Total"});
  EXPECT_TRUE(h.allow_credentials);
  EXPECT_EQ(h.max_age, std::optional<int64_t>(600));
  EXPECT_TRUE(h.add_vary_header);
  EXPECT_EQ(h.allowed_hosts, std::vector<std::string>{"app.test"});
  EXPECT_EQ(h.hosts_proxy_headers, std::vector<std::string>{"X-Forwarded-Host"});
  EXPECT_EQ(h.sts_seconds, 31536000);
  EXPECT_TRUE(h.sts_include_subdomains && h.sts_preload && h.force_sts_header && h.frame_deny &&
              h.content_type_nosniff && h.browser_xss_filter && h.is_development);
  EXPECT_EQ(h.custom_frame_options_value, "SAMEORIGIN");
  EXPECT_EQ(h.custom_browser_xss_value, "0");
  EXPECT_EQ(h.content_security_policy, "default-src 'self'");
  EXPECT_EQ(h.content_security_policy_report_only, "script-src 'none'");
  EXPECT_EQ(h.public_key, "pin");
  EXPECT_EQ(h.referrer_policy, "no-referrer");
  EXPECT_EQ(h.permissions_policy, "camera=()");
  EXPECT_TRUE(h.has_cors());
}

TEST(MiddlewareConfig, NoMaxAgeUnlessSet) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[middlewares.h.headers]\nframeDeny = true\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->middlewares[0].headers->max_age.has_value());
  EXPECT_FALSE(config->middlewares[0].headers->has_cors());
}

TEST(MiddlewareConfig, EveryOtherTypeDecodes) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.to-https.redirectScheme]
scheme = "https"
port = 8443
permanent = true

[middlewares.to-https-str.redirectScheme]
scheme = "https"
port = "443"

[middlewares.moved.redirectRegex]
regex = "^http://localhost/(.*)"
replacement = "http://app.localhost/$1"

[middlewares.strip.stripPrefix]
prefixes = ["/api", "/v1"]
forceSlash = false

[middlewares.strip-re.stripPrefixRegex]
regex = ["/api/v[0-9]+"]

[middlewares.v1.addPrefix]
prefix = "/v1"

[middlewares.health.replacePath]
path = "/healthz"

[middlewares.v2.replacePathRegex]
regex = "^/api/(.*)"
replacement = "/v2/$1"

[middlewares.office.ipAllowList]
sourceRange = ["127.0.0.1/32", "::1"]
ipStrategy = { depth = 2 }
rejectStatusCode = 404

[middlewares.lan.ipAllowList]
sourceRange = ["192.168.0.0/16"]
ipStrategy = { excludedIPs = ["10.0.0.0/8"] }

[middlewares.all.chain]
middlewares = ["strip", "v1"]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  std::vector<std::string> names, types;
  for (const Middleware& m : config->middlewares) {
    names.push_back(m.name);
    types.push_back(m.type);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"to-https", "to-https-str", "moved", "strip", "strip-re",
                                      "v1", "health", "v2", "office", "lan", "all"}));
  EXPECT_EQ(types,
            (std::vector<std::string>{"redirectScheme", "redirectScheme", "redirectRegex",
                                      "stripPrefix", "stripPrefixRegex", "addPrefix", "replacePath",
                                      "replacePathRegex", "ipAllowList", "ipAllowList", "chain"}));
  const auto* scheme = config->find_middleware("to-https");
  ASSERT_TRUE(scheme && scheme->redirect_scheme);
  EXPECT_EQ(scheme->redirect_scheme->scheme, "https");
  EXPECT_EQ(scheme->redirect_scheme->port, "8443");  // a number is taken as Traefik's string
  EXPECT_TRUE(scheme->redirect_scheme->permanent);
  EXPECT_EQ(config->find_middleware("to-https-str")->redirect_scheme->port, "443");
  EXPECT_FALSE(config->find_middleware("to-https-str")->redirect_scheme->permanent);
  const auto* moved = config->find_middleware("moved");
  ASSERT_TRUE(moved && moved->redirect_regex);
  EXPECT_EQ(moved->redirect_regex->regex, "^http://localhost/(.*)");
  EXPECT_EQ(moved->redirect_regex->replacement, "http://app.localhost/$1");
  EXPECT_EQ(*config->find_middleware("strip")->strip_prefix,
            (std::vector<std::string>{"/api", "/v1"}));
  EXPECT_EQ(*config->find_middleware("strip-re")->strip_prefix_regex,
            std::vector<std::string>{"/api/v[0-9]+"});
  EXPECT_EQ(*config->find_middleware("v1")->add_prefix, "/v1");
  EXPECT_EQ(*config->find_middleware("health")->replace_path, "/healthz");
  EXPECT_EQ(*config->find_middleware("v2")->replace_path_regex,
            (std::pair<std::string, std::string>{"^/api/(.*)", "/v2/$1"}));
  const auto* office = config->find_middleware("office");
  ASSERT_TRUE(office && office->ip_allow_list);
  EXPECT_EQ(office->ip_allow_list->source_range, (std::vector<std::string>{"127.0.0.1/32", "::1"}));
  EXPECT_EQ(office->ip_allow_list->depth, 2);
  EXPECT_TRUE(office->ip_allow_list->excluded_ips.empty());
  EXPECT_EQ(config->find_middleware("lan")->ip_allow_list->excluded_ips,
            std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(office->ip_allow_list->reject_status_code, 404);
  EXPECT_EQ(config->find_middleware("lan")->ip_allow_list->reject_status_code, 403);
  EXPECT_EQ(config->find_middleware("lan")->ip_allow_list->depth, 0);
  EXPECT_EQ(*config->find_middleware("all")->chain, (std::vector<std::string>{"strip", "v1"}));
  EXPECT_EQ(config->find_middleware("nope"), nullptr);
}

TEST(MiddlewareConfig, CompressAndRetryDecodeWithTraefiksDefaults) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.zip.compress]

[middlewares.zip-some.compress]
encodings = ["zstd", "br"]
defaultEncoding = "br"
minResponseBodyBytes = 200
excludedContentTypes = ["text/event-stream"]

[http.middlewares.again.retry]
attempts = 4
initialInterval = "250ms"

[middlewares.once.retry]
attempts = 1
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const auto* zip = config->find_middleware("zip");
  ASSERT_TRUE(zip && zip->compress);
  EXPECT_EQ(zip->type, "compress");
  EXPECT_EQ(zip->compress->encodings, (std::vector<std::string>{"gzip", "br", "zstd"}));
  EXPECT_EQ(zip->compress->default_encoding, "");
  EXPECT_EQ(zip->compress->min_response_body_bytes, 1024);
  EXPECT_TRUE(zip->compress->included_content_types.empty());
  EXPECT_TRUE(zip->compress->excluded_content_types.empty());
  const auto* some = config->find_middleware("zip-some");
  ASSERT_TRUE(some && some->compress);
  EXPECT_EQ(some->compress->encodings, (std::vector<std::string>{"zstd", "br"}));
  EXPECT_EQ(some->compress->default_encoding, "br");
  EXPECT_EQ(some->compress->min_response_body_bytes, 200);
  EXPECT_EQ(some->compress->excluded_content_types, std::vector<std::string>{"text/event-stream"});
  const auto* again = config->find_middleware("again");
  ASSERT_TRUE(again && again->retry);
  EXPECT_EQ(again->retry->attempts, 4);
  EXPECT_EQ(again->retry->initial_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(config->find_middleware("once")->retry->initial_interval,
            std::chrono::milliseconds(100));
}

TEST(MiddlewareConfig, GrpcWebTakesOriginsAndTheWildcard) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[http.middlewares.web.grpcWeb]
allowOrigins = ["http://localhost:5173", "https://app.test:8443"]

[middlewares.any.grpcWeb]
allowOrigins = ["*"]

[middlewares.none.grpcWeb]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const auto* web = config->find_middleware("web");
  ASSERT_TRUE(web && web->grpc_web);
  EXPECT_EQ(web->type, "grpcWeb");
  EXPECT_EQ(web->grpc_web->allow_origins,
            (std::vector<std::string>{"http://localhost:5173", "https://app.test:8443"}));
  EXPECT_EQ(config->find_middleware("any")->grpc_web->allow_origins, std::vector<std::string>{"*"});
  EXPECT_TRUE(config->find_middleware("none")->grpc_web->allow_origins.empty());
}

TEST(MiddlewareConfig, BufferingDecodesWithTraefiksDefaults) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.hold.buffering]
maxRequestBodyBytes = 2000000
memRequestBodyBytes = 2097152
maxResponseBodyBytes = 10485760
memResponseBodyBytes = 0
retryExpression = "IsNetworkError() && Attempts() < 2 || ResponseCode() == 503"

[middlewares.plain.buffering]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const auto* hold = config->find_middleware("hold");
  ASSERT_TRUE(hold && hold->buffering);
  EXPECT_EQ(hold->type, "buffering");
  EXPECT_EQ(hold->buffering->max_request_body_bytes, 2000000);
  EXPECT_EQ(hold->buffering->mem_request_body_bytes, 2097152);
  EXPECT_EQ(hold->buffering->max_response_body_bytes, 10485760);
  EXPECT_EQ(hold->buffering->mem_response_body_bytes, 0);
  ASSERT_TRUE(hold->buffering->retry);
  EXPECT_EQ(describe(*hold->buffering->retry),
            "IsNetworkError() && Attempts() < 2 || ResponseCode() == 503");
  const auto* plain = config->find_middleware("plain");
  ASSERT_TRUE(plain && plain->buffering);
  EXPECT_EQ(plain->buffering->max_request_body_bytes, 0);  // no limit
  EXPECT_EQ(plain->buffering->mem_request_body_bytes, 1048576);
  EXPECT_EQ(plain->buffering->max_response_body_bytes, 0);
  EXPECT_EQ(plain->buffering->mem_response_body_bytes, 1048576);
  EXPECT_FALSE(plain->buffering->retry);
}

TEST(MiddlewareConfig, CircuitBreakerExpressionsParseWithTraefiksPrecedence) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.cb.circuitBreaker]
expression = "NetworkErrorRatio() > 0.30 || ResponseCodeRatio(500, 600, 0, 600) > 0.25 && LatencyAtQuantileMS(50.0) >= 100"
checkPeriod = "50ms"
fallbackDuration = "5s"
recoveryDuration = "2s"
responseCode = 429

[middlewares.cb-default.circuitBreaker]
expression = "!(NetworkErrorRatio() <= 0.5)"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const auto* cb = config->find_middleware("cb");
  ASSERT_TRUE(cb && cb->circuit_breaker);
  const auto& e = cb->circuit_breaker->parsed;
  ASSERT_EQ(e.kind, BreakerExpression::Kind::Or);  // && binds tighter
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[1].kind, BreakerExpression::Kind::And);
  EXPECT_EQ(describe(e), "NetworkErrorRatio() > 0.3 || ResponseCodeRatio(500, 600, 0, 600) > "
                         "0.25 && LatencyAtQuantileMS(50) >= 100");
  EXPECT_EQ(cb->circuit_breaker->check_period, std::chrono::milliseconds(50));
  EXPECT_EQ(cb->circuit_breaker->fallback_duration, std::chrono::seconds(5));
  EXPECT_EQ(cb->circuit_breaker->recovery_duration, std::chrono::seconds(2));
  EXPECT_EQ(cb->circuit_breaker->response_code, 429);
  const auto* plain = config->find_middleware("cb-default");
  EXPECT_EQ(describe(plain->circuit_breaker->parsed), "!(NetworkErrorRatio() <= 0.5)");
  EXPECT_EQ(plain->circuit_breaker->check_period, std::chrono::milliseconds(100));
  EXPECT_EQ(plain->circuit_breaker->fallback_duration, std::chrono::seconds(10));
  EXPECT_EQ(plain->circuit_breaker->response_code, 503);
}

TEST(MiddlewareConfig, TraefiksHttpNestingAndBridgesShareOneNamespace) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[http.middlewares.api-cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]

[http.middlewares.secure.headers]
frameDeny = true

[middlewares.strip.stripPrefix]
prefixes = ["/api"]

[middlewares.both.chain]
middlewares = ["api-cors", "strip"]

[[routes]]
name = "api"
rule = "PathPrefix(`/api`)"
upstream = "orders"
middlewares = ["both", "secure"]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  ASSERT_NE(config->find_middleware("api-cors"), nullptr);
  EXPECT_EQ(config->find_middleware("api-cors")->headers->allow_origin_list,
            std::vector<std::string>{"http://localhost:3000"});
  ASSERT_NE(config->find_middleware("secure"), nullptr);
  EXPECT_TRUE(config->find_middleware("secure")->headers->frame_deny);
  EXPECT_EQ(config->middlewares.size(), 4u);
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].middlewares, (std::vector<std::string>{"both", "secure"}));
  EXPECT_EQ(where(config->origin("http.middlewares.api-cors.headers.accessControlAllowOriginList")),
            dir.file("dev.toml") + ":3:32");
}

TEST(MiddlewareConfig, RoutesAndListenersNameTheirMiddlewaresInOrder) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[[listeners]]
name = "web"
middlewares = ["secure", "to-https"]

[[routes]]
name = "api"
rule = "PathPrefix(`/api`)"
upstream = "orders"
middlewares = ["cors", "strip"]

[[routes]]
name = "plain"
rule = "PathPrefix(`/`)"
upstream = "orders"

[middlewares.secure.headers]
frameDeny = true

[middlewares.to-https.redirectScheme]
scheme = "https"

[middlewares.cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]

[middlewares.strip.stripPrefix]
prefixes = ["/api"]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  ASSERT_NE(config->find_listener("web"), nullptr);
  EXPECT_EQ(config->find_listener("web")->middlewares,
            (std::vector<std::string>{"secure", "to-https"}));
  ASSERT_EQ(config->routes.size(), 2u);
  EXPECT_EQ(config->routes[0].middlewares, (std::vector<std::string>{"cors", "strip"}));
  EXPECT_TRUE(config->routes[1].middlewares.empty());
}

// Traefik's documentation writes group references as ${1}: a block pasted from it must load
// with the reference intact (no environment variable is named "1"), as the decoder's own hint
// (replacement = "http://app.localhost/${1}") suggests.
TEST(MiddlewareConfig, TraefiksBracedGroupReferencesLoadAsWritten) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.moved.redirectRegex]
regex = "^http://localhost/(.*)"
replacement = "http://app.localhost/${1}"

[middlewares.v2.replacePathRegex]
regex = "^/api/(.*)"
replacement = "/v2/${1}"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->find_middleware("moved")->redirect_regex->replacement,
            "http://app.localhost/${1}");
  EXPECT_EQ(config->find_middleware("v2")->replace_path_regex->second, "/v2/${1}");
}

// Named references (${name}) read like bridge's own ${VAR}: "$${" writes them.
TEST(MiddlewareConfig, DollarDollarBraceWritesANamedGroupReference) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.moved.redirectRegex]
regex = "^http://(?P<host>[^/]+)/(.*)"
replacement = "https://$${host}/$2"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->find_middleware("moved")->redirect_regex->replacement, "https://${host}/$2");
}

// ---- layering -------------------------------------------------------------------------------

constexpr std::string_view base_with_cors = R"toml(
[middlewares.cors.headers]
accessControlAllowOriginList = ["http://localhost:3000"]
accessControlAllowMethods = ["GET"]
accessControlMaxAge = 100

[[routes]]
name = "api"
rule = "PathPrefix(`/api`)"
upstream = "orders"
middlewares = ["cors"]
)toml";

TEST(MiddlewareConfigLayering, AProfileOverridesOneOptionAndKeepsTheRest) {
  TempConfigDir dir;
  dir.write("base.toml", std::string(minimal_base) + std::string(base_with_cors));
  dir.write("staging.toml",
            "[middlewares.cors.headers]\naccessControlAllowOriginList = "
            "[\"https://staging.example\"]\naccessControlAllowCredentials = true\n");
  auto config = dir.load("staging");
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  ASSERT_EQ(config->middlewares.size(), 1u);
  const HeadersMiddleware& h = *config->middlewares[0].headers;
  EXPECT_EQ(h.allow_origin_list, std::vector<std::string>{"https://staging.example"});
  EXPECT_EQ(h.allow_methods, std::vector<std::string>{"GET"});
  EXPECT_EQ(h.max_age, std::optional<int64_t>(100));
  EXPECT_TRUE(h.allow_credentials);
  EXPECT_EQ(where(config->origin("middlewares.cors.headers.accessControlAllowOriginList")),
            dir.file("staging.toml") + ":2:32");
  EXPECT_EQ(where(config->origin("middlewares.cors.headers.accessControlMaxAge")),
            dir.file("base.toml") + ":14:23");

  // The base alone keeps its own.
  auto dev = dir.load();
  ASSERT_TRUE(dev) << dev.error().message;
  EXPECT_EQ(dev->middlewares[0].headers->allow_origin_list,
            std::vector<std::string>{"http://localhost:3000"});
  EXPECT_FALSE(dev->middlewares[0].headers->allow_credentials);
}

TEST(MiddlewareConfigLayering, AProfileAddsMiddlewaresAndChangesARoutesList) {
  TempConfigDir dir;
  dir.write("base.toml", std::string(minimal_base) + std::string(base_with_cors));
  dir.write("dev.toml", "[middlewares.strip.stripPrefix]\nprefixes = [\"/api\"]\n\n"
                        "[[routes]]\nname = \"api\"\nmiddlewares = [\"strip\", \"cors\"]\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->middlewares.size(), 2u);
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].middlewares, (std::vector<std::string>{"strip", "cors"}));
  EXPECT_EQ(config->routes[0].rule, "PathPrefix(`/api`)");
}

TEST(MiddlewareConfigLayering, SetOverridesAnOption) {
  TempConfigDir dir;
  dir.write("base.toml", std::string(minimal_base) + std::string(base_with_cors));
  auto config = dir.load("dev", {"middlewares.cors.headers.accessControlMaxAge=5"});
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->middlewares[0].headers->max_age, std::optional<int64_t>(5));
  EXPECT_EQ(config->middlewares[0].headers->allow_origin_list,
            std::vector<std::string>{"http://localhost:3000"});
}

TEST(MiddlewareConfigLayering, TheCredentialsCheckSeesTheLayeredResult) {
  // Neither file alone is wrong; together they allow credentials for "*".
  TempConfigDir dir;
  dir.write("base.toml", std::string(minimal_base) +
                             "[middlewares.cors.headers]\naccessControlAllowCredentials = true\n"
                             "accessControlAllowOriginList = [\"http://a.test\"]\n");
  dir.write("dev.toml", "[middlewares.cors.headers]\naccessControlAllowOriginList = [\"*\"]\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message,
            "middlewares.cors.headers.accessControlAllowCredentials: credentials cannot be "
            "allowed for the origin \"*\": browsers refuse such a response");
  EXPECT_EQ(config.error().where.source, dir.file("base.toml"));
}

TEST(MiddlewareConfigLayering, TwoTypesForOneNameAreAnError) {
  // A profile cannot turn a middleware into another type by adding one: the layered entry
  // would have both.
  TempConfigDir dir;
  dir.write("base.toml",
            std::string(minimal_base) + "[middlewares.m.stripPrefix]\nprefixes = [\"/api\"]\n");
  dir.write("dev.toml", "[middlewares.m.addPrefix]\nprefix = \"/v1\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "middlewares.m: needs exactly one middleware type");
  EXPECT_TRUE(is_types_hint(config.error().hint));
}

TEST(MiddlewareConfig, AMiddlewareWithoutATypeIsAnError) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[middlewares]\nempty = {}\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "middlewares.empty: needs exactly one middleware type");
  EXPECT_EQ(config.error().where.source, dir.file("dev.toml"));
  EXPECT_EQ(config.error().where.line, 2);
}

TEST(MiddlewareConfig, MiddlewaresMustBeATable) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "middlewares = [\"cors\"]\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "middlewares: expected a table of named middlewares");
  EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":1:15");
}

// ---- basicAuth, rateLimit, inFlightReq ------------------------------------------------------

TEST(MiddlewareConfig, TheTypesHintNamesEveryTypeBridgeRuns) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[middlewares.oops.plugin.demo]\nheader = \"x\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  for (const char* type : {"basicAuth", "forwardAuth", "rateLimit", "inFlightReq", "ipAllowList",
                           "circuitBreaker", "compress", "retry", "buffering", "grpcWeb", "chain"})
    EXPECT_NE(config.error().hint.find(type), std::string::npos)
        << type << " missing from: " << config.error().hint;
}

TEST(MiddlewareConfig, AuthAndLimitOptionsDecode) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.auth.basicAuth]
users = ["alice:$2y$05$Ih3NFtGenfwqERvq49hh.ekNmgCqDEHLYDuqkTPUMWn8eUj/rDT7O", "bob:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="]
realm = "staging admin"
headerField = "X-WebAuth-User"
removeHeader = true

[middlewares.plain-auth.basicAuth]
users = ["carol:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f.", "dave:$6$xy$cJxfgXwMfPCN84ksCrOM/Ra0NtbYlxRgbwg2IlW7VdoemB1gcIphC64LZq.rmdsObgp.8dxGZGYQbVk8POaIB0"]

[middlewares.rl.rateLimit]
average = 100
period = "1m"
burst = 50
sourceCriterion = { requestHeaderName = "X-Api-Key" }

[middlewares.rl-seconds.rateLimit]
average = 3
period = 10

[middlewares.rl-default.rateLimit]
average = 7

[middlewares.rl-host.rateLimit]
average = 1
sourceCriterion = { requestHost = true }

[middlewares.rl-depth.rateLimit]
average = 1
sourceCriterion = { ipStrategy = { depth = 2 } }

[middlewares.rl-excluded.rateLimit]
average = 1
sourceCriterion = { ipStrategy = { excludedIPs = ["10.0.0.0/8", "192.168.1.1"] } }

[middlewares.few.inFlightReq]
amount = 4
sourceCriterion = { requestHeaderName = "X-User" }

[middlewares.few-default.inFlightReq]
amount = 1
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  const Middleware* auth = config->find_middleware("auth");
  ASSERT_TRUE(auth && auth->basic_auth) << "auth";
  EXPECT_EQ(auth->type, "basicAuth");
  EXPECT_EQ(auth->basic_auth->users,
            (Pairs{{"alice", "$2y$05$Ih3NFtGenfwqERvq49hh.ekNmgCqDEHLYDuqkTPUMWn8eUj/rDT7O"},
                   {"bob", "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="}}));
  EXPECT_EQ(auth->basic_auth->realm, "staging admin");
  EXPECT_EQ(auth->basic_auth->header_field, "X-WebAuth-User");
  EXPECT_TRUE(auth->basic_auth->remove_header);
  EXPECT_TRUE(auth->basic_auth->users_file.empty());
  const Middleware* plain = config->find_middleware("plain-auth");
  ASSERT_TRUE(plain && plain->basic_auth);
  EXPECT_EQ(plain->basic_auth->realm, "bridge");
  EXPECT_EQ(plain->basic_auth->header_field, "");
  EXPECT_FALSE(plain->basic_auth->remove_header);
  EXPECT_EQ(plain->basic_auth->users.size(), 2u);

  const Middleware* rl = config->find_middleware("rl");
  ASSERT_TRUE(rl && rl->rate_limit);
  EXPECT_EQ(rl->type, "rateLimit");
  EXPECT_EQ(rl->rate_limit->average, 100);
  EXPECT_EQ(rl->rate_limit->period, std::chrono::milliseconds(60'000));
  EXPECT_EQ(rl->rate_limit->burst, 50);
  EXPECT_EQ(rl->rate_limit->source.request_header_name, "X-Api-Key");
  EXPECT_FALSE(rl->rate_limit->source.request_host);
  // A bare number is seconds (Traefik).
  EXPECT_EQ(config->find_middleware("rl-seconds")->rate_limit->period,
            std::chrono::milliseconds(10'000));
  const auto& defaults = *config->find_middleware("rl-default")->rate_limit;
  EXPECT_EQ(defaults.average, 7);
  EXPECT_EQ(defaults.period, std::chrono::milliseconds(1000));
  EXPECT_EQ(defaults.burst, 1);
  EXPECT_EQ(defaults.source.depth, 0);
  EXPECT_TRUE(defaults.source.excluded_ips.empty());
  EXPECT_TRUE(defaults.source.request_header_name.empty());
  EXPECT_FALSE(defaults.source.request_host);
  EXPECT_TRUE(config->find_middleware("rl-host")->rate_limit->source.request_host);
  EXPECT_EQ(config->find_middleware("rl-depth")->rate_limit->source.depth, 2);
  EXPECT_EQ(config->find_middleware("rl-excluded")->rate_limit->source.excluded_ips,
            (std::vector<std::string>{"10.0.0.0/8", "192.168.1.1"}));

  const Middleware* few = config->find_middleware("few");
  ASSERT_TRUE(few && few->in_flight_req);
  EXPECT_EQ(few->type, "inFlightReq");
  EXPECT_EQ(few->in_flight_req->amount, 4);
  EXPECT_EQ(few->in_flight_req->source.request_header_name, "X-User");
  EXPECT_EQ(config->find_middleware("few-default")->in_flight_req->amount, 1);
  EXPECT_TRUE(
      config->find_middleware("few-default")->in_flight_req->source.request_header_name.empty());
}

// An htpasswd file as htpasswd writes it, with comments, a blank line and a CRLF line.
constexpr std::string_view users_file_text = "# staging admins\n"
                                             "\n"
                                             "alice:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f.\r\n"
                                             "carol:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=\n";

TEST(MiddlewareConfig, UsersFileIsReadNextToTheConfigAndItsLinesWin) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("auth/users.htpasswd", users_file_text);
  dir.write("dev.toml", R"toml(
[middlewares.auth.basicAuth]
users = ["alice:$2y$05$Ih3NFtGenfwqERvq49hh.ekNmgCqDEHLYDuqkTPUMWn8eUj/rDT7O", "bob:$1$xy$sCW6WZJsSz7hVuvH0BCaf."]
usersFile = "auth/users.htpasswd"
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  const BasicAuthMiddleware& auth = *config->find_middleware("auth")->basic_auth;
  EXPECT_EQ(auth.users_file, dir.file("auth/users.htpasswd"));
  auto users = auth.users;
  std::sort(users.begin(), users.end());
  EXPECT_EQ(users, (std::vector<std::pair<std::string, std::string>>{
                       {"alice", "$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f."},
                       {"bob", "$1$xy$sCW6WZJsSz7hVuvH0BCaf."},
                       {"carol", "{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM="}}));
}

TEST(MiddlewareConfig, UsersFileAloneAndByAbsolutePath) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("users", users_file_text);
  dir.write("dev.toml",
            "[middlewares.auth.basicAuth]\nusersFile = \"" + dir.file("users") + "\"\n");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->find_middleware("auth")->basic_auth->users.size(), 2u);
}

TEST(MiddlewareConfig, UsersFileThatCannotBeRead) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml",
            "[middlewares.auth.basicAuth]\nrealm = \"x\"\nusersFile = \"nope.htpasswd\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "middlewares.auth.basicAuth.usersFile: cannot read \"" +
                                        dir.file("nope.htpasswd") + "\"");
  EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":3:13");
  EXPECT_EQ(config.error().hint, "write it with htpasswd -cB FILE USER");
}

TEST(MiddlewareConfig, UsersFileBadLinesNameTheFileAndLine) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", "[middlewares.auth.basicAuth]\nusersFile = \"users\"\n");
  struct BadFile {
    std::string text;
    std::string why;
  };
  for (const BadFile& bad : {
           BadFile{"# admins\nalice:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f.\n\nbob:plaintext\n",
                   ":4: the hash of user \"bob\" is not one bridge checks"},
           BadFile{"alice:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f.\nno colon here\n",
                   ":2: expected \"user:hash\""},
           BadFile{"\r\n:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f.\r\n", ":2: expected \"user:hash\""},
       }) {
    dir.write("users", bad.text);
    auto config = dir.load();
    ASSERT_FALSE(config) << bad.text;
    EXPECT_EQ(config.error().message,
              "middlewares.auth.basicAuth.usersFile: " + dir.file("users") + bad.why);
    EXPECT_EQ(where(config.error().where), dir.file("dev.toml") + ":2:13");
    EXPECT_EQ(config.error().hint, hash_hint);
  }
}

TEST(MiddlewareConfig, AUsersFileWithOnlyCommentsLeavesNoUsers) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("users", "# nobody yet\n\n");
  dir.write("dev.toml", "[middlewares.auth.basicAuth]\nusersFile = \"users\"\n");
  auto config = dir.load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, "middlewares.auth.basicAuth.usersFile: \"" + dir.file("users") +
                                        "\" has no users, so no request would pass");
}

// A route and a listener name the new types like any other.
TEST(MiddlewareConfig, RoutesAndListenersUseAuthAndLimits) {
  TempConfigDir dir;
  dir.write("base.toml", minimal_base);
  dir.write("dev.toml", R"toml(
[middlewares.rate.rateLimit]
average = 50
burst = 100

[middlewares.flight.inFlightReq]
amount = 20

[middlewares.limits.chain]
middlewares = ["rate", "flight"]

[middlewares.auth.basicAuth]
users = ["dev:$apr1$vj7i287Y$Vk5IFkRhz9xWZC.7sd7.f."]

[[listeners]]
name = "web"
middlewares = ["limits"]

[[routes]]
name = "admin"
rule = "PathPrefix(`/admin`)"
upstream = "orders"
middlewares = ["auth"]
)toml");
  auto config = dir.load();
  ASSERT_TRUE(config) << config.error().where.str() << ": " << config.error().message;
  EXPECT_EQ(config->find_listener("web")->middlewares, std::vector<std::string>{"limits"});
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].middlewares, std::vector<std::string>{"auth"});
}
}  // namespace
}  // namespace bridge::config::test
