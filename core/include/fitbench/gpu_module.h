// Whether this fitbench can train on GPUs. The CUDA backend is a module,
// libfitbench_cuda.so, loaded on first use so that fitbench starts on machines
// without NVIDIA's libraries. It is looked for at:
//   1. $FITBENCH_GPU_MODULE, when set (then nowhere else);
//   2. <folder of the program>/../lib/fitbench/ (/usr/bin -> /usr/lib/fitbench);
//   3. where this build tree puts it, for programs deeper in the tree (tests).
#pragma once

#include <string>

namespace fitbench {

struct GpuModuleStatus {
  bool loaded = false;
  std::string path;    // the module loaded or refused; empty when none was found
  std::string reason;  // why it is not loaded, a sentence saying what to do; empty when loaded
};

// Loads the module the first time it is called (from any thread); the answer
// then stays the same for the life of the process.
const GpuModuleStatus& gpu_module_status();

// GPUs the module can use: 0 without the module, a driver or a GPU.
int usable_gpu_count();

// One line for --help: the module's path when it is loaded, else why not.
std::string gpu_module_summary();

}  // namespace fitbench
