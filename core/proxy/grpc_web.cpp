// A gRPC answer's head turned into gRPC-Web's (detail/grpc_web.hpp).
#include "proxy/detail/grpc_web.hpp"

#include "common/text.hpp"
#include "http/fields.hpp"

namespace bridge::proxy {

void grpc_web_response_head(const middleware::GrpcWebCall& web, const ResponseHead& head,
                            HeadEdit& edit) {
  edit.set_copy("Content-Type", {middleware::grpc_web_content_type_for(
                                    head.fields.get(Field::ContentType), web.text)});
  edit.remove("Content-Length");
  if (!web.expose) return;
  // As the grpc-web wrapper Traefik uses: the names of the answer's own fields, so that
  // custom metadata in the head reaches the page too.
  std::string names;
  edit.for_each(head.fields, [&](std::string_view name, std::string_view) {
    std::string lower(name);
    for (char& c : lower) c = ascii_lower(c);
    if (lower.starts_with("access-control-") || lower == "vary") return;
    if (bridge::http::has_token(names, lower)) return;
    names.append(names.empty() ? "" : ", ").append(lower);
  });
  edit.set_copy("Access-Control-Expose-Headers", {names});
}

std::string grpc_web_body_end(const Trailers& trailers, middleware::Base64Encoder* text) {
  std::string frame =
      trailers.empty() ? std::string() : middleware::grpc_web_trailer_frame(trailers);
  if (text == nullptr) return frame;
  std::string encoded;
  text->encode(frame, encoded);
  text->finish(encoded);
  return encoded;
}

}  // namespace bridge::proxy
