// What CUDA code of the core shares: checked calls, the current device's
// stream and library handles, and the launch of element-wise kernels.
// Include it from .cu files and from .cpp files of cuda/ folders only.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstdint>

#include "fitbench/error.h"

namespace fitbench::cuda {

[[noreturn]] void fail_cuda(const char* call, const char* file, int line, const char* what);

// Each wrapped call throws Error naming the call, where it was made and the
// library's own words for the failure.
#define FB_CUDA_CHECK(call)                                                                  \
  do {                                                                                       \
    const cudaError_t fb_status = (call);                                                    \
    if (fb_status != cudaSuccess)                                                            \
      ::fitbench::cuda::fail_cuda(#call, __FILE__, __LINE__, cudaGetErrorString(fb_status)); \
  } while (0)
#define FB_CUBLAS_CHECK(call)                                                                   \
  do {                                                                                          \
    const cublasStatus_t fb_status = (call);                                                    \
    if (fb_status != CUBLAS_STATUS_SUCCESS)                                                     \
      ::fitbench::cuda::fail_cuda(#call, __FILE__, __LINE__, cublasGetStatusString(fb_status)); \
  } while (0)
#define FB_CUDNN_CHECK(call)                                                                  \
  do {                                                                                        \
    const cudnnStatus_t fb_status = (call);                                                   \
    if (fb_status != CUDNN_STATUS_SUCCESS)                                                    \
      ::fitbench::cuda::fail_cuda(#call, __FILE__, __LINE__, cudnnGetErrorString(fb_status)); \
  } while (0)
// After a kernel launch: a bad configuration shows up here, not later.
#define FB_CUDA_LAUNCH_CHECK() FB_CUDA_CHECK(cudaGetLastError())

int current_device();
// The stream, cuBLAS handle and cuDNN handle of the current device (created
// on first use; the handles are bound to the stream).
cudaStream_t current_stream();
cublasHandle_t current_cublas();
cudnnHandle_t current_cudnn();

constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over n items: enough to fill the device,
// never more than the items need.
inline unsigned int blocks_for(int64_t n) {
  const int64_t wanted = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(wanted < 65536 ? (wanted > 0 ? wanted : 1) : 65536);
}

#ifdef __CUDACC__
template <class F>
__global__ void elementwise_kernel(int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{blockDim.x} * gridDim.x)
    f(i);
}

// f(i) for i in [0, n) on the current stream: the CUDA twin of cpu::elementwise.
template <class F>
void elementwise(int64_t n, F f) {
  if (n <= 0) return;
  elementwise_kernel<<<blocks_for(n), kThreadsPerBlock, 0, current_stream()>>>(n, f);
  FB_CUDA_LAUNCH_CHECK();
}
#endif

}  // namespace fitbench::cuda
