#include "proxy/detail/wire.hpp"

#include "common/copy.hpp"

#include <charconv>
#include <cstring>

namespace bridge::proxy {

namespace {

size_t fields_size(const Fields& fields, const HeadEdit& edit) {
  size_t n = 2;
  edit.for_each(fields, [&](std::string_view name, std::string_view value) {
    n += name.size() + value.size() + 4;
  });
  return n;
}

// The fields and the empty line, `size` bytes (fields_size), written through a cursor after
// one resize: appending piece by piece checked the capacity and wrote a terminator four times
// per field.
void append_fields(const Fields& fields, const HeadEdit& edit, size_t size, std::string& out) {
  const size_t at = out.size();
  out.resize(at + size);
  char* cursor = out.data() + at;
  auto put = [&](std::string_view piece) { cursor = copy_bytes(cursor, piece); };
  edit.for_each(fields, [&](std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put(crlf);
  });
  put(crlf);
}

void append_version(unsigned version, std::string& out) {
  const char text[] = {'H', 'T',
                       'T', 'P',
                       '/', static_cast<char>('0' + version / 10 % 10),
                       '.', static_cast<char>('0' + version % 10)};
  out.append(text, sizeof text);
}

}  // namespace

void write_head(const RequestHead& head, const HeadEdit& edit, std::string& out) {
  out.clear();
  std::string_view method = head.method_name;
  std::string_view target = edit.target(head.target);
  const size_t fields = fields_size(head.fields, edit);
  out.reserve(method.size() + target.size() + 12 + fields);
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.push_back(' ');
  append_version(edit.version(head.version), out);
  out.append(crlf);
  append_fields(head.fields, edit, fields, out);
}

void write_head(const ResponseHead& head, const HeadEdit& edit, std::string& out) {
  out.clear();
  // The upstream's phrase, else the registered one, or none (RFC 9112 4: it may be empty) for
  // a code without one, such as a 418 set at a breakpoint.
  std::string_view reason = head.reason;
  if (reason.empty()) reason = bridge::http::reason_phrase(head.status);
  const size_t fields = fields_size(head.fields, edit);
  out.reserve(reason.size() + 16 + fields);
  append_version(edit.version(head.version), out);
  char code[8];
  auto [end, ec] = std::to_chars(code, code + sizeof code, head.status);
  out.push_back(' ');
  out.append(code, end);
  out.push_back(' ');
  out.append(reason);
  out.append(crlf);
  append_fields(head.fields, edit, fields, out);
}

std::string_view chunk_size_line(size_t size, char (&buf)[24]) {
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 2, size, 16);
  *end++ = '\r';
  *end++ = '\n';
  return {buf, static_cast<size_t>(end - buf)};
}

}  // namespace bridge::proxy
