// contentType: a response the upstream sent without Content-Type gets the media type its first
// bytes show. The detection is Go's http.DetectContentType (the WHATWG MIME sniffing subset
// Traefik relies on), so a route behaves as it did behind Traefik; the proxy hands it the first
// body bytes it has.
#include "common/text.hpp"
#include "middleware/detail/kinds.hpp"

#include <array>

namespace bridge::middleware {
namespace detail {
namespace {

class ContentType final : public Middleware {
 public:
  ContentType(const std::string& name, bool detect)
      : Middleware(name, "contentType"), detect_(detect) {}

  void handle(const Request&, Effects& fx, Step& step) const override {
    if (detect_) fx.sniff_step = fx.steps.size() - 1;
    if (!fx.explain) return;
    step.detail = detect_ ? "a response without Content-Type gets the type its first bytes show"
                          : "autoDetect = false: responses keep the Content-Type they have";
  }

 private:
  bool detect_;
};

}  // namespace

std::unique_ptr<Middleware> make_content_type(const std::string& name, bool detect) {
  return std::make_unique<ContentType>(name, detect);
}

}  // namespace detail

namespace {

bool is_space(char c) { return c == '\t' || c == '\n' || c == '\x0c' || c == '\r' || c == ' '; }

// An HTML tag Go recognises, case-insensitive, after leading white space and followed by a space
// or '>'.
bool html_tag(std::string_view data) {
  static constexpr std::array<std::string_view, 17> tags = {"<!DOCTYPE HTML",
                                                            "<HTML",
                                                            "<HEAD",
                                                            "<SCRIPT",
                                                            "<IFRAME",
                                                            "<H1",
                                                            "<DIV",
                                                            "<FONT",
                                                            "<TABLE",
                                                            "<A",
                                                            "<STYLE",
                                                            "<TITLE",
                                                            "<B",
                                                            "<BODY",
                                                            "<BR",
                                                            "<P",
                                                            "<!--"};
  for (std::string_view tag : tags) {
    if (data.size() <= tag.size() || !iequals(data.substr(0, tag.size()), tag)) continue;
    const char next = data[tag.size()];
    if (next == ' ' || next == '>') return true;
  }
  return false;
}

// "RIFF" ???? `kind`: the four bytes after the size.
bool riff(std::string_view data, std::string_view kind) {
  return data.size() >= 8 + kind.size() && data.starts_with("RIFF") &&
         data.substr(8, kind.size()) == kind;
}

bool mp4(std::string_view data) {
  if (data.size() < 12) return false;
  const uint32_t box = static_cast<uint32_t>(static_cast<unsigned char>(data[0])) << 24 |
                       static_cast<uint32_t>(static_cast<unsigned char>(data[1])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(data[2])) << 8 |
                       static_cast<uint32_t>(static_cast<unsigned char>(data[3]));
  if (data.size() < box || box % 4 != 0 || data.substr(4, 4) != "ftyp") return false;
  for (size_t at = 8; at + 3 <= box; at += 4) {
    if (at == 12) continue;  // the minor version, not a brand
    if (data.substr(at, 3) == "mp4") return true;
  }
  return false;
}

bool binary_byte(unsigned char c) {
  return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

}  // namespace

std::string_view sniff_content_type(std::string_view data) {
  data = data.substr(0, 512);
  std::string_view text = data;
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  if (html_tag(text)) return "text/html; charset=utf-8";
  if (text.size() >= 5 && iequals(text.substr(0, 5), "<?xml")) return "text/xml; charset=utf-8";
  struct Exact {
    std::string_view prefix, type;
  };
  static constexpr std::array<Exact, 27> exact = {{
      {"%PDF-", "application/pdf"},
      {"%!PS-Adobe-", "application/postscript"},
      {"\xFE\xFF", "text/plain; charset=utf-16be"},
      {"\xFF\xFE", "text/plain; charset=utf-16le"},
      {"\xEF\xBB\xBF", "text/plain; charset=utf-8"},
      {std::string_view("\x00\x00\x01\x00", 4), "image/x-icon"},
      {std::string_view("\x00\x00\x02\x00", 4), "image/x-icon"},
      {"BM", "image/bmp"},
      {"GIF87a", "image/gif"},
      {"GIF89a", "image/gif"},
      {"\x89PNG\r\n\x1A\n", "image/png"},
      {"\xFF\xD8\xFF", "image/jpeg"},
      {"ID3", "audio/mpeg"},
      {std::string_view("OggS\x00", 5), "application/ogg"},
      {std::string_view("MThd\x00\x00\x00\x06", 8), "audio/midi"},
      {"\x1A\x45\xDF\xA3", "video/webm"},
      {std::string_view("\x00\x01\x00\x00", 4), "font/ttf"},
      {"OTTO", "font/otf"},
      {"ttcf", "font/collection"},
      {"wOFF", "font/woff"},
      {"wOF2", "font/woff2"},
      {"\x1F\x8B\x08", "application/x-gzip"},
      {"PK\x03\x04", "application/zip"},
      {std::string_view("Rar!\x1A\x07\x00", 7), "application/x-rar-compressed"},
      {std::string_view("Rar!\x1A\x07\x01\x00", 8), "application/x-rar-compressed"},
      {std::string_view("\x00\x61\x73\x6D", 4), "application/wasm"},
      {"FORM", ""},  // AIFF: checked below with its kind at offset 8
  }};
  for (const Exact& e : exact) {
    if (!data.starts_with(e.prefix)) continue;
    if (!e.type.empty()) return e.type;
    if (data.size() >= 12 && data.substr(8, 4) == "AIFF") return "audio/aiff";
  }
  if (riff(data, "WEBPVP")) return "image/webp";
  if (riff(data, "AVI ")) return "video/avi";
  if (riff(data, "WAVE")) return "audio/wave";
  if (mp4(data)) return "video/mp4";
  for (char c : data)
    if (binary_byte(static_cast<unsigned char>(c))) return "application/octet-stream";
  return "text/plain; charset=utf-8";
}

}  // namespace bridge::middleware
