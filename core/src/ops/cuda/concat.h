// CUDA kernels of Concat (twins of ops/cpu/concat.h).
#pragma once

#include <cstdint>
#include <vector>

namespace fitbench::cuda {

// Input k is viewed as (outer, widths[k]) and out as (outer, sum of widths).
// The vectors live on the host; the pointers in them are device pointers.
void concat_forward(const std::vector<const float*>& in, const std::vector<int64_t>& widths, int64_t outer,
                    float* out);
// The reverse split; a nullptr in `din` skips that input.
void concat_backward(const float* dout, const std::vector<int64_t>& widths, int64_t outer,
                     const std::vector<float*>& din);

}  // namespace fitbench::cuda
