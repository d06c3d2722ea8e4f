// Activation kernels, elementwise over n values (any shape): x, y, dy, dx are n floats.
//
//   relu      y = max(x, 0)            dx = dy * [y > 0]
//   sigmoid   y = 1 / (1 + e^-x)       dx = dy * y * (1 - y)
//   tanh      y = tanh(x)              dx = dy * (1 - y^2)
//   softrelu  y = log(1 + e^x)         dx = dy * (1 - e^-y)      (= sigmoid(x))
//   softsign  y = x / (1 + |x|)        dx = dy / (1 + |x|)^2
//
// As in MXNet, the derivative is taken from the output y, except for softsign,
// whose derivative comes from the input x. CPU kernels in fitbench::cpu
// (ops/cpu/activation.cpp), their CUDA twins in fitbench::cuda
// (ops/cuda/activation.cu) on device pointers; the twins agree to a few ulp
// (the CPU's fast_math.h against the device's expf, tanhf, log1pf and expm1f).
#pragma once

#include <cstdint>

namespace fitbench {

enum class ActType { Relu, Sigmoid, Tanh, SoftRelu, SoftSign };

}  // namespace fitbench

namespace fitbench::cpu {

void activation_forward(ActType type, const float* x, float* y, int64_t n);
// Needs both x and y: most types differentiate through y, softsign through x.
void activation_backward(ActType type, const float* dy, const float* x, const float* y, float* dx, int64_t n);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::activation_forward) activation_forward;
decltype(cpu::activation_backward) activation_backward;

}  // namespace fitbench::cuda
