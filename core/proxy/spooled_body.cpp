// SpooledBody: the file is opened with O_TMPFILE in $TMPDIR (else /tmp), so it has no name and
// goes away with its descriptor, whatever ends the process; mode 0600, as it holds a request.
#include "proxy/detail/spooled_body.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bridge::proxy {

namespace {

std::string temporary_directory() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

}  // namespace

SpooledBody::~SpooledBody() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpooledBody::move_to_file() {
  const std::string dir = temporary_directory();
  fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    // A file system without O_TMPFILE: a named file, unlinked at once.
    std::string name = dir + "/bridge-body-XXXXXX";
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ >= 0) ::unlink(name.c_str());
  }
  if (fd_ < 0) {
    error_ = "cannot open a temporary file in " + dir + ": " + std::strerror(errno);
    return false;
  }
  const std::string held = std::move(memory_);
  memory_ = std::string();
  size_ = 0;
  return append(held);
}

bool SpooledBody::append(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (fd_ < 0 && size_ + bytes.size() <= memory_limit_) {
    memory_.append(bytes);
    size_ += bytes.size();
    return true;
  }
  if (fd_ < 0 && !move_to_file()) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = std::string("cannot write the temporary file: ") + std::strerror(errno);
      return false;
    }
    size_ += static_cast<uint64_t>(n);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

size_t SpooledBody::read_at(uint64_t offset, std::span<char> into) const {
  if (offset >= size_ || into.empty()) return 0;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(into.size(), size_ - offset));
  if (fd_ < 0) {
    std::memcpy(into.data(), memory_.data() + offset, want);
    return want;
  }
  for (;;) {
    const ssize_t n = ::pread(fd_, into.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? 0 : static_cast<size_t>(n);
  }
}

}  // namespace bridge::proxy
