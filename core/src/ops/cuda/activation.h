// CUDA kernels of Activation (twins of ops/cpu/activation.h).
#pragma once

#include <cstdint>

#include "ops/cpu/activation.h"

namespace fitbench::cuda {

using cpu::ActType;

void activation_forward(ActType type, const float* x, float* y, int64_t n);
// Needs both x and y: most types differentiate through y, softsign through x.
void activation_backward(ActType type, const float* dy, const float* x, const float* y, float* dx, int64_t n);

}  // namespace fitbench::cuda
