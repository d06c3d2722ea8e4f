// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions on CPUs with AVX-512
// (used by convolution.cpp for all three passes; its transforms and
// products are kernels of convolution_avx512.cpp). The math and the layouts
// are at the top of convolution_winograd.cpp.
#pragma once

#include <cstddef>

#include "ops/kernels/convolution.h"

namespace fitbench::cpu::winograd {

// Whether this convolution has the form the transform computes: a 3x3 kernel,
// stride 1, no dilation, one group, padding up to 2 (dx is then a 3x3
// convolution with padding 2 - pad), and at least 8 channels in and out, below
// which the transforms cost more than the products they save.
bool applies(const ConvShape& s);

// Floats of workspace that each of the passes below needs.
size_t workspace_floats(const ConvShape& s);

// y = convolution of x with w, plus bias when it is not null.
void forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, float* workspace);

// dx = the input gradient of that convolution for the output gradient dy.
void backward_data(const ConvShape& s, const float* w, const float* dy, float* dx, float* workspace);

// dw (and dbias, when it is not null) = the weight (and bias) gradient of
// that convolution for the input x and the output gradient dy.
void backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                      float* workspace);

}  // namespace fitbench::cpu::winograd
