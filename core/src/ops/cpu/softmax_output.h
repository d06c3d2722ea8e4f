// CPU kernels of SoftmaxOutput.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

// Data and probabilities viewed as (outer, classes, inner); labels as (outer, inner).
struct SoftmaxDims {
  int64_t outer;
  int64_t classes;
  int64_t inner;
};

void softmax_forward(const SoftmaxDims& d, const float* x, float* p);

// Cross-entropy gradient with label smoothing, times `scale`. Positions whose
// label is `ignore_label` get 0 when use_ignore. dy == nullptr means no
// elementwise factor (MXNet's out_grad=False). Labels must be valid classes.
void softmax_output_backward(const SoftmaxDims& d, const float* p, const float* label, float smooth_alpha,
                             bool use_ignore, int ignore_label, float scale, const float* dy, float* dx);

}  // namespace fitbench::cpu
