// SoftmaxOutput kernels: softmax over the class axis with cross-entropy
// gradient. x, p, dy, dx are (outer, C, inner) floats (plain classification:
// (N, C, 1)); label is (outer, inner) holding class indices as floats.
//
//   forward:   p[o, c, i] = exp(x[o, c, i] - m) / sum_c' exp(x[o, c', i] - m),   m = max_c x[o, c, i]
//   backward:  k = label[o, i]
//              t[c] = c == k ? 1 - alpha : alpha / (C - 1)     (one-hot when smooth_alpha = 0)
//              dx[o, c, i] = scale * (p[o, c, i] - t[c])       (0 where use_ignore and k == ignore_label)
//              dx *= dy elementwise when out_grad is set
//
// CPU kernels in fitbench::cpu (ops/cpu/softmax_output.cpp), their CUDA twins
// in fitbench::cuda (ops/cuda/softmax_output.cu) on device pointers; the
// twins' probabilities agree to float rounding.
#pragma once

#include <cstdint>

namespace fitbench {

// Data and probabilities viewed as (outer, classes, inner); labels as (outer, inner).
struct SoftmaxDims {
  int64_t outer;
  int64_t classes;
  int64_t inner;
};

}  // namespace fitbench

namespace fitbench::cpu {

void softmax_forward(const SoftmaxDims& d, const float* x, float* p);

// Cross-entropy gradient with label smoothing, times `scale`. Positions whose
// label is `ignore_label` get 0 when use_ignore. dy == nullptr means no
// elementwise factor (MXNet's out_grad=False). Labels must be valid classes:
// the caller checks them.
void softmax_output_backward(const SoftmaxDims& d, const float* p, const float* label, float smooth_alpha,
                             bool use_ignore, int ignore_label, float scale, const float* dy, float* dx);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins; label is on the device too.
namespace fitbench::cuda {

decltype(cpu::softmax_forward) softmax_forward;
decltype(cpu::softmax_output_backward) softmax_output_backward;

}  // namespace fitbench::cuda
