// LRN (local response normalization across channels, Krizhevsky et al. 2012,
// MXNet's formula) kernels. x, y, norm, dy, dx, scratch: (N, C, H, W) floats;
// h = nsize / 2; window(c) = [c - h, c + h] clipped to [0, C).
//
//   norm[c] = knorm + (alpha / nsize) * sum_{c' in window(c)} x[c']^2
//   y[c]    = x[c] * norm[c]^-beta
//   dx[c]   = dy[c] * norm[c]^-beta
//             - (2 * alpha * beta / nsize) * x[c] * sum_{c' in window(c)} dy[c'] * x[c'] * norm[c']^(-beta-1)
//
// CPU kernels in fitbench::cpu (ops/cpu/lrn.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/lrn.cu) on device pointers.
#pragma once

#include <cstdint>

namespace fitbench {

struct LrnGeometry {
  int64_t batch = 0, channels = 0, spatial = 0;  // (N, C, H*W) of an NCHW tensor
  int nsize = 5;                                 // odd window width over channels
  float alpha = 1e-4f, beta = 0.75f, knorm = 2.0f;
};

}  // namespace fitbench

namespace fitbench::cpu {

// y = x * norm^-beta, keeping norm for backward.
void lrn_forward(const LrnGeometry& g, const float* x, float* y, float* norm);
// dx from dy, x and the forward's norm; `scratch` holds N*C*H*W floats (on the device for the cuda:: twin).
void lrn_backward(const LrnGeometry& g, const float* dy, const float* x, const float* norm, float* dx,
                  float* scratch);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::lrn_forward) lrn_forward;
decltype(cpu::lrn_backward) lrn_backward;

}  // namespace fitbench::cuda
