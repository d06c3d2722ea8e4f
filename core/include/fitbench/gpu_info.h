// The GPUs of this machine as NVML reports them (name, memory, utilization,
// temperature), and whether this build can train on them. NVML is loaded at
// run time, so fitbench neither links against nor needs the NVIDIA driver.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fitbench {

struct GpuInfo {
  int index = 0;     // the number --gpus takes
  std::string name;  // "NVIDIA H100 80GB HBM3"
  int64_t total_bytes = 0;
  int64_t free_bytes = 0;
  int utilization_percent = -1;  // -1: not reported
  int temperature_celsius = -1;  // -1: not reported
};

struct GpuInventory {
  std::vector<GpuInfo> gpus;
  // Why `gpus` is empty or short (no NVML library, no driver, a device that
  // failed to answer); empty when every GPU answered.
  std::string reason;
};

// Queries NVML (libnvidia-ml.so.1) once per call.
GpuInventory query_gpus();

// True when this build has the CUDA backend and so accepts --gpus.
bool build_has_cuda();
// GPUs the CUDA runtime can use (0 without the backend, a driver or a GPU).
int usable_cuda_devices();

}  // namespace fitbench
