// clip kernels, elementwise over n values (any shape): x, y, dy, dx are n floats.
//
//   y  = min(max(x, a_min), a_max)
//   dx = dy * [a_min <= x <= a_max]
//
// CPU kernels in fitbench::cpu (ops/cpu/clip.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/clip.cu) on device pointers.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

void clip_forward(float a_min, float a_max, const float* x, float* y, int64_t n);
// Differentiates through the input x: the bounds themselves pass the gradient.
void clip_backward(float a_min, float a_max, const float* dy, const float* x, float* dx, int64_t n);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::clip_forward) clip_forward;
decltype(cpu::clip_backward) clip_backward;

}  // namespace fitbench::cuda
