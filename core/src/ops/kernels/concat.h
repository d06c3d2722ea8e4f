// Concat kernels: K inputs joined along one axis. Input k is (outer, width_k)
// floats, out is (outer, W) with W = sum_k width_k:
//
//   out[o, off_k + j] = in_k[o, j]        off_k = width_0 + ... + width_{k-1}
//   din_k[o, j]       = dout[o, off_k + j]
//
// CPU kernels in fitbench::cpu (ops/cpu/concat.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/concat.cu).
#pragma once

#include <cstdint>
#include <vector>

namespace fitbench::cpu {

// Input k is viewed as (outer, widths[k]) and out as (outer, sum of widths).
void concat_forward(const std::vector<const float*>& in, const std::vector<int64_t>& widths, int64_t outer,
                    float* out);
// The reverse split; a nullptr in `din` skips that input.
void concat_backward(const float* dout, const std::vector<int64_t>& widths, int64_t outer,
                     const std::vector<float*>& din);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins. The vectors live on the host;
// the pointers in them are device pointers.
namespace fitbench::cuda {

decltype(cpu::concat_forward) concat_forward;
decltype(cpu::concat_backward) concat_backward;

}  // namespace fitbench::cuda
