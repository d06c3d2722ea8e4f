// The GPUs of this machine as NVML reports them (name, memory, utilization,
// temperature). NVML is loaded at run time, so fitbench neither links against
// nor needs the NVIDIA driver. Whether fitbench can train on them is the GPU
// module's say (fitbench/gpu_module.h).
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

}  // namespace fitbench
