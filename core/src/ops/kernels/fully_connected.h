// FullyConnected kernels (float32, row-major): x (N, K), w (M, K), bias (M),
// y (N, M); N rows, K inputs, M = num_hidden.
//
//   forward:  y = x . w^T + bias            y[n, m] = bias[m] + sum_k x[n, k] w[m, k]
//   backward: dx = dy . w                   (N, M) . (M, K)
//             dw = dy^T . x                 (M, N) . (N, K)
//             dbias[m] = sum_n dy[n, m]
//
// CPU kernels in fitbench::cpu (GEMMs, ops/cpu/fully_connected.cpp), their
// CUDA twins in fitbench::cuda (cuBLAS, ops/cuda/fully_connected.cu) on
// device pointers.
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

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::fully_connected_forward) fully_connected_forward;
decltype(cpu::fully_connected_backward) fully_connected_backward;

}  // namespace fitbench::cuda
