// gRPC-Web's content types, trailer frame and streamed base64 (grpc_web.hpp).
#include "middleware/grpc_web.hpp"

#include "common/text.hpp"

#include <openssl/evp.h>

namespace bridge::middleware {

namespace {

constexpr std::string_view grpc_web = "application/grpc-web";
constexpr std::string_view grpc_web_text = "application/grpc-web-text";
constexpr std::string_view grpc = "application/grpc";

// "application/grpc-web+proto; charset=x" -> "+proto; charset=x" after the prefix `prefix`;
// nullopt-like (false) when `type` is not the prefix followed by '+', ';', ' ' or nothing.
bool suffix_after(std::string_view type, std::string_view prefix, std::string_view& rest) {
  if (type.size() < prefix.size() || !iequals(type.substr(0, prefix.size()), prefix)) return false;
  rest = type.substr(prefix.size());
  return rest.empty() || rest.front() == '+' || rest.front() == ';' || rest.front() == ' ';
}

}  // namespace

bool is_grpc_web(std::string_view content_type, bool& text) {
  std::string_view rest;
  if (suffix_after(content_type, grpc_web_text, rest)) {
    text = true;
    return true;
  }
  text = false;
  return suffix_after(content_type, grpc_web, rest);
}

std::string grpc_content_type_for(std::string_view grpc_web_type) {
  std::string_view rest;
  if (!suffix_after(grpc_web_type, grpc_web_text, rest) &&
      !suffix_after(grpc_web_type, grpc_web, rest))
    return std::string(grpc);
  return std::string(grpc) + std::string(rest);
}

std::string grpc_web_content_type_for(std::string_view grpc_type, bool text) {
  std::string_view rest;
  if (!suffix_after(grpc_type, grpc, rest)) rest = {};
  return std::string(text ? grpc_web_text : grpc_web) + std::string(rest);
}

std::string grpc_web_trailer_frame(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string block;
  for (const auto& [name, value] : fields)
    block.append(name).append(": ").append(value).append("\r\n");
  std::string frame(5, '\0');
  frame[0] = static_cast<char>(0x80);
  const auto size = static_cast<uint32_t>(block.size());
  for (int i = 0; i < 4; ++i) frame[1 + i] = static_cast<char>((size >> (24 - 8 * i)) & 0xff);
  return frame + block;
}

bool Base64Decoder::decode(std::string_view in, std::string& out) {
  pending_.append(in);
  const size_t usable = pending_.size() / 4 * 4;
  size_t at = 0;
  while (at < usable) {
    // Whole groups up to the first that ends with padding, decoded at once.
    const size_t pad = pending_.find('=', at);
    const size_t end = pad >= usable ? usable : (pad / 4 + 1) * 4;
    size_t pads = 0;
    if (pad < usable) {
      const size_t in_group = pad % 4;  // pending_ starts at a group boundary
      if (in_group < 2 || (in_group == 2 && pending_[pad + 1] != '=')) return false;
      pads = 4 - in_group;
    }
    const size_t old = out.size();
    out.resize(old + (end - at) / 4 * 3);
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                                  reinterpret_cast<const unsigned char*>(pending_.data() + at),
                                  static_cast<int>(end - at));
    if (n < 0 || static_cast<size_t>(n) < pads) return false;
    out.resize(old + static_cast<size_t>(n) - pads);
    at = end;
  }
  pending_.erase(0, usable);
  return true;
}

void Base64Encoder::encode(std::string_view in, std::string& out) {
  pending_.append(in);
  const size_t whole = pending_.size() / 3 * 3;
  if (whole == 0) return;
  const size_t old = out.size();
  out.resize(old + whole / 3 * 4 + 1);  // EVP_EncodeBlock writes a NUL after
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                                reinterpret_cast<const unsigned char*>(pending_.data()),
                                static_cast<int>(whole));
  out.resize(old + static_cast<size_t>(n));
  pending_.erase(0, whole);
}

void Base64Encoder::finish(std::string& out) {
  if (pending_.empty()) return;
  const size_t old = out.size();
  out.resize(old + 5);
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + old),
                                reinterpret_cast<const unsigned char*>(pending_.data()),
                                static_cast<int>(pending_.size()));
  out.resize(old + static_cast<size_t>(n));
  pending_.clear();
}

}  // namespace bridge::middleware
