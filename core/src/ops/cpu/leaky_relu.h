// CPU kernels of LeakyReLU.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

enum class LeakyType { Leaky, Elu };

void leaky_relu_forward(LeakyType type, float slope, const float* x, float* y, int64_t n);
// Differentiates through the output y, as MXNet does.
void leaky_relu_backward(LeakyType type, float slope, const float* dy, const float* y, float* dx, int64_t n);

}  // namespace fitbench::cpu
