// Where bridge keeps its data, and writes that never leave half a file behind.
#include "cert/cert.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace bridge::cert {

namespace {

std::string parent_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Error io_error(const std::string& what, const std::string& path, int err) {
  std::string hint;
  if (err == EACCES || err == EPERM) hint = "check the permissions of " + parent_of(path);
  return Error::runtime(what + " " + path + ": " + std::strerror(err), hint);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string temp_name(const std::string& path) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto p = std::filesystem::path(path);
  std::ostringstream name;
  name << "." << p.filename().string() << ".tmp-" << std::hex << rng();
  return (p.parent_path() / name.str()).string();
}

// An unnamed O_TMPFILE inode vanishes if the process dies before it is linked, so a killed
// write leaves nothing; linking it under a temp name and renaming keeps the replace atomic.
Result<void> write_via_tmpfile(const std::string& path, std::string_view data, unsigned mode) {
  std::string dir = parent_of(path);
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return io_error("cannot write", path, errno);
  bool ok = write_all(fd, data) && ::fsync(fd) == 0;
  int err = errno;
  std::string tmp = temp_name(path);
  if (ok) {
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ok = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) == 0;
    err = errno;
  }
  ::close(fd);
  if (!ok) return io_error("cannot write", path, err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot replace", path, err);
  }
  sync_dir(dir);
  return {};
}

Result<void> write_via_named_temp(const std::string& path, std::string_view data, unsigned mode) {
  std::string tmp = temp_name(path);
  int fd = ::open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return io_error("cannot write", path, errno);
  bool ok = write_all(fd, data) && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return io_error("cannot write", path, err);
  }
  sync_dir(parent_of(path));
  return {};
}

}  // namespace

std::string rfc3339(std::time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> data_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/bridge";
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] == '\0') {
    return Error::runtime("cannot find a data directory: neither XDG_DATA_HOME nor HOME is set",
                          "set XDG_DATA_HOME, or pass --dir");
  }
  return std::string(home) + "/.local/share/bridge";
}

Result<std::string> default_ca_dir() {
  auto dir = data_dir();
  if (!dir) return dir.error();
  return *dir + "/ca";
}

Result<void> write_file_atomic(const std::string& path, std::string_view data, unsigned mode) {
  auto result = write_via_tmpfile(path, data, mode);
  if (result) return result;
  // Some filesystems (and old kernels) have no O_TMPFILE.
  return write_via_named_temp(path, data, mode);
}

Result<void> make_private_dir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  auto parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    if (auto r = make_private_dir(parent.string()); !r) return r;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("cannot create directory", dir, errno);
  }
  return {};
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Error::runtime("cannot read " + path + ": " + std::strerror(err),
                          err == ENOENT ? "check the path" : "");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace bridge::cert
