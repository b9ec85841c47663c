#include "http/message.hpp"

#include "common/text.hpp"

namespace bridge::http {

Method method_of(std::string_view token) {
  // Methods are case-sensitive (RFC 9110 9.1): "get" is another method.
  switch (token.size()) {
  case 3:
    if (token == "GET") return Method::Get;
    return token == "PUT" ? Method::Put : Method::Other;
  case 4:
    if (token == "HEAD") return Method::Head;
    return token == "POST" ? Method::Post : Method::Other;
  case 5:
    if (token == "PATCH") return Method::Patch;
    return token == "TRACE" ? Method::Trace : Method::Other;
  case 6:
    return token == "DELETE" ? Method::Delete : Method::Other;
  case 7:
    if (token == "CONNECT") return Method::Connect;
    return token == "OPTIONS" ? Method::Options : Method::Other;
  default:
    return Method::Other;
  }
}

void RequestHead::clear() {
  method_name.clear();
  method = Method::Other;
  target.clear();
  version = 11;
  fields.clear();
  content_length.reset();
  chunked = false;
}

void ResponseHead::clear() {
  status = 200;
  reason.clear();
  version = 11;
  fields.clear();
  content_length.reset();
  chunked = false;
}

bool keep_alive(unsigned version, const Fields& fields) {
  bool close = false;
  bool keep = false;
  for (const FieldRef f : fields) {
    if (f.known != Field::Connection) continue;
    close = close || has_token(f.value, "close");
    keep = keep || has_token(f.value, "keep-alive");
  }
  if (close) return false;
  return version >= 11 || keep;
}

std::string_view reason_phrase(unsigned status) {
  switch (status) {
  case 100:
    return "Continue";
  case 101:
    return "Switching Protocols";
  case 102:
    return "Processing";
  case 103:
    return "Early Hints";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 203:
    return "Non-Authoritative Information";
  case 204:
    return "No Content";
  case 205:
    return "Reset Content";
  case 206:
    return "Partial Content";
  case 207:
    return "Multi-Status";
  case 300:
    return "Multiple Choices";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 303:
    return "See Other";
  case 304:
    return "Not Modified";
  case 307:
    return "Temporary Redirect";
  case 308:
    return "Permanent Redirect";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 402:
    return "Payment Required";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 406:
    return "Not Acceptable";
  case 407:
    return "Proxy Authentication Required";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 410:
    return "Gone";
  case 411:
    return "Length Required";
  case 412:
    return "Precondition Failed";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 415:
    return "Unsupported Media Type";
  case 416:
    return "Range Not Satisfiable";
  case 417:
    return "Expectation Failed";
  case 421:
    return "Misdirected Request";
  case 422:
    return "Unprocessable Entity";
  case 425:
    return "Too Early";
  case 426:
    return "Upgrade Required";
  case 428:
    return "Precondition Required";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 451:
    return "Unavailable For Legal Reasons";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return {};
  }
}

}  // namespace bridge::http
