// CUDA kernels of FullyConnected (float32), twins of cpu/kernels_fully_connected.h.
// Math in fully_connected.cu; pointers are device pointers.
#pragma once

#include <cstdint>

#include "ops/cpu/kernels_fully_connected.h"

namespace fitbench::cuda {

// x (rows, in), w (hidden, in), bias (hidden) or null, y (rows, hidden).
void fully_connected_forward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                             const float* bias, float* y);

// Writes the gradients whose pointers are not null.
void fully_connected_backward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                              const float* dy, float* dx, float* dw, float* dbias);

}  // namespace fitbench::cuda
