// CUDA kernels of clip (twins of ops/cpu/clip.h).
#pragma once

#include <cstdint>

namespace fitbench::cuda {

void clip_forward(float a_min, float a_max, const float* x, float* y, int64_t n);
// Differentiates through the input x: the bounds themselves pass the gradient.
void clip_backward(float a_min, float a_max, const float* dy, const float* x, float* dx, int64_t n);

}  // namespace fitbench::cuda
