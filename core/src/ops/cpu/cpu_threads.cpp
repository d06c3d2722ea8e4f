#include "fitbench/cpu_threads.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace fitbench {

void prepare_cpu_threads(char** argv) {
  bool changed = false;
  // Each is set only when unset, so the program run again changes nothing and goes on.
  const auto set_unless_given = [&changed](const char* name, std::string_view value, const char* given_instead) {
    if (std::getenv(name) || (given_instead && std::getenv(given_instead))) return;
    changed |= setenv(name, std::string(value).c_str(), 1) == 0;
  };
  set_unless_given("GOMP_SPINCOUNT", kOpenmpSpinPauses, "OMP_WAIT_POLICY");
  set_unless_given("OPENBLAS_NUM_THREADS", "1", nullptr);
  if (changed) execv("/proc/self/exe", argv);
}

}  // namespace fitbench
