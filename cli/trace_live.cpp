// bridge route test --live: sends the request through the running bridge, then prints the
// record the bridge kept for it (GET /v1/requests/{id}), like `bridge trace show`.
#include "print.hpp"
#include "trace_common.hpp"

#include <boost/beast/core/string.hpp>
#include <thread>

namespace bridge::cli {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct LiveRequest {
  std::string method = "GET";
  std::string authority;
  std::string target;
  AdminAddress address;  // where to connect
  Headers headers;
};

Result<LiveRequest> parse_live(const std::vector<std::string>& positional,
                               const std::vector<std::string>& header_args) {
  LiveRequest req;
  const std::string& url = positional.back();
  if (positional.size() == 2) req.method = positional.front();
  if (url.rfind("https://", 0) == 0) {
    return Error::not_available(
        "--live sends plain HTTP; \"" + url + "\" is https",
        "send it with curl -k, then run `bridge trace show ID` with its X-Request-ID");
  }
  if (url.rfind("http://", 0) != 0) {
    return Error::usage("\"" + url + "\" is not an http:// URL",
                        "write it as http://HOST[:PORT]/PATH, e.g. http://localhost:8080/api");
  }
  std::string rest = url.substr(7);
  auto slash = rest.find_first_of("/?");
  req.authority = rest.substr(0, slash);
  req.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (req.target.front() == '?') req.target = "/" + req.target;
  std::string hostport = req.authority;
  bool has_port = hostport.rfind(':') != std::string::npos &&
                  hostport.find(']', hostport.rfind(':')) == std::string::npos;
  if (!has_port) hostport += ":80";
  auto address = parse_admin_address(hostport, "URL");
  if (!address) return address.error();
  req.address = *address;
  // Like curl and browsers: *.localhost is loopback without asking DNS.
  std::string host = req.address.host;
  if (host == "localhost" || (host.size() > 10 && host.ends_with(".localhost"))) {
    req.address.host = "127.0.0.1";
  }
  req.headers.emplace_back("Host", req.authority);
  auto parsed = parse_header_args(header_args);
  if (!parsed) return parsed.error();
  req.headers.insert(req.headers.end(), parsed->begin(), parsed->end());
  return req;
}

std::string header_value(const Headers& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (boost::beast::iequals(k, name)) return v;
  }
  return "";
}

// The record is stored when the exchange ends, which can be a moment after the client has
// its answer: retry 404 briefly.
AdminResult<AdminResponse> fetch_record(const AdminEndpoint& endpoint, const std::string& id) {
  for (int attempt = 0;; ++attempt) {
    auto answer = admin_request_sync(endpoint, "GET", "/v1/requests/" + url_encode(id));
    if (!answer || answer->status != 404 || attempt == 40) return answer;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

int run_route_test_live(const GlobalOptions& global, const std::string& admin,
                        const std::vector<std::string>& positional,
                        const std::vector<std::string>& header_args, bool as_json) {
  auto parsed = parse_live(positional, header_args);
  if (!parsed) {
    print_error(parsed.error());
    return parsed.error().exit_status();
  }
  auto resolved = resolve_admin(global, admin);
  if (!resolved.endpoint) return resolved.exit_status;
  const LiveRequest& req = *parsed;
  auto sent = admin_request_sync(AdminEndpoint{req.address, ""}, req.method, req.target,
                                 std::nullopt, req.headers);
  if (!sent) {
    const Error& e = sent.error().error;
    print_error(sent.error().unreachable
                    ? Error::runtime("nothing answers at http://" + req.address.authority() +
                                         " — is `bridge up` running with a listener there?",
                                     "`bridge route list` shows the routes; the banner of "
                                     "`bridge up` shows its listeners")
                    : e);
    return exit_failure;
  }
  std::string id = header_value(sent->headers, resolved.request_id_header);
  if (id.empty()) {
    print_error(Error::runtime(
        "the answer (" + std::to_string(sent->status) + ") has no " + resolved.request_id_header +
            " header, so it did not come through bridge",
        "check the URL points at a bridge listener (the banner of `bridge up` lists them)"));
    return exit_failure;
  }
  auto record = fetch_record(*resolved.endpoint, id);
  if (!record) return report_failure(record.error());
  if (record->status != 200) {
    return report_http_error(*resolved.endpoint, *record, "GET /v1/requests/" + id);
  }
  if (as_json) {
    print_line(terminal_safe_json(record->body.dump(2)));
    return exit_ok;
  }
  bool c = stdout_colour();
  print_line(paint("sent ", Colour::Dim, c) + req.method + " http://" + req.authority + req.target +
             paint(" → ", Colour::Dim, c) + paint_status(sent->status, c) +
             paint("  " + resolved.request_id_header + ": " + id, Colour::Dim, c));
  print_line("");
  print_record(record->body, c);
  return exit_ok;
}

}  // namespace bridge::cli
