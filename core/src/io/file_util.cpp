// Whole-file reads and crash-safe writes.
#include "fitbench/file_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fitbench/error.h"

namespace fitbench {
namespace {

// Closes the descriptor and, unless kept, removes the temporary file, so a
// failed write leaves nothing behind.
struct TempFile {
  std::string path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep) ::unlink(path.c_str());
  }
};

struct Descriptor {
  int fd;
  ~Descriptor() { ::close(fd); }
};

}  // namespace

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const std::string temp_path = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  // Nothing was created, so there is nothing to remove (the name may even be
  // someone else's directory).
  if (fd < 0) fail("cannot write ", path, ": creating ", temp_path, " failed: ", std::strerror(errno));
  TempFile temp{temp_path, fd};
  const auto check = [&](bool ok, const char* step) {
    if (!ok) fail("cannot write ", path, ": ", step, " ", temp_path, " failed: ", std::strerror(errno));
  };

  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    check(n > 0, "writing");
    done += static_cast<size_t>(n);
  }
  // The data must be on disk before the rename makes it visible under `path`.
  check(::fsync(fd) == 0, "flushing");
  temp.fd = -1;
  check(::close(fd) == 0, "closing");
  if (::rename(temp_path.c_str(), path.c_str()) != 0)
    fail("cannot write ", path, ": renaming ", temp_path, " to it failed: ", std::strerror(errno));
  temp.keep = true;
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("cannot read ", path, ": ", std::strerror(errno));
  Descriptor guard{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail("cannot read ", path, ": ", std::strerror(errno));
  if (S_ISDIR(info.st_mode)) fail("cannot read ", path, ": it is a directory");
  // A device or a pipe (/dev/zero, /dev/urandom) could be read forever.
  if (!S_ISREG(info.st_mode)) fail("cannot read ", path, ": it is not a regular file (a device, a pipe or a socket)");

  std::string bytes;
  if (info.st_size > 0) bytes.reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read ", path, ": ", std::strerror(errno));
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<size_t>(n));
  }
}

bool process_is_running(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

std::string host_name() {
  char host[256] = {};
  // A name that fills the buffer may come without its terminating zero.
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace fitbench
