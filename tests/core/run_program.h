// Runs one of fitbench's programs from a test, as a user's shell would.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace fitbench::test {

struct ProgramResult {
  int code = -1;        // the exit status; -1 when the program did not exit normally
  std::string output;   // stdout and stderr together
};

// `program` followed by `args` (shell words, quoted by the caller).
inline ProgramResult run_program(const std::string& program, const std::string& args) {
  ProgramResult r;
  FILE* p = popen((program + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace fitbench::test
