// CUDA kernels of Pooling (2-D, NCHW, float32), twins of cpu/kernels_pooling.h.
// Math in pooling.cu; pointers are device pointers.
#pragma once

#include "ops/cpu/kernels_pooling.h"

namespace fitbench::cuda {

using cpu::PoolShape;
using cpu::PoolType;

void pooling_forward(const PoolShape& s, const float* x, float* y);

// Writes dx. Max pooling routes each dy to the first input of its window that
// equals the output, so it needs x and y.
void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx);

}  // namespace fitbench::cuda
