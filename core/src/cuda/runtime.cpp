// Devices, streams, library handles and the caching allocator.
#include "cuda/runtime.h"

#include <map>
#include <mutex>
#include <vector>

#include "cuda/context.h"

namespace fitbench::cuda {

void fail_cuda(const char* call, const char* file, int line, const char* what) {
  fail(call, " failed (", file, ":", line, "): ", what);
}

namespace {

// Created on first use and kept for the life of the process: tearing down
// streams and handles during static destruction races the driver's own exit.
struct DeviceResources {
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  cudnnHandle_t cudnn = nullptr;
};

std::mutex& resources_mutex() {
  static std::mutex m;
  return m;
}

DeviceResources& resources(int device) {
  static auto* table = new std::map<int, DeviceResources>();
  std::lock_guard lock(resources_mutex());
  DeviceResources& r = (*table)[device];
  if (!r.stream) FB_CUDA_CHECK(cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking));
  return r;
}

// Blocks are rounded up so that slightly different sizes (a last batch, a
// pooled gradient) share them: 512 bytes for small blocks, 2 MiB from 1 MiB on.
size_t rounded_size(size_t bytes) {
  constexpr size_t small = 512, large = size_t{2} << 20;
  if (bytes < (size_t{1} << 20)) return (std::max<size_t>(bytes, 1) + small - 1) / small * small;
  return (bytes + large - 1) / large * large;
}

class CachingAllocator {
 public:
  void* allocate(int device, size_t bytes) {
    const size_t size = rounded_size(bytes);
    std::lock_guard lock(mutex_);
    auto& blocks = free_[{device, size}];
    Use& use = use_[device];
    if (!blocks.empty()) {
      void* p = blocks.back();
      blocks.pop_back();
      use.cached -= size;
      use.in_use += size;
      return p;
    }
    DeviceScope scope(Device::gpu(device));
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // clear the sticky error before trying again
      free_cached(device);
      status = cudaMalloc(&p, size);
    }
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      fail("gpu(", device, ") is out of memory: ", size >> 20, " MiB more were asked for while ",
           use.in_use >> 20, " MiB are in use by fitbench; use a smaller batch or a smaller network");
    }
    FB_CUDA_CHECK(status);
    use.in_use += size;
    return p;
  }

  void release(int device, void* ptr, size_t bytes) {
    const size_t size = rounded_size(bytes);
    std::lock_guard lock(mutex_);
    free_[{device, size}].push_back(ptr);
    use_[device].in_use -= size;
    use_[device].cached += size;
  }

  GpuMemoryUse memory_use(int device) {
    std::lock_guard lock(mutex_);
    return {use_[device].in_use, use_[device].cached};
  }

 private:
  using Use = GpuMemoryUse;
  // Called with mutex_ held: returns the device's cached blocks to CUDA.
  void free_cached(int device) {
    synchronize(device);
    for (auto& [key, blocks] : free_) {
      if (key.first != device) continue;
      for (void* p : blocks) FB_CUDA_CHECK(cudaFree(p));
      use_[device].cached -= key.second * blocks.size();
      blocks.clear();
    }
  }

  std::mutex mutex_;
  std::map<std::pair<int, size_t>, std::vector<void*>> free_;
  std::map<int, Use> use_;
};

CachingAllocator& allocator() {
  static auto* a = new CachingAllocator();  // never destroyed, see DeviceResources
  return *a;
}

}  // namespace

int device_count() {
  // Asked once: Storage checks it on every GPU allocation.
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();
      return 0;
    }
    return n;
  }();
  return count;
}

int current_device() {
  int device = 0;
  FB_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

cudaStream_t current_stream() { return resources(current_device()).stream; }

cublasHandle_t current_cublas() {
  const int device = current_device();
  DeviceResources& r = resources(device);
  if (!r.cublas) {
    FB_CUBLAS_CHECK(cublasCreate(&r.cublas));
    FB_CUBLAS_CHECK(cublasSetStream(r.cublas, r.stream));
  }
  return r.cublas;
}

cudnnHandle_t current_cudnn() {
  const int device = current_device();
  DeviceResources& r = resources(device);
  if (!r.cudnn) {
    FB_CUDNN_CHECK(cudnnCreate(&r.cudnn));
    FB_CUDNN_CHECK(cudnnSetStream(r.cudnn, r.stream));
  }
  return r.cudnn;
}

void* allocate(int device, size_t bytes) { return allocator().allocate(device, bytes); }
void release(int device, void* ptr, size_t bytes) { allocator().release(device, ptr, bytes); }
GpuMemoryUse memory_use(int device) { return allocator().memory_use(device); }

void copy(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  // The stream of the device involved (the destination's for device to device).
  const Device on = dst_device.is_cpu() ? src_device : dst_device;
  DeviceScope scope(on);
  const cudaStream_t stream = current_stream();
  if (!dst_device.is_cpu() && !src_device.is_cpu() && dst_device.id != src_device.id) {
    // The source's pending work must be done before the peer copy reads it,
    // and the copy before the source's later work (or the allocator) reuses it:
    // the two devices' streams know nothing of each other.
    synchronize(src_device.id);
    FB_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device.id, src, src_device.id, bytes, stream));
    FB_CUDA_CHECK(cudaStreamSynchronize(stream));
  } else {
    FB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream));
  }
  if (dst_device.is_cpu() || src_device.is_cpu()) FB_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void zero(void* ptr, int device, size_t bytes) {
  DeviceScope scope(Device::gpu(device));
  FB_CUDA_CHECK(cudaMemsetAsync(ptr, 0, bytes, current_stream()));
}

void synchronize(int device) {
  DeviceScope scope(Device::gpu(device));
  FB_CUDA_CHECK(cudaStreamSynchronize(current_stream()));
}

int set_device(int device) {
  int previous = -1;
  FB_CUDA_CHECK(cudaGetDevice(&previous));
  if (previous == device) return -1;
  FB_CUDA_CHECK(cudaSetDevice(device));
  return previous;
}

void restore_device(int device) noexcept { (void)cudaSetDevice(device); }

DeviceScope::DeviceScope(Device device) : previous_(device.is_cpu() ? -1 : set_device(device.id)) {}

DeviceScope::~DeviceScope() {
  if (previous_ >= 0) restore_device(previous_);
}

DeviceFloats::DeviceFloats(int64_t n) {
  if (n <= 0) return;
  device_ = current_device();
  bytes_ = static_cast<size_t>(n) * sizeof(float);
  ptr_ = static_cast<float*>(allocate(device_, bytes_));
}

DeviceFloats::~DeviceFloats() {
  if (ptr_) release(device_, ptr_, bytes_);
}

}  // namespace fitbench::cuda
