// CPU kernels of LRN (local response normalization across channels).
#pragma once

#include <cstdint>

namespace fitbench::cpu {

struct LrnGeometry {
  int64_t batch = 0, channels = 0, spatial = 0;  // (N, C, H*W) of an NCHW tensor
  int nsize = 5;                                 // odd window width over channels
  float alpha = 1e-4f, beta = 0.75f, knorm = 2.0f;
};

// y = x * norm^-beta, keeping norm for backward.
void lrn_forward(const LrnGeometry& g, const float* x, float* y, float* norm);
// dx from dy, x and the forward's norm; `scratch` holds N*C*H*W floats.
void lrn_backward(const LrnGeometry& g, const float* dy, const float* x, const float* norm, float* dx,
                  float* scratch);

}  // namespace fitbench::cpu
