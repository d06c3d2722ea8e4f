// Loading the GPU module (libfitbench_cuda.so). A missing file, a file that is
// no library, a library without the entry point and a module of another build
// are each refused with a reason naming the file, and a GPU tensor or --gpus
// then fails with that reason; the module of this build tree loads even on a
// machine without a GPU or a driver, where it counts 0 GPUs. The CLI's --help
// says which.
//
// The module is looked for once per process, so every case runs in a process
// of its own: a death test that must exit 0, printing what went wrong if not.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "file_test_util.h"
#include "fitbench/fit_config.h"
#include "fitbench/gpu_module.h"
#include "fitbench/tensor.h"
#include "gpu/gpu_backend.h"
#include "run_program.h"

namespace fitbench {
namespace {

// Problems found in the child, one per line; empty when all is well.
using Check = std::function<std::string()>;

// Runs `check` in a fresh process with FITBENCH_GPU_MODULE set to `module`
// (unset when empty).
void expect_in_fresh_process(const std::string& module, const Check& check) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // re-executes the test: no status computed yet
  EXPECT_EXIT(
      {
        if (module.empty())
          unsetenv("FITBENCH_GPU_MODULE");
        else
          setenv("FITBENCH_GPU_MODULE", module.c_str(), 1);
        const std::string problems = check();
        std::fputs(problems.c_str(), stderr);
        std::exit(problems.empty() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// "" when `text` contains `part`, else a line saying so.
std::string expect_contains(const std::string& what, const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos ? "" : what + " \"" + text + "\" lacks \"" + part + "\"\n";
}

// The message of the fitbench::Error that `f` throws, or a line saying it threw none.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no fitbench::Error)";
}

// What a refused module must look like: not loaded, a reason naming `path`,
// no GPUs, and that reason in the errors of a GPU tensor and of --gpus.
std::string refused(const std::string& path) {
  const GpuModuleStatus& s = gpu_module_status();
  std::string problems = s.loaded ? "the module is loaded\n" : "";
  problems += expect_contains("the reason", s.reason, path);
  if (usable_gpu_count() != 0) problems += "usable_gpu_count() is not 0\n";
  const std::string tensor = error_of([] { (void)Tensor(Shape{4}, DType::Float32, Device::gpu(0)); });
  problems += expect_contains("the GPU tensor's error", tensor, "gpu(0)");
  problems += expect_contains("the GPU tensor's error", tensor, s.reason);
  problems += expect_contains("--gpus 0's error", error_of([] { (void)usable_devices("0"); }), s.reason);
  problems += expect_contains("the summary", gpu_module_summary(), "not loaded: " + s.reason);
  return problems;
}

TEST(GpuModule, MissingFileIsRefusedNamingIt) {
  const std::string path = "/nonexistent/fitbench/libfitbench_cuda.so";
  expect_in_fresh_process(path, [&] { return refused(path); });
}

TEST(GpuModule, FileThatIsNoLibraryIsRefusedNamingIt) {
  expect_in_fresh_process("", [] {
    const test::TempDir dir;
    const std::string path = dir.file("libfitbench_cuda.so");
    std::ofstream(path) << "not a shared library\n";
    setenv("FITBENCH_GPU_MODULE", path.c_str(), 1);
    return refused(path) + expect_contains("the reason", gpu_module_status().reason, "could not be loaded");
  });
}

TEST(GpuModule, LibraryWithoutTheEntryPointIsRefusedNamingIt) {
  // The C library: loaded by every process, and no fitbench module.
  Dl_info libc{};
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "fputs"), &libc), 0);
  const std::string path = libc.dli_fname;
  expect_in_fresh_process(path, [&] {
    return refused(path) +
           expect_contains("the reason", gpu_module_status().reason, "not a fitbench GPU module");
  });
}

TEST(GpuModule, ModuleOfAnotherBuildIsRefusedNamingIt) {
  const std::string path = FITBENCH_FAKE_GPU_MODULE_PATH;
  expect_in_fresh_process(path, [&] {
    return refused(path) + expect_contains("the reason", gpu_module_status().reason, "another build");
  });
}

// This build tree's module, named or found: it loads without a GPU, and a
// machine without a driver has 0 GPUs rather than an error.
std::string loads_this_builds_module() {
  const std::string module = FITBENCH_GPU_MODULE_PATH;
  const GpuModuleStatus& s = gpu_module_status();
  if (!s.loaded) return "not loaded: " + s.reason + "\n";
  std::string problems;
  std::error_code error;
  if (!std::filesystem::equivalent(s.path, module, error))
    problems += "loaded " + s.path + ", not " + module + "\n";
  if (!s.reason.empty()) problems += "a loaded module has a reason: " + s.reason + "\n";
  problems += expect_contains("the summary", gpu_module_summary(), "loaded from " + s.path);
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver) return problems;  // a GPU machine: the GPU tests cover the rest
  if (usable_gpu_count() != 0) problems += "no driver, yet usable_gpu_count() is not 0\n";
  problems += expect_contains("the GPU tensor's error",
                              error_of([] { (void)Tensor(Shape{4}, DType::Float32, Device::gpu(0)); }),
                              "0 usable GPU(s)");
  // An Error thrown inside the module is caught here by its type.
  try {
    gpu_backend().synchronize(0);
    problems += "synchronize(0) without a driver did not throw\n";
  } catch (const Error&) {
  } catch (...) {
    problems += "synchronize(0) without a driver threw something other than fitbench::Error\n";
  }
  return problems;
}

TEST(GpuModule, ThisBuildsModuleLoadsWithoutAGpu) {
  if (std::string(FITBENCH_GPU_MODULE_PATH).empty()) GTEST_SKIP() << "this build makes no GPU module";
  expect_in_fresh_process(FITBENCH_GPU_MODULE_PATH, loads_this_builds_module);
  expect_in_fresh_process("", loads_this_builds_module);  // found next to the tests
}

TEST(GpuModule, CliHelpSaysWhetherTheModuleIsLoaded) {
  const std::string missing = "/nonexistent/fitbench/libfitbench_cuda.so";
  const test::ProgramResult refused =
      test::run_program("FITBENCH_GPU_MODULE=" + missing + " " + FITBENCH_CLI_PATH, "--help");
  EXPECT_EQ(refused.code, 0);
  EXPECT_NE(refused.output.find("\nGPU module: not loaded: FITBENCH_GPU_MODULE names " + missing),
            std::string::npos)
      << refused.output;

  const test::ProgramResult gpus = test::run_program(
      "FITBENCH_GPU_MODULE=" + missing + " " + FITBENCH_CLI_PATH, "--gpus 0 --num-epochs 1");
  EXPECT_EQ(gpus.code, 2) << gpus.output;  // a start problem of --gpus: a bad argument here
  EXPECT_NE(gpus.output.find("--gpus 0: FITBENCH_GPU_MODULE names " + missing), std::string::npos)
      << gpus.output;

  if (std::string(FITBENCH_GPU_MODULE_PATH).empty()) return;
  const test::ProgramResult found =
      test::run_program("env -u FITBENCH_GPU_MODULE " FITBENCH_CLI_PATH, "--help");
  EXPECT_EQ(found.code, 0);
  EXPECT_NE(found.output.find("\nGPU module: loaded from "), std::string::npos) << found.output;
}

}  // namespace
}  // namespace fitbench
