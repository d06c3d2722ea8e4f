// CUDA kernels of LeakyReLU (twins of ops/cpu/leaky_relu.h).
#pragma once

#include <cstdint>

#include "ops/cpu/leaky_relu.h"

namespace fitbench::cuda {

using cpu::LeakyType;

void leaky_relu_forward(LeakyType type, float slope, const float* x, float* y, int64_t n);
// Differentiates through the output y, as MXNet does.
void leaky_relu_backward(LeakyType type, float slope, const float* dy, const float* y, float* dx, int64_t n);

}  // namespace fitbench::cuda
