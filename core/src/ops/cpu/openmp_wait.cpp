#include "fitbench/openmp_wait.h"

#include <unistd.h>

#include <cstdlib>

namespace fitbench {

void use_brief_openmp_spin(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  // Set first: the program run again finds it and goes on, so this never loops.
  if (setenv("GOMP_SPINCOUNT", kOpenmpSpinPauses, 1) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace fitbench
