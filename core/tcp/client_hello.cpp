// RFC 8446 4.1.2 (and 5246 7.4.1.2): record layer, handshake header, ClientHello body, and two
// extensions: server_name (RFC 6066 3) and application_layer_protocol_negotiation (RFC 7301).
#include "tcp/client_hello.hpp"

#include <algorithm>

namespace bridge::tcp {

namespace {

constexpr uint8_t handshake_record = 22;
constexpr uint8_t client_hello_type = 1;
constexpr size_t record_header = 5;
constexpr size_t max_record = 16384 + 2048;  // TLSPlaintext limit, with TLS 1.2's allowance
constexpr uint16_t server_name_extension = 0;
constexpr uint16_t alpn_extension = 16;

// A cursor that refuses to read past its end instead of reading it.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  size_t left() const { return bytes_.size() - at_; }
  bool number(size_t width, uint32_t& out) {
    if (left() < width) return false;
    out = 0;
    for (size_t i = 0; i < width; ++i) out = (out << 8) | bytes_[at_++];
    return true;
  }
  bool take(size_t n, std::span<const uint8_t>& out) {
    if (left() < n) return false;
    out = bytes_.subspan(at_, n);
    at_ += n;
    return true;
  }
  // A vector with a `width`-byte length prefix, as TLS writes them.
  bool vector(size_t width, std::span<const uint8_t>& out) {
    uint32_t n = 0;
    return number(width, n) && take(n, out);
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t at_ = 0;
};

ClientHello invalid(std::string why) {
  ClientHello out;
  out.state = HelloState::Invalid;
  out.error = std::move(why);
  return out;
}

bool printable(std::span<const uint8_t> text) {
  return std::all_of(text.begin(), text.end(), [](uint8_t c) { return c > 0x20 && c < 0x7f; });
}

// server_name: a list of (type, name); the host_name (type 0) is the one TLS clients send.
bool read_server_name(std::span<const uint8_t> data, ClientHello& out) {
  Cursor c(data);
  std::span<const uint8_t> list;
  if (!c.vector(2, list) || c.left() != 0 || list.empty()) return false;
  Cursor names(list);
  while (names.left() > 0) {
    uint32_t type = 0;
    std::span<const uint8_t> name;
    if (!names.number(1, type) || !names.vector(2, name) || name.empty()) return false;
    if (type != 0 || !out.sni.empty()) continue;
    if (name.size() > 255 || !printable(name)) return false;
    out.sni.assign(name.begin(), name.end());
    std::transform(out.sni.begin(), out.sni.end(), out.sni.begin(),
                   [](char ch) { return ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch; });
  }
  return !out.sni.empty();
}

bool read_alpn(std::span<const uint8_t> data, ClientHello& out) {
  Cursor c(data);
  std::span<const uint8_t> list;
  if (!c.vector(2, list) || c.left() != 0 || list.empty()) return false;
  Cursor protocols(list);
  while (protocols.left() > 0) {
    std::span<const uint8_t> name;
    if (!protocols.vector(1, name) || name.empty()) return false;
    out.alpn.emplace_back(name.begin(), name.end());
  }
  return true;
}

ClientHello read_body(std::span<const uint8_t> body) {
  Cursor c(body);
  uint32_t version = 0;
  std::span<const uint8_t> random, session, suites, compression, extensions;
  if (!c.number(2, version) || !c.take(32, random) || !c.vector(1, session) ||
      session.size() > 32 || !c.vector(2, suites) || suites.size() < 2 || suites.size() % 2 != 0 ||
      !c.vector(1, compression) || compression.empty())
    return invalid("a truncated ClientHello");
  ClientHello out;
  out.state = HelloState::Complete;
  if (c.left() == 0) return out;  // no extensions (SSL 3.0-era clients): no SNI, no ALPN
  if (!c.vector(2, extensions) || c.left() != 0)
    return invalid("the ClientHello's extensions do not add up to its length");
  Cursor e(extensions);
  bool seen_sni = false, seen_alpn = false;
  while (e.left() > 0) {
    uint32_t type = 0;
    std::span<const uint8_t> data;
    if (!e.number(2, type) || !e.vector(2, data)) return invalid("a truncated extension");
    if (type == server_name_extension) {
      if (seen_sni) return invalid("two server_name extensions");
      seen_sni = true;
      if (!read_server_name(data, out)) return invalid("a malformed server_name extension");
    } else if (type == alpn_extension) {
      if (seen_alpn) return invalid("two ALPN extensions");
      seen_alpn = true;
      if (!read_alpn(data, out)) return invalid("a malformed ALPN extension");
    }
  }
  return out;
}

// The handshake message's size with its 4-byte header.
size_t message_size(std::span<const uint8_t> header) {
  return 4 + ((size_t{header[1]} << 16) | (size_t{header[2]} << 8) | header[3]);
}

// Invalid when the 4-byte handshake header is not a ClientHello bridge will wait for.
ClientHello read_client_hello_header(std::span<const uint8_t> header) {
  if (header[0] != client_hello_type)
    return invalid("a handshake of type " + std::to_string(header[0]) +
                   " where a ClientHello belongs");
  if (message_size(header) > max_client_hello_bytes)
    return invalid("a ClientHello larger than 16 KiB");
  return ClientHello{};
}

}  // namespace

ClientHello read_client_hello(std::span<const uint8_t> bytes) {
  ClientHello need_more;
  if (bytes.empty()) return need_more;
  // The first record says whether this is TLS at all: a handshake record of version 3.x.
  if (bytes[0] != handshake_record || (bytes.size() > 1 && bytes[1] != 3)) {
    ClientHello out;
    out.state = HelloState::NotTls;
    return out;
  }
  std::vector<uint8_t> handshake;  // the handshake message, reassembled from its records
  size_t at = 0;
  for (;;) {
    if (handshake.size() >= 4) {
      if (ClientHello bad = read_client_hello_header(handshake); bad.state == HelloState::Invalid)
        return bad;
      const size_t need = message_size(handshake);
      if (handshake.size() >= need)
        return read_body(std::span<const uint8_t>(handshake).subspan(4, need - 4));
    }
    if (bytes.size() - at < record_header) {
      // Check what there is of the next record's header before waiting for the rest.
      if (at < bytes.size() && bytes[at] != handshake_record)
        return invalid("a record of another type inside the ClientHello");
      return need_more;
    }
    const size_t length = (size_t{bytes[at + 3]} << 8) | bytes[at + 4];
    if (bytes[at] != handshake_record || bytes[at + 1] != 3)
      return invalid("a record of another type inside the ClientHello");
    if (length == 0 || length > max_record) return invalid("a TLS record of impossible length");
    if (at + record_header + length > max_client_hello_bytes + record_header * 4)
      return invalid("a ClientHello larger than 16 KiB");
    if (bytes.size() < at + record_header + length) {
      // Refuse a wrong or oversized handshake from its header instead of waiting for it.
      const auto partial = bytes.subspan(at + record_header);
      if (handshake.empty() && partial.size() >= 4) {
        handshake.assign(partial.begin(), partial.begin() + 4);
        if (ClientHello early = read_client_hello_header(handshake); early.state != need_more.state)
          return early;
      }
      return need_more;
    }
    const auto* fragment = bytes.data() + at + record_header;
    handshake.insert(handshake.end(), fragment, fragment + length);
    at += record_header + length;
  }
}

}  // namespace bridge::tcp
