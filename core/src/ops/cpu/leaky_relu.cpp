// LeakyReLU, elementwise over n values (any shape): x, y, dy, dx are (n,).
//
//   leaky  y = x > 0 ? x : slope * x              dx = dy * (y > 0 ? 1 : slope)
//   elu    y = x > 0 ? x : slope * (e^x - 1)      dx = dy * (y > 0 ? 1 : y + slope)
//
// Both derivatives are written in terms of y (for elu, y + slope = slope * e^x
// when x <= 0), matching MXNet's backward, which keeps only the output.
// e^x - 1 is fast::expm1, which vectorizes (a few ulp from libm).
#include "ops/kernels/leaky_relu.h"

#include "ops/cpu/elementwise.h"
#include "ops/cpu/fast_math.h"

namespace fitbench::cpu {

void leaky_relu_forward(LeakyType type, float slope, const float* x, float* y, int64_t n) {
  if (type == LeakyType::Leaky)
    elementwise(n, [&](int64_t i) { y[i] = x[i] > 0.0f ? x[i] : slope * x[i]; });
  else
    elementwise(n, [&](int64_t i) { y[i] = fast::select(x[i] > 0.0f, x[i], slope * fast::expm1(x[i])); });
}

void leaky_relu_backward(LeakyType type, float slope, const float* dy, const float* y, float* dx, int64_t n) {
  if (type == LeakyType::Leaky)
    elementwise(n, [&](int64_t i) { dx[i] = dy[i] * (y[i] > 0.0f ? 1.0f : slope); });
  else
    elementwise(n, [&](int64_t i) { dx[i] = dy[i] * fast::select(y[i] > 0.0f, 1.0f, y[i] + slope); });
}

}  // namespace fitbench::cpu
