// prepare_cpu_threads(): a program started without thread settings runs
// again in the same process with a short OpenMP spin and one OpenBLAS thread
// in its starting environment, and with OpenBLAS kernels that use the CPU's
// vector units; settings the user gave are kept.
#include <gtest/gtest.h>

#include <string>

#include "fitbench/cpu_threads.h"
#include "run_program.h"

namespace {

using fitbench::test::run_program;

const std::string kBriefSpin = "GOMP_SPINCOUNT=" + std::string(fitbench::kOpenmpSpinPauses) + "\n";

// The probe started by a shell that execs it, in an environment without the
// settings but `given`; the shell's pid is the probe's as long as the probe
// only ever executes itself again.
std::string probe_output(const std::string& given) {
  const auto r = run_program("sh",
                             "-c 'echo pid=$$; exec env -u GOMP_SPINCOUNT -u OMP_WAIT_POLICY "
                             "-u OPENBLAS_NUM_THREADS -u OPENBLAS_CORETYPE " +
                                 given + " " FITBENCH_CPU_THREADS_PROBE "'");
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

TEST(CpuThreads, ProgramWithoutSettingsRunsAgainWithThem) {
  const std::string out = probe_output("");
  EXPECT_NE(out.find(kBriefSpin), std::string::npos) << out;
  EXPECT_NE(out.find("OPENBLAS_NUM_THREADS=1\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("OMP_WAIT_POLICY="), std::string::npos) << out;
  expect_same_process(out);
}

TEST(CpuThreads, UsersSpinCountIsKept) {
  const std::string out = probe_output("GOMP_SPINCOUNT=7");
  EXPECT_NE(out.find("GOMP_SPINCOUNT=7\n"), std::string::npos) << out;
  EXPECT_EQ(out.find(kBriefSpin), std::string::npos) << out;
  EXPECT_NE(out.find("OPENBLAS_NUM_THREADS=1\n"), std::string::npos) << out;
}

TEST(CpuThreads, UsersWaitPolicyIsKept) {
  const std::string out = probe_output("OMP_WAIT_POLICY=active");
  EXPECT_NE(out.find("OMP_WAIT_POLICY=active\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("GOMP_SPINCOUNT="), std::string::npos) << out;
}

TEST(CpuThreads, UsersOpenblasThreadsAreKept) {
  const std::string out = probe_output("OPENBLAS_NUM_THREADS=2");
  EXPECT_NE(out.find("OPENBLAS_NUM_THREADS=2\n"), std::string::npos) << out;
  EXPECT_NE(out.find(kBriefSpin), std::string::npos) << out;
}

// OpenBLAS's generic kernels (which it names Prescott) only where the CPU has
// no AVX2: a CPU model OpenBLAS does not know gets the kernels its vector
// units run.
TEST(CpuThreads, OpenblasRunsKernelsForTheCpusVectorUnits) {
  const std::string out = probe_output("");
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    EXPECT_EQ(out.find("openblas kernels: Prescott\n"), std::string::npos) << out;
  }
  // This test process did not prepare: OpenBLAS shows here what it chose by itself.
  if (const char* kernels = fitbench::openblas_kernels_for_this_cpu()) {
    EXPECT_NE(out.find("OPENBLAS_CORETYPE=" + std::string(kernels) + "\n"), std::string::npos) << out;
  }
}

// Even the generic kernels, where the user asks for them.
TEST(CpuThreads, UsersOpenblasKernelsAreKept) {
  const std::string out = probe_output("OPENBLAS_CORETYPE=Prescott");
  EXPECT_NE(out.find("OPENBLAS_CORETYPE=Prescott\n"), std::string::npos) << out;
  EXPECT_NE(out.find("openblas kernels: Prescott\n"), std::string::npos) << out;
}

TEST(CpuThreads, ProgramWithEverySettingGivenRunsOnce) {
  const std::string out =
      probe_output("OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Prescott");
  EXPECT_NE(out.find("OMP_WAIT_POLICY=passive\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("GOMP_SPINCOUNT="), std::string::npos) << out;
  expect_same_process(out);
}

}  // namespace
