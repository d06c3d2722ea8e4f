// CUDA kernels of SoftmaxOutput (twins of ops/cpu/softmax_output.h).
#pragma once

#include <cstdint>

#include "ops/cpu/softmax_output.h"

namespace fitbench::cuda {

// Data and probabilities viewed as (outer, classes, inner); labels as (outer, inner).
using cpu::SoftmaxDims;

void softmax_forward(const SoftmaxDims& d, const float* x, float* p);

// Cross-entropy gradient with label smoothing, times `scale`. Positions whose
// label is `ignore_label` get 0 when use_ignore. dy == nullptr means no
// elementwise factor (MXNet's out_grad=False). Labels (on the device) must be
// valid classes: the caller checks them.
void softmax_output_backward(const SoftmaxDims& d, const float* p, const float* label, float smooth_alpha,
                             bool use_ignore, int ignore_label, float scale, const float* dy, float* dx);

}  // namespace fitbench::cuda
