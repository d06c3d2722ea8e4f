// CPU kernels of Pooling (2-D, NCHW, float32). Math in pooling.cpp.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

enum class PoolType { Max, Avg, Sum };

struct PoolShape {
  int64_t batch = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  PoolType type = PoolType::Max;
  bool count_include_pad = true;  // Avg: divide by the window including padding
};

void pooling_forward(const PoolShape& s, const float* x, float* y);

// Writes dx. Max pooling routes each dy to the first input of its window that
// equals the output, so it needs x and y.
void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx);

}  // namespace fitbench::cpu
