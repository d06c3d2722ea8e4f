// The GPU backend as the core sees it: one table of function pointers that
// the GPU module (libfitbench_cuda.so, built from the cuda/ folders) fills and
// the core loads at run time, so no fitbench program links a CUDA library and
// every one starts on a machine without them.
//
// Each kernel member has the type of its CPU twin (cpu::kernel), and the module
// fills it with cuda::kernel: a twin whose parameters drift from the CPU
// kernel's no longer compiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fitbench/device.h"
#include "ops/kernels/activation.h"
#include "ops/kernels/batch_norm.h"
#include "ops/kernels/clip.h"
#include "ops/kernels/concat.h"
#include "ops/kernels/convolution.h"
#include "ops/kernels/dropout.h"
#include "ops/kernels/elemwise_add.h"
#include "ops/kernels/fully_connected.h"
#include "ops/kernels/leaky_relu.h"
#include "ops/kernels/lrn.h"
#include "ops/kernels/pooling.h"
#include "ops/kernels/softmax_output.h"
#include "optim/kernels/update_rules.h"

namespace fitbench {

// Raised whenever GpuBackend changes, so that a module built against another
// layout is refused rather than called.
inline constexpr int kGpuBackendAbi = 2;

// Bytes of one GPU that the caching allocator hands out and keeps cached.
struct GpuMemoryUse {
  size_t in_use = 0;
  size_t cached = 0;
};

// In-place all-reduce (sum) over the GPUs of one process (NCCL).
class GpuAllReduce {
 public:
  virtual ~GpuAllReduce() = default;
  // buffers[i] (`count` floats on the i-th GPU given at creation) all become
  // the element-wise sum, queued on each GPU's stream.
  virtual void sum(const std::vector<float*>& buffers, size_t count) = 0;
};

struct GpuBackend {
  // The module's build, checked before anything else is read: keep these three first.
  int abi_version;               // kGpuBackendAbi
  size_t size;                   // sizeof(GpuBackend)
  const char* fitbench_version;  // the project's version

  // The runtime. Usable devices: 0, never an error, without a driver or a GPU.
  int (*device_count)();
  // Memory from the caching allocator; throws Error when the device is full.
  void* (*allocate)(int device, size_t bytes);
  // Back to the cache; work already queued on the device may still use it.
  void (*release)(int device, void* ptr, size_t bytes);
  GpuMemoryUse (*memory_use)(int device);
  // Any pair of host and device memory; returns once host memory may be reused.
  void (*copy)(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
  void (*zero)(void* ptr, int device, size_t bytes);
  void (*fill)(float* ptr, int device, float value, int64_t n);
  void (*synchronize)(int device);
  // Makes `device` current for the kernels launched next; returns the device
  // that was current, or -1 when it already was `device`.
  int (*set_device)(int device);
  // Makes a device returned by set_device current again; errors are ignored,
  // since a scope's destructor calls it.
  void (*restore_device)(int device) noexcept;
  // One communicator per entry of `devices`; throws Error when NCCL refuses
  // them. Null when the module was built without NCCL.
  std::unique_ptr<GpuAllReduce> (*make_all_reduce)(const std::vector<int>& devices);

  // The kernels: device pointers, launched on the current device's stream.
  decltype(&cpu::activation_forward) activation_forward;
  decltype(&cpu::activation_backward) activation_backward;
  decltype(&cpu::batch_norm_forward_train) batch_norm_forward_train;
  decltype(&cpu::batch_norm_forward_global) batch_norm_forward_global;
  decltype(&cpu::batch_norm_backward) batch_norm_backward;
  decltype(&cpu::clip_forward) clip_forward;
  decltype(&cpu::clip_backward) clip_backward;
  decltype(&cpu::concat_forward) concat_forward;
  decltype(&cpu::concat_backward) concat_backward;
  decltype(&cpu::convolution_workspace_floats) convolution_workspace_floats;
  decltype(&cpu::convolution_forward) convolution_forward;
  decltype(&cpu::convolution_backward) convolution_backward;
  decltype(&cpu::dropout_draw_mask) dropout_draw_mask;
  decltype(&cpu::dropout_apply) dropout_apply;
  decltype(&cpu::elemwise_add) elemwise_add;
  decltype(&cpu::elemwise_add_backward) elemwise_add_backward;
  decltype(&cpu::fully_connected_forward) fully_connected_forward;
  decltype(&cpu::fully_connected_backward) fully_connected_backward;
  decltype(&cpu::leaky_relu_forward) leaky_relu_forward;
  decltype(&cpu::leaky_relu_backward) leaky_relu_backward;
  decltype(&cpu::lrn_forward) lrn_forward;
  decltype(&cpu::lrn_backward) lrn_backward;
  decltype(&cpu::pooling_forward) pooling_forward;
  decltype(&cpu::pooling_backward) pooling_backward;
  decltype(&cpu::softmax_forward) softmax_forward;
  decltype(&cpu::softmax_output_backward) softmax_output_backward;
  decltype(&cpu::sgd_update) sgd_update;
  decltype(&cpu::nag_update) nag_update;
  decltype(&cpu::adam_update) adam_update;
  decltype(&cpu::update_step) update_step;
};

// The loaded module's table. Throws Error with gpu_module_status().reason when
// there is none; loads the module on first use.
const GpuBackend& gpu_backend();

// Makes a GPU current for the kernels launched in this scope and restores the
// previous one after it. A CPU device does nothing, so CPU code never loads
// the module.
class DeviceScope {
 public:
  explicit DeviceScope(Device device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  const GpuBackend* gpu_ = nullptr;
  int previous_ = -1;
};

}  // namespace fitbench

// The module's one exported symbol (it is built with hidden visibility): its
// filled table, whose first members say which build it is.
extern "C" [[gnu::visibility("default")]] const fitbench::GpuBackend* fitbench_gpu_backend();
