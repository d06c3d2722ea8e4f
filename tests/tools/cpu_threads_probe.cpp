// For test_cpu_threads: calls prepare_cpu_threads() as a program's main()
// does, then prints its pid, the settings of the environment this process
// image started with (/proc/self/environ, which setenv() does not change: only
// a new image shows what the libraries saw when they loaded), and the kernels
// OpenBLAS runs.
#include <cblas.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fitbench/cpu_threads.h"

int main(int, char** argv) {
  fitbench::prepare_cpu_threads(argv);
  std::printf("pid=%d\n", static_cast<int>(getpid()));
  std::ifstream environ_file("/proc/self/environ");
  for (std::string entry; std::getline(environ_file, entry, '\0');)
    for (const char* name :
         {"GOMP_SPINCOUNT=", "OMP_WAIT_POLICY=", "OPENBLAS_NUM_THREADS=", "OPENBLAS_CORETYPE="})
      if (entry.starts_with(name)) std::printf("%s\n", entry.c_str());
  std::printf("openblas kernels: %s\n", openblas_get_corename());
  return 0;
}
