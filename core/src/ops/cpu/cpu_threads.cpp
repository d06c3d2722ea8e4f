#include "fitbench/cpu_threads.h"

#include <cblas.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace fitbench {

const char* openblas_kernels_for_this_cpu() {
  // OpenBLAS names its generic x86-64 kernels after the Prescott core.
  if (std::string_view(openblas_get_corename()) != "Prescott") return nullptr;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

void prepare_cpu_threads(char** argv) {
  bool changed = false;
  // Each is set only when unset, so the program run again changes nothing and goes on.
  const auto set_unless_given = [&changed](const char* name, std::string_view value, const char* given_instead) {
    if (std::getenv(name) || (given_instead && std::getenv(given_instead))) return;
    changed |= setenv(name, std::string(value).c_str(), 1) == 0;
  };
  set_unless_given("GOMP_SPINCOUNT", kOpenmpSpinPauses, "OMP_WAIT_POLICY");
  set_unless_given("OPENBLAS_NUM_THREADS", "1", nullptr);
  if (const char* kernels = openblas_kernels_for_this_cpu())
    set_unless_given("OPENBLAS_CORETYPE", kernels, nullptr);
  if (changed) execv("/proc/self/exe", argv);
}

}  // namespace fitbench
