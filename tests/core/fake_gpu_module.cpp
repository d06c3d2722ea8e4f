// A stand-in for the GPU module of another fitbench release, for
// test_gpu_module: the right entry point, and a table that says whose it is.
#include "gpu/gpu_backend.h"

extern "C" const fitbench::GpuBackend* fitbench_gpu_backend() {
  static const fitbench::GpuBackend table = [] {
    fitbench::GpuBackend t{};
    t.abi_version = fitbench::kGpuBackendAbi;
    t.size = sizeof t;
    t.fitbench_version = "0.0.0-another-build";
    return t;
  }();
  return &table;
}
