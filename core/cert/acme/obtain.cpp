// obtain(): one ACME issuance on its own io_context, files written only at the very end.
#include "cert/acme/account.hpp"
#include "cert/acme/flow.hpp"
#include "cert/cert.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <optional>

namespace bridge::cert::acme {

namespace asio = boost::asio;
using namespace cert::detail;
using namespace acme::detail;

Result<std::string> directory_url(const std::string& name) {
  if (name.empty() || name == "staging") return std::string(staging_directory);
  if (name == "production") return std::string(production_directory);
  if (name.rfind("https://", 0) == 0) return name;
  return Error::usage("unknown --directory \"" + name + "\"",
                      "use staging (default), production or an https:// directory URL");
}

namespace {

Result<void> check_names(const std::vector<std::string>& names) {
  auto parsed = parse_names(names);
  if (!parsed) return parsed.error();
  for (const auto& n : *parsed) {
    if (n.kind == NameKind::Wildcard) {
      return Error::usage("\"" + n.text +
                              "\" is a wildcard: ACME issues wildcards only over "
                              "DNS-01, which bridge does not serve",
                          "list the names you need, or use bridge cert issue for local names");
    }
  }
  return {};
}

// The chain must be PEM and its leaf must carry our key; only then are files replaced.
Result<Obtained> write_result(const Options& options, const Issued& issued) {
  auto certs = certs_from_pem(issued.chain_pem, "the downloaded chain");
  if (!certs) return certs.error();
  if (X509_check_private_key(certs->front().get(), issued.key.get()) != 1) {
    openssl_error();
    return Error::runtime("the ACME server returned a certificate for another key");
  }
  auto parsed = parse_names(options.names);
  std::string stem = options.stem.empty() ? file_stem(*parsed) : options.stem;
  std::string dir = options.out_dir.empty() ? "." : options.out_dir;
  if (!std::filesystem::is_directory(dir)) {
    return Error::runtime("output directory " + dir + " does not exist", "create it first");
  }
  Obtained out;
  out.cert_path = dir + "/" + stem + ".pem";
  out.key_path = dir + "/" + stem + "-key.pem";
  if (auto r = write_file_atomic(out.key_path, key_to_pem(issued.key.get()), 0600); !r) {
    return r.error();
  }
  if (auto r = write_file_atomic(out.cert_path, issued.chain_pem, 0644); !r) return r.error();
  out.names = options.names;
  out.not_after = to_time_t(X509_get0_notAfter(certs->front().get()));
  return out;
}

struct Responders {
  std::unique_ptr<Http01Responder> http;
  std::unique_ptr<TlsAlpnResponder> tls_alpn;
};

Result<Responders> start_responders(asio::io_context& io, const Options& options) {
  Responders r;
  if (options.challenge == Challenge::Http01 && options.http01_publish) return r;  // not ours
  if (options.challenge == Challenge::Http01) {
    auto http =
        Http01Responder::start(io.get_executor(), options.listen_address, options.http_port);
    if (!http) return http.error();
    r.http = std::move(*http);
  } else {
    auto alpn =
        TlsAlpnResponder::start(io.get_executor(), options.listen_address, options.tls_port);
    if (!alpn) return alpn.error();
    r.tls_alpn = std::move(*alpn);
  }
  return r;
}

// Runs the order until it finishes, the timeout passes, or options.cancel is set; short slices
// so that a cancel (bridge up shutting down) is seen within about 100 ms.
void run_until_done(asio::io_context& io, const std::optional<Result<Issued>>& issued,
                    const Options& options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout + std::chrono::seconds(5);
  while (!issued && !io.stopped() && std::chrono::steady_clock::now() < deadline) {
    if (options.cancel != nullptr && options.cancel->load()) return;
    io.run_for(std::chrono::milliseconds(100));
  }
}

asio::awaitable<Result<Issued>> run_all(Flow& flow, std::string url, bool& created) {
  flow.say("directory " + url);
  if (auto r = co_await flow.session.load_directory(url); !r) co_return r.error();
  auto account = co_await register_account(flow);
  if (!account) co_return account.error();
  created = *account;
  flow.say(std::string(created ? "account created " : "account reused ") + flow.session.kid());
  co_return co_await run_order(flow);
}

}  // namespace

Result<Obtained> obtain(const Options& options, const Progress& progress) {
  if (auto r = check_names(options.names); !r) return r.error();
  auto url = directory_url(options.directory);
  if (!url) return url.error();
  auto files = account_files(options, *url);
  if (!files) return files.error();
  auto key = load_or_create_account_key(*files);
  if (!key) return key.error();
  AccountKey account{std::move(*key)};

  asio::io_context io{1};
  asio::ssl::context tls{asio::ssl::context::tls_client};
  if (auto r = setup_client_context(tls, options.ca_bundle); !r) return r.error();
  auto responders = start_responders(io, options);  // fail fast when the port is taken
  if (!responders) return responders.error();
  Session session{tls, account, std::chrono::seconds(30)};
  Flow flow{session,
            options,
            progress,
            responders->http.get(),
            responders->tls_alpn.get(),
            std::chrono::steady_clock::now() + options.timeout,
            {}};
  bool created = false;
  std::optional<Result<Issued>> issued;
  asio::co_spawn(io, run_all(flow, *url, created),
                 [&](const std::exception_ptr& e, Result<Issued> r) {
                   issued = e ? Result<Issued>(Error::runtime("internal error in the ACME client"))
                              : std::move(r);
                   io.stop();
                 });
  run_until_done(io, issued, options);
  if (options.http01_withdraw) {
    for (const auto& token : flow.published) options.http01_withdraw(token);
  }
  if (!issued && options.cancel != nullptr && options.cancel->load()) {
    return Error::runtime("ACME issuance cancelled");
  }
  if (!issued) {
    return Error::runtime("ACME issuance did not finish within " +
                              std::to_string(options.timeout.count()) + " s",
                          "the ACME server is slow or unreachable; try again");
  }
  if (!*issued) return issued->error();
  auto out = write_result(options, **issued);
  if (!out) return out.error();
  out->account_created = created;
  out->account_url = session.kid();
  nlohmann::json info = {{"url", session.kid()}, {"directory", *url}, {"email", options.email}};
  (void)write_file_atomic(files->info_path, info.dump(2) + "\n", 0600);  // informational only
  if (options.record) {
    if (auto r = record(options, *out); !r) return r.error();
  }
  return out;
}

}  // namespace bridge::cert::acme
