// use_brief_openmp_spin(): a program started without OpenMP wait settings
// runs again in the same process with a short spin in its starting
// environment; settings the user gave are left alone.
#include <gtest/gtest.h>

#include <string>

#include "fitbench/openmp_wait.h"
#include "run_program.h"

namespace {

using fitbench::test::run_program;

// The probe started by a shell that execs it, so the shell's pid is the
// probe's as long as the probe only ever executes itself again.
std::string probe_output(const std::string& environment) {
  const auto r = run_program("sh", std::string("-c 'echo pid=$$; exec env -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY ") +
                                       environment + " " FITBENCH_OPENMP_WAIT_PROBE "'");
  EXPECT_EQ(r.code, 0) << r.output;
  return r.output;
}

// "pid=N" printed by the shell, then "pid=N" by the probe.
void expect_same_process(const std::string& output) {
  const auto first = output.find("pid="), second = output.find("pid=", first + 1);
  ASSERT_NE(second, std::string::npos) << output;
  EXPECT_EQ(output.substr(first, output.find('\n', first) - first),
            output.substr(second, output.find('\n', second) - second))
      << output;
}

TEST(OpenmpWait, ProgramWithoutSettingsRunsAgainWithABriefSpin) {
  const std::string out = probe_output("");
  EXPECT_NE(out.find(std::string("GOMP_SPINCOUNT=") + fitbench::kOpenmpSpinPauses + "\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("OMP_WAIT_POLICY="), std::string::npos) << out;
  expect_same_process(out);
}

TEST(OpenmpWait, UsersSpinCountIsKept) {
  const std::string out = probe_output("GOMP_SPINCOUNT=7");
  EXPECT_NE(out.find("GOMP_SPINCOUNT=7\n"), std::string::npos) << out;
  EXPECT_EQ(out.find(std::string("GOMP_SPINCOUNT=") + fitbench::kOpenmpSpinPauses), std::string::npos) << out;
}

TEST(OpenmpWait, UsersWaitPolicyIsKept) {
  const std::string out = probe_output("OMP_WAIT_POLICY=active");
  EXPECT_NE(out.find("OMP_WAIT_POLICY=active\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("GOMP_SPINCOUNT="), std::string::npos) << out;
}

}  // namespace
