// GPU inventory through NVML, opened with dlopen so that a machine without the
// NVIDIA driver runs fitbench all the same (and the build needs no NVML).
#include "fitbench/gpu_info.h"

#include <dlfcn.h>

#include <string>

namespace fitbench {

namespace {

// The few NVML declarations used here, as nvml.h defines them (a C ABI that
// NVML keeps stable across driver versions).
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
struct NvmlMemory {
  unsigned long long total, free, used;
};
struct NvmlUtilization {
  unsigned int gpu, memory;
};
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr int kNvmlTemperatureGpu = 0;
constexpr unsigned kNvmlNameBufferSize = 96;

// The loaded library and its entry points; closes it on destruction.
class Nvml {
 public:
  Nvml() : handle_(dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL)) {}
  ~Nvml() {
    if (initialized_) shutdown_();
    if (handle_) dlclose(handle_);
  }
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  // Empty on success, else why NVML cannot be used.
  std::string open() {
    if (!handle_)
      return "no NVIDIA driver found (libnvidia-ml.so.1 could not be loaded); install the NVIDIA driver to "
             "use GPUs";
    const bool all = bind(init_, "nvmlInit_v2") && bind(shutdown_, "nvmlShutdown") &&
                     bind(error_string_, "nvmlErrorString") && bind(count_, "nvmlDeviceGetCount_v2") &&
                     bind(handle_by_index_, "nvmlDeviceGetHandleByIndex_v2") &&
                     bind(name_, "nvmlDeviceGetName") && bind(memory_, "nvmlDeviceGetMemoryInfo") &&
                     bind(utilization_, "nvmlDeviceGetUtilizationRates") &&
                     bind(temperature_, "nvmlDeviceGetTemperature");
    if (!all) return "libnvidia-ml.so.1 lacks the NVML functions fitbench needs; update the NVIDIA driver";
    if (NvmlReturn r = init_(); r != kNvmlSuccess) return "NVML could not start: " + error(r);
    initialized_ = true;
    return {};
  }

  std::string error(NvmlReturn r) const {
    const char* text = error_string_ ? error_string_(r) : nullptr;
    return text ? text : "NVML error " + std::to_string(r);
  }

  NvmlReturn (*init_)() = nullptr;
  NvmlReturn (*shutdown_)() = nullptr;
  const char* (*error_string_)(NvmlReturn) = nullptr;
  NvmlReturn (*count_)(unsigned*) = nullptr;
  NvmlReturn (*handle_by_index_)(unsigned, NvmlDevice*) = nullptr;
  NvmlReturn (*name_)(NvmlDevice, char*, unsigned) = nullptr;
  NvmlReturn (*memory_)(NvmlDevice, NvmlMemory*) = nullptr;
  NvmlReturn (*utilization_)(NvmlDevice, NvmlUtilization*) = nullptr;
  NvmlReturn (*temperature_)(NvmlDevice, int, unsigned*) = nullptr;

 private:
  template <class F>
  bool bind(F& f, const char* symbol) {
    f = reinterpret_cast<F>(dlsym(handle_, symbol));
    return f != nullptr;
  }

  void* handle_;
  bool initialized_ = false;
};

}  // namespace

// NVML numbers devices in PCI bus order; the CUDA backend is to number them
// the same way (CUDA_DEVICE_ORDER=PCI_BUS_ID) so --gpus N is the row shown here.
GpuInventory query_gpus() {
  GpuInventory inventory;
  Nvml nvml;
  inventory.reason = nvml.open();
  if (!inventory.reason.empty()) return inventory;
  unsigned count = 0;
  if (NvmlReturn r = nvml.count_(&count); r != kNvmlSuccess) {
    inventory.reason = "NVML could not count the GPUs: " + nvml.error(r);
    return inventory;
  }
  if (count == 0) inventory.reason = "the NVIDIA driver reports no GPU";
  for (unsigned i = 0; i < count; ++i) {
    NvmlDevice device = nullptr;
    if (NvmlReturn r = nvml.handle_by_index_(i, &device); r != kNvmlSuccess) {
      inventory.reason +=
          (inventory.reason.empty() ? "" : "; ") + ("GPU " + std::to_string(i) + ": " + nvml.error(r));
      continue;
    }
    GpuInfo gpu;
    gpu.index = static_cast<int>(i);
    char name[kNvmlNameBufferSize] = {};
    if (nvml.name_(device, name, kNvmlNameBufferSize) == kNvmlSuccess) gpu.name = name;
    NvmlMemory memory{};
    if (nvml.memory_(device, &memory) == kNvmlSuccess) {
      gpu.total_bytes = static_cast<int64_t>(memory.total);
      gpu.free_bytes = static_cast<int64_t>(memory.free);
    }
    NvmlUtilization utilization{};
    if (nvml.utilization_(device, &utilization) == kNvmlSuccess)
      gpu.utilization_percent = static_cast<int>(utilization.gpu);
    unsigned temperature = 0;
    if (nvml.temperature_(device, kNvmlTemperatureGpu, &temperature) == kNvmlSuccess)
      gpu.temperature_celsius = static_cast<int>(temperature);
    inventory.gpus.push_back(gpu);
  }
  return inventory;
}

}  // namespace fitbench
