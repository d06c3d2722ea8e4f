// Pooling kernels (2-D, NCHW, float32): x (N, C, H, W), y (N, C, OH, OW).
// Output (oy, ox) covers the window rows [oy*SH - PH, oy*SH - PH + KH) and
// columns likewise, clipped to the image:
//
//   max: y = max over the window (padding never wins)
//   sum: y = sum over the window
//   avg: y = sum / area, where area counts the padded cells inside
//        [-PH, H + PH) when count_include_pad, else only the image cells;
//        0 for a window wholly in the padding, where that area is 0.
//   backward: max sends dy to the first window cell (row-major) equal to y;
//             sum sends dy to every cell; avg sends dy / area to every cell.
//
// CPU kernels in fitbench::cpu (ops/cpu/pooling.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/pooling.cu) on device pointers.
#pragma once

#include <cstdint>

namespace fitbench {

enum class PoolType { Max, Avg, Sum };

struct PoolShape {
  int64_t batch = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  PoolType type = PoolType::Max;
  bool count_include_pad = true;  // Avg: divide by the window including padding
};

}  // namespace fitbench

namespace fitbench::cpu {

void pooling_forward(const PoolShape& s, const float* x, float* y);

// Writes dx. Max pooling routes each dy to the first input of its window that
// equals the output, so it needs x and y.
void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::pooling_forward) pooling_forward;
decltype(cpu::pooling_backward) pooling_backward;

}  // namespace fitbench::cuda
