// Convolution kernels (2-D, NCHW, float32), G groups, Cg = C/G:
//
//   x (N, C, H, W)   w (F, Cg, KH, KW)   bias (F)   y (N, F, OH, OW)
//   OH = (H + 2*PH - (DH*(KH-1) + 1)) / SH + 1, likewise OW.
//   y[n, f, oy, ox] = bias[f] + sum_{c in group(f), ki, kj}
//                     w[f, c - g*Cg, ki, kj] * x[n, c, oy*SH - PH + ki*DH, ox*SW - PW + kj*DW]
//   (x outside the image is 0). Backward:
//   dbias[f] = sum_{n, oy, ox} dy[n, f, oy, ox]; dw and dx are the adjoints of the sum above.
//
// CPU kernels in fitbench::cpu (GEMMs, ops/cpu/convolution.cpp), their CUDA
// twins in fitbench::cuda (cuDNN, ops/cuda/convolution.cpp) on device pointers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fitbench {

// One 2-D convolution over an NCHW batch.
struct ConvShape {
  int64_t batch = 0, in_channels = 0, in_h = 0, in_w = 0;
  int64_t out_channels = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0, dilate_h = 1, dilate_w = 1;
  int64_t groups = 1;
};

}  // namespace fitbench

namespace fitbench::cpu {

// Whether convolution runs the AVX-512 kernels: where the CPU has them, unless
// FITBENCH_NO_AVX512 is set (other than to 0) when first asked. Tests turn
// them off to cover the portable path; they cannot be turned on without the CPU support.
bool convolution_avx512();
void set_convolution_avx512(bool enabled);

// Whether 3x3 stride-1 convolutions compute y, dx and dw by Winograd F(2x2, 3x3)
// (ops/cpu/convolution_winograd.cpp) on the AVX-512 route: yes, unless
// FITBENCH_NO_WINOGRAD is set (other than to 0) when first asked. Tests switch
// it to compare with direct convolution.
bool convolution_winograd();
void set_convolution_winograd(bool enabled);

// Floats of scratch memory (on the kernels' own device: device memory for the
// cuda:: twins) that convolution_forward / convolution_backward need.
size_t convolution_workspace_floats(const ConvShape& s);

// bias may be null (no_bias).
void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace);

// Writes the gradients whose pointers are not null.
void convolution_backward(const ConvShape& s, const float* x, const float* w, const float* dy, float* dx,
                          float* dw, float* dbias, float* workspace);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins, but for the route switches.
namespace fitbench::cuda {

decltype(cpu::convolution_workspace_floats) convolution_workspace_floats;
decltype(cpu::convolution_forward) convolution_forward;
decltype(cpu::convolution_backward) convolution_backward;

}  // namespace fitbench::cuda
