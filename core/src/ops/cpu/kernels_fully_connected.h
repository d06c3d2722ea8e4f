// CPU kernels of FullyConnected (float32). Math in fully_connected.cpp.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

// x (rows, in), w (hidden, in), bias (hidden) or null, y (rows, hidden).
void fully_connected_forward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                             const float* bias, float* y);

// Writes the gradients whose pointers are not null.
void fully_connected_backward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                              const float* dy, float* dx, float* dw, float* dbias);

}  // namespace fitbench::cpu
