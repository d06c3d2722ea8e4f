// query_gpus(): without the NVIDIA driver (CI, most workstations without a GPU)
// the inventory is empty and says why; with it every GPU is numbered in order
// and its memory figures are consistent.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include "fitbench/gpu_info.h"

using namespace fitbench;

TEST(GpuInfo, ListsGpusOrSaysWhyNot) {
  const GpuInventory inventory = query_gpus();
  void* nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!nvml) {
    EXPECT_TRUE(inventory.gpus.empty());
    EXPECT_NE(inventory.reason.find("libnvidia-ml.so.1"), std::string::npos) << inventory.reason;
    EXPECT_NE(inventory.reason.find("driver"), std::string::npos) << inventory.reason;
    return;
  }
  dlclose(nvml);
  EXPECT_TRUE(!inventory.gpus.empty() || !inventory.reason.empty());
  for (size_t i = 0; i < inventory.gpus.size(); ++i) {
    const GpuInfo& gpu = inventory.gpus[i];
    SCOPED_TRACE(gpu.name);
    EXPECT_FALSE(gpu.name.empty());
    EXPECT_GT(gpu.total_bytes, 0);
    EXPECT_LE(gpu.free_bytes, gpu.total_bytes);
    EXPECT_GE(gpu.utilization_percent, -1);
    EXPECT_LE(gpu.utilization_percent, 100);
  }
}
