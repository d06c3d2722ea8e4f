// Main memory figures for messages (memory.h).
#include "tensor/memory.h"

#include <fstream>
#include <sstream>

namespace fitbench {

std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  for (; bytes >= 1024 && u < 6; ++u) bytes /= 1024;
  std::ostringstream os;
  os.precision(u == 0 ? 0 : 1);
  os << std::fixed << bytes << ' ' << units[u];
  return os.str();
}

int64_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  int64_t kib = 0;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return -1;
}

}  // namespace fitbench
