// CPU kernels of clip.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

void clip_forward(float a_min, float a_max, const float* x, float* y, int64_t n);
// Differentiates through the input x: the bounds themselves pass the gradient.
void clip_backward(float a_min, float a_max, const float* dy, const float* x, float* dx, int64_t n);

}  // namespace fitbench::cpu
