// CUDA kernels of LRN (twins of ops/cpu/lrn.h).
#pragma once

#include <cstdint>

#include "ops/cpu/lrn.h"

namespace fitbench::cuda {

using cpu::LrnGeometry;

// y = x * norm^-beta, keeping norm for backward.
void lrn_forward(const LrnGeometry& g, const float* x, float* y, float* norm);
// dx from dy, x and the forward's norm; `scratch` holds N*C*H*W floats on the device.
void lrn_backward(const LrnGeometry& g, const float* dy, const float* x, const float* norm, float* dx,
                  float* scratch);

}  // namespace fitbench::cuda
