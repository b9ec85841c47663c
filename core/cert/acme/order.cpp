// One order: newOrder, authorizations, finalize with a fresh key and CSR, download the chain.
#include "cert/acme/flow.hpp"
#include "cert/cert.hpp"

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
using namespace cert::detail;

Result<std::string> make_csr(EVP_PKEY* key, const std::vector<std::string>& names) {
  ReqPtr req{X509_REQ_new()};
  X509_REQ_set_version(req.get(), 0);
  X509_REQ_set_pubkey(req.get(), key);
  auto parsed = parse_names(names);
  if (!parsed) return parsed.error();
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, nullptr, req.get(), nullptr, 0);
  ExtPtr san{X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san_value(*parsed).c_str())};
  if (!san) return ossl_failure("cannot build the CSR's subjectAltName");
  struct FreeExts {
    void operator()(STACK_OF(X509_EXTENSION) * s) const { sk_X509_EXTENSION_free(s); }
  };
  std::unique_ptr<STACK_OF(X509_EXTENSION), FreeExts> exts{sk_X509_EXTENSION_new_null()};
  sk_X509_EXTENSION_push(exts.get(), san.get());
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1 ||
      X509_REQ_sign(req.get(), key, EVP_sha256()) == 0) {
    return ossl_failure("cannot sign the CSR");
  }
  int len = i2d_X509_REQ(req.get(), nullptr);
  std::string der(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509_REQ(req.get(), &p);
  return der;
}

namespace {

nlohmann::json identifiers(const std::vector<Name>& names) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& n : names)
    ids.push_back({{"type", n.is_ip() ? "ip" : "dns"}, {"value", n.text}});
  return ids;
}

}  // namespace

asio::awaitable<Result<Issued>> run_order(Flow& flow) {
  auto names = parse_names(flow.options.names);
  if (!names) co_return names.error();
  // Payloads are built before co_await: GCC 12 miscompiles braced lists inside co_await.
  nlohmann::json new_order = nlohmann::json::object();
  new_order["identifiers"] = identifiers(*names);
  auto order = co_await flow.session.post(flow.session.directory().new_order, new_order);
  if (!order) co_return Error::runtime("new order: " + order.error().message, order.error().hint);
  std::string order_url = order->reply.location;
  flow.say("order " + order_url);
  OrderObject placed = decode_order(order->json);
  if (auto r = co_await validate_all(flow, placed.authorizations); !r) co_return r.error();

  auto key = generate_ec_key();
  if (!key) co_return key.error();
  auto csr = make_csr(key->get(), flow.options.names);
  if (!csr) co_return csr.error();
  flow.say("finalizing with a new ECDSA P-256 key");
  nlohmann::json finalize = nlohmann::json::object();
  finalize["csr"] = base64url(*csr);
  auto finalized = co_await flow.session.post(placed.finalize, finalize);
  if (!finalized) co_return Error::runtime("finalize: " + finalized.error().message);
  OrderObject state = decode_order(finalized->json);
  if (state.status != "valid") {
    auto polled = co_await poll_status(flow, order_url, "the order");
    if (!polled) co_return polled.error();
    state = decode_order(*polled);
  }
  if (state.status != "valid") {
    std::string why = !state.error.is_null()
                          ? problem_text(state.error)
                          : "status " + (state.status.empty() ? "?" : state.status);
    co_return Error::runtime("the order failed: " + why);
  }
  auto chain = co_await flow.session.post(state.certificate, std::nullopt);
  if (!chain) co_return Error::runtime("download: " + chain.error().message);
  flow.say("downloaded the certificate chain");
  co_return Issued{std::move(chain->reply.body), std::move(*key)};
}

}  // namespace bridge::cert::acme::detail
