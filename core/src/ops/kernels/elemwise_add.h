// elemwise_add kernels over n values (any shape): lhs, rhs, out, dout, dlhs,
// drhs are n floats.
//
//   out = lhs + rhs          dlhs = dout, drhs = dout
//
// CPU kernels in fitbench::cpu (ops/cpu/elemwise_add.cpp), their CUDA twins
// in fitbench::cuda (ops/cuda/elemwise_add.cu) on device pointers.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

// out may be lhs (or rhs): the Executor accumulates gradients with elemwise_add(dst, src, dst, n).
void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n);

// dlhs = dout and drhs = dout in one pass; either target may be null.
void elemwise_add_backward(const float* dout, float* dlhs, float* drhs, int64_t n);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::elemwise_add) elemwise_add;
decltype(cpu::elemwise_add_backward) elemwise_add_backward;

}  // namespace fitbench::cuda
