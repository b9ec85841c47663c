// grpcWeb: Traefik's (improbable-eng's grpc-web wrapper) on the head. A browser's gRPC-Web call
// is marked for the proxy, which sends it to the HTTP/2 upstream as gRPC and turns the answer
// back (grpc_web.hpp has the wire format); a CORS preflight for one (x-grpc-web among the
// requested headers) is answered here, for the origins in allowOrigins, with credentials and a
// 10-minute max age as the wrapper does. Anything else passes as it is.
#include "middleware/grpc_web.hpp"
#include "common/text.hpp"
#include "http/fields.hpp"
#include "middleware/detail/kinds.hpp"

#include <algorithm>

namespace bridge::middleware {
namespace detail {
namespace {

using Op = FieldEdit::Op;

class GrpcWeb final : public Middleware {
 public:
  GrpcWeb(const std::string& name, const config::GrpcWebMiddleware& o)
      : Middleware(name, "grpcWeb"), origins_(o.allow_origins) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    const http::Fields& fields = *req.fields;
    const std::string_view origin = fields.get("Origin");
    if (req.method == "OPTIONS" && !origin.empty() &&
        !fields.get("Access-Control-Request-Method").empty() &&
        http::has_token(fields.get("Access-Control-Request-Headers"), "x-grpc-web"))
      return preflight(req, origin, fx, step);
    bool text = false;
    const std::string_view type = fields.get("Content-Type");
    if (!is_grpc_web(type, text)) {
      if (fx.explain)
        step.detail = "not a gRPC-Web call (Content-Type " + shown(type) + "): passed as it is";
      return;
    }
    const bool allowed = !origin.empty() && allows(origin);
    fx.grpc_web.emplace(GrpcWebCall{text, allowed, fx.steps.size() - 1});
    fx.request.add(Op::Set, "Content-Type", grpc_content_type_for(type));
    if (text) fx.request.add(Op::Remove, "Content-Length", "");  // the decoded body is shorter
    if (allowed) {
      fx.response.add(Op::Set, "Access-Control-Allow-Origin", origin);
      fx.response.add(Op::Set, "Access-Control-Allow-Credentials", "true");
    }
    if (!origin.empty()) fx.response.add(Op::AppendToken, "Vary", "Origin");
    if (!fx.explain && (origin.empty() || allowed)) return;
    step.detail = std::string("gRPC-Web") + (text ? " (base64 text)" : "") +
                  " call: sent to the HTTP/2 upstream as " + grpc_content_type_for(type) +
                  ", answered as gRPC-Web with the trailers in the body";
    if (!origin.empty())
      step.detail += allowed ? "; origin " + std::string(origin) + " allowed"
                             : "; origin " + std::string(origin) +
                                   " not in allowOrigins: no Access-Control-Allow-Origin will be "
                                   "sent, so the browser will not read the answer";
  }

 private:
  static std::string shown(std::string_view type) {
    return type.empty() ? std::string("absent") : "\"" + std::string(type) + "\"";
  }
  bool allows(std::string_view origin) const {
    return std::any_of(origins_.begin(), origins_.end(),
                       [&](const std::string& o) { return o == "*" || o == origin; });
  }

  void preflight(const Request& req, std::string_view origin, Effects& fx, Step& step) const {
    const http::Fields& fields = *req.fields;
    Answer answer(204, {}, "gRPC-Web preflight");
    const bool allowed = allows(origin);
    if (allowed) {
      answer.fields = {{"Access-Control-Allow-Origin", std::string(origin)},
                       {"Access-Control-Allow-Credentials", "true"},
                       {"Access-Control-Allow-Methods",
                        std::string(fields.get("Access-Control-Request-Method"))},
                       {"Access-Control-Allow-Headers",
                        std::string(fields.get("Access-Control-Request-Headers"))},
                       {"Access-Control-Max-Age", "600"}};
    }
    answer.fields.emplace_back(
        "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    fx.answer = std::move(answer);
    step.detail = "gRPC-Web preflight from " + std::string(origin) + " answered 204";
    if (!allowed)
      step.detail += " without Access-Control-Allow-Origin: origin not in allowOrigins, so the "
                     "browser will block the call";
  }

  std::vector<std::string> origins_;
};

}  // namespace

std::unique_ptr<Middleware> make_grpc_web(const std::string& name,
                                          const config::GrpcWebMiddleware& options) {
  return std::make_unique<GrpcWeb>(name, options);
}

}  // namespace detail
}  // namespace bridge::middleware
