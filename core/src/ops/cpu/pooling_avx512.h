// AVX-512 kernels of 2x2 max pooling at stride 2 (lenet's, VGG's), one plane
// at a time (used by pooling.cpp). Call them only when supported()
// (avx512.h) is true.
#pragma once

#include <cstdint>

namespace fitbench::cpu::avx512 {

// y[oy, ox] = max over a, b in {0, 1} of x[2oy + a, 2ox + b] for the (oh, ow)
// outputs of a plane w wide, 2*oh <= its height and 2*ow <= w. The maximum
// is folded as pooling.cpp's: a NaN cell loses to the cells before it.
void max_pool_2x2(const float* x, int64_t w, int64_t oh, int64_t ow, float* y);

// dx (h, w) for those outputs: dy[oy, ox] at the first cell of each window
// (row-major) that equals y[oy, ox], 0 at its other cells and at the cells
// outside every window (a last odd row or column).
void max_pool_2x2_backward(const float* x, int64_t h, int64_t w, const float* y, const float* dy, int64_t oh,
                           int64_t ow, float* dx);

}  // namespace fitbench::cpu::avx512
