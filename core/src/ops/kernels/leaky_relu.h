// LeakyReLU kernels, elementwise over n values (any shape): x, y, dy, dx are n floats.
//
//   leaky  y = x > 0 ? x : slope * x              dx = dy * (y > 0 ? 1 : slope)
//   elu    y = x > 0 ? x : slope * (e^x - 1)      dx = dy * (y > 0 ? 1 : y + slope)
//
// CPU kernels in fitbench::cpu (ops/cpu/leaky_relu.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/leaky_relu.cu) on device pointers; e^x - 1 is
// fast::expm1 on the CPU and expm1f on the GPU, a few ulp apart.
#pragma once

#include <cstdint>

namespace fitbench {

enum class LeakyType { Leaky, Elu };

}  // namespace fitbench

namespace fitbench::cpu {

void leaky_relu_forward(LeakyType type, float slope, const float* x, float* y, int64_t n);
// Differentiates through the output y, as MXNet does.
void leaky_relu_backward(LeakyType type, float slope, const float* dy, const float* y, float* dx, int64_t n);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::leaky_relu_forward) leaky_relu_forward;
decltype(cpu::leaky_relu_backward) leaky_relu_backward;

}  // namespace fitbench::cuda
