// CUDA kernels of Convolution (2-D, NCHW, float32), twins of cpu/kernels_convolution.h.
// Math in convolution.cpp; pointers are device pointers.
#pragma once

#include <cstddef>

#include "ops/cpu/kernels_convolution.h"

namespace fitbench::cuda {

using cpu::ConvShape;

// Floats of device scratch memory that convolution_forward / convolution_backward need.
size_t convolution_workspace_floats(const ConvShape& s);

// bias may be null (no_bias).
void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace);

// Writes the gradients whose pointers are not null.
void convolution_backward(const ConvShape& s, const float* x, const float* w, const float* dy, float* dx,
                          float* dw, float* dbias, float* workspace);

}  // namespace fitbench::cuda
