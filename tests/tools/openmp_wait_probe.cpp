// For test_openmp_wait: calls use_brief_openmp_spin() as a program's main()
// does, then prints its pid and the OpenMP settings of the environment this
// process image started with (/proc/self/environ, which setenv() does not
// change: only a new image shows what libgomp saw when it was loaded).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fitbench/openmp_wait.h"

int main(int, char** argv) {
  fitbench::use_brief_openmp_spin(argv);
  std::printf("pid=%d\n", static_cast<int>(getpid()));
  std::ifstream environ_file("/proc/self/environ");
  for (std::string entry; std::getline(environ_file, entry, '\0');)
    if (entry.starts_with("GOMP_SPINCOUNT=") || entry.starts_with("OMP_WAIT_POLICY="))
      std::printf("%s\n", entry.c_str());
  return 0;
}
