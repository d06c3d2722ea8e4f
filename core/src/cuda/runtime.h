// The GPU module's runtime: devices, streams and the caching allocator. Plain
// C++ with no CUDA headers; the core reaches these functions through the
// module's table (gpu/gpu_backend.h), never by name.
//
// Every device has one stream; all kernels and copies of a device go to it,
// so work is ordered without events, and memory the caching allocator hands
// out again is only reused by work queued after its last user. Copies that
// touch host memory wait for the stream, so the host may read or reuse its
// buffer as soon as they return.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fitbench/device.h"
#include "gpu/gpu_backend.h"

namespace fitbench::cuda {

// Usable devices; 0 (never an error) without a driver or a GPU.
int device_count();

// Device memory from the caching allocator. Throws Error naming the device and
// the sizes when the device is out of memory even after the cache is freed.
void* allocate(int device, size_t bytes);
// Returns a block to the cache; work already queued on the device's stream
// may still use it, later work may get it again.
void release(int device, void* ptr, size_t bytes);
// Bytes handed out and bytes kept in the cache, for one device.
GpuMemoryUse memory_use(int device);

// bytes from src to dst, any pair of host and device memory.
void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);
void zero(void* ptr, int device, size_t bytes);
// Sets n floats at ptr (on `device`) to value.
void fill(float* ptr, int device, float value, int64_t n);
// Waits until the device's stream has done all its work.
void synchronize(int device);

// Makes `device` current; returns the device that was current, or -1 when it
// already was `device`.
int set_device(int device);
// Makes a device that set_device returned current again, ignoring errors.
void restore_device(int device) noexcept;

// The core's DeviceScope within the module: `device` current for the kernels
// launched in this scope (a CPU device leaves the current device alone).
class DeviceScope {
 public:
  explicit DeviceScope(Device device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = -1;
};

// `n` floats of the current device's memory from the caching allocator for
// the length of a call (none when n is 0): a kernel's scratch space.
class DeviceFloats {
 public:
  explicit DeviceFloats(int64_t n);
  ~DeviceFloats();
  DeviceFloats(const DeviceFloats&) = delete;
  DeviceFloats& operator=(const DeviceFloats&) = delete;
  float* get() const { return ptr_; }

 private:
  int device_ = -1;
  size_t bytes_ = 0;
  float* ptr_ = nullptr;
};

}  // namespace fitbench::cuda
