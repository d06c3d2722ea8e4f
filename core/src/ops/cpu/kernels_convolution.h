// CPU kernels of Convolution (2-D, NCHW, float32). Math in convolution.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fitbench::cpu {

// One 2-D convolution over an NCHW batch.
struct ConvShape {
  int64_t batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  int64_t out_channels = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0, dilate_h = 1, dilate_w = 1;
  int64_t groups = 1;
};

// Whether convolution runs the AVX-512 kernels: where the CPU has them, unless
// FITBENCH_NO_AVX512 is set (other than to 0) when first asked. Tests turn
// them off to cover the portable path; they cannot be turned on without the CPU support.
bool convolution_avx512();
void set_convolution_avx512(bool enabled);

// Floats of scratch memory that convolution_forward / convolution_backward need.
size_t convolution_workspace_floats(const ConvShape& s);

// bias may be null (no_bias).
void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace);

// Writes the gradients whose pointers are not null.
void convolution_backward(const ConvShape& s, const float* x, const float* w, const float* dy, float* dx,
                          float* dw, float* dbias, float* workspace);

}  // namespace fitbench::cpu
