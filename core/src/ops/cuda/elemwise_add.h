// CUDA kernels of elemwise_add (twins of ops/cpu/elemwise_add.h).
#pragma once

#include <cstdint>

namespace fitbench::cuda {

// out may be lhs: the Executor accumulates gradients with elemwise_add(dst, src, dst, n).
void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n);

// dlhs = dout and drhs = dout in one pass; either target may be null.
void elemwise_add_backward(const float* dout, float* dlhs, float* drhs, int64_t n);

}  // namespace fitbench::cuda
