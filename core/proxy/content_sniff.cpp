// contentType in the proxy: when to sniff, where an HTTP/1.1 body's first bytes are, and the
// type added to the response (see detail/content_sniff.hpp).
#include "proxy/detail/content_sniff.hpp"

#include "common/url.hpp"

namespace bridge::proxy {

bool wants_content_type(const Exchange& ex, const ResponseHead& head) {
  return ex.middleware != nullptr && ex.middleware->sniff_step && !ex.head_request &&
         head.status >= 200 && head.status != 204 && head.status != 304 &&
         !(head.content_length && *head.content_length == 0) &&
         !head.fields.has(Field::ContentType);
}

void add_sniffed_content_type(Exchange& ex, HeadEdit& edit, std::string_view first) {
  if (first.empty()) return;  // an empty body has no type to show
  const std::string_view type = middleware::sniff_content_type(first);
  edit.add("Content-Type", type);  // a constant: outlives the edit
  const size_t step = *ex.middleware->sniff_step;
  if (step < ex.record.middlewares.size())
    ex.record.middlewares[step].detail = "Content-Type: " + std::string(type) + " (from the " +
                                         std::to_string(std::min<size_t>(first.size(), 512)) +
                                         " first bytes of the body)";
}

std::string_view body_start(std::string_view raw, bool chunked) {
  if (!chunked) return raw;
  // "1a4;ext\r\n<data>": the size in hex, then the data.
  size_t size = 0, at = 0;
  for (; at < raw.size() && hex_digit(raw[at]) >= 0 && at < 16; ++at)
    size = size * 16 + static_cast<size_t>(hex_digit(raw[at]));
  const size_t line_end = raw.find("\r\n", at);
  if (at == 0 || line_end == std::string_view::npos) return {};
  return raw.substr(line_end + 2, size);
}

}  // namespace bridge::proxy
