#pragma once
/// gRPC-Web's wire format, as grpcWeb translates it (the gRPC-Web protocol, PROTOCOL-WEB.md of
/// grpc/grpc): content types, the trailer frame that carries the status in the body, and the
/// base64 of application/grpc-web-text, streamed both ways. OpenSSL does the base64.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::middleware {

/// Whether a request's Content-Type is gRPC-Web's ("application/grpc-web", "+proto", "-text",
/// "-text+proto", parameters allowed); `text` says whether it is the base64 one.
bool is_grpc_web(std::string_view content_type, bool& text);

/// The gRPC content type a gRPC-Web one stands for ("application/grpc-web-text+proto" ->
/// "application/grpc+proto"), and back ("application/grpc" -> "application/grpc-web" or
/// "application/grpc-web-text").
std::string grpc_content_type_for(std::string_view grpc_web_type);
std::string grpc_web_content_type_for(std::string_view grpc_type, bool text);

/// The frame that ends a gRPC-Web response body: flag 0x80, a 4-byte length, then the
/// trailers as an HTTP/1 header block ("grpc-status: 0\r\n...").
std::string grpc_web_trailer_frame(const std::vector<std::pair<std::string, std::string>>& fields);

/// Decodes base64 as it comes, in pieces of any size: whole groups of four as they complete,
/// padding allowed at the end of any group (a client may encode each message on its own).
class Base64Decoder {
 public:
  /// Appends what `in` completes to `out`; false on a character or padding base64 does not
  /// allow.
  bool decode(std::string_view in, std::string& out);
  /// True when no partial group is left over.
  bool complete() const { return pending_.empty(); }

 private:
  std::string pending_;
};

/// Encodes base64 as bytes come: groups of three as they complete, the rest (padded) at
/// finish().
class Base64Encoder {
 public:
  void encode(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  std::string pending_;  // at most two bytes
};

}  // namespace bridge::middleware
