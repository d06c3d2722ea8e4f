// SoftmaxOutput, softmax over the class axis with cross-entropy gradient. x, p,
// dx are (outer, C, inner) (plain classification: (N, C, 1)); label is
// (outer, inner) holding class indices as floats.
//
//   forward:   p[o, c, i] = exp(x[o, c, i] - m) / sum_c' exp(x[o, c', i] - m),   m = max_c x[o, c, i]
//   backward:  k = label[o, i]
//              t[c] = c == k ? 1 - alpha : alpha / (C - 1)     (one-hot when smooth_alpha = 0)
//              dx[o, c, i] = scale * (p[o, c, i] - t[c])       (0 where use_ignore and k == ignore_label)
//              dx *= dy elementwise when out_grad is set
//
// With alpha = 0 this is the gradient of sum(-log p[label]); `scale` carries
// grad_scale and the normalization (1, 1/N or 1/valid), chosen by the caller.
#include "ops/kernels/softmax_output.h"

#include <algorithm>

#include "ops/cpu/elementwise.h"
#include "ops/cpu/fast_math.h"

namespace fitbench::cpu {

void softmax_forward(const SoftmaxDims& d, const float* x, float* p) {
  elementwise(d.outer * d.inner, [&](int64_t row) {
    const int64_t o = row / d.inner;
    const int64_t base = o * d.classes * d.inner + row % d.inner;
    auto at = [&](int64_t c) { return base + c * d.inner; };
    float m = x[at(0)];
    for (int64_t c = 1; c < d.classes; ++c) m = std::max(m, x[at(c)]);
    double sum = 0;
    for (int64_t c = 0; c < d.classes; ++c) {
      p[at(c)] = fast::exp(x[at(c)] - m);
      sum += p[at(c)];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = 0; c < d.classes; ++c) p[at(c)] *= inv;
  });
}

void softmax_output_backward(const SoftmaxDims& d, const float* p, const float* label, float smooth_alpha,
                             bool use_ignore, int ignore_label, float scale, const float* dy, float* dx) {
  const float off_target = d.classes > 1 ? smooth_alpha / static_cast<float>(d.classes - 1) : 0.0f;
  elementwise(d.outer * d.inner, [&](int64_t row) {
    const int64_t o = row / d.inner;
    const int64_t base = o * d.classes * d.inner + row % d.inner;
    const int k = static_cast<int>(label[row]);
    const bool ignored = use_ignore && k == ignore_label;
    for (int64_t c = 0; c < d.classes; ++c) {
      const int64_t at = base + c * d.inner;
      const float target = c == k ? 1.0f - smooth_alpha : off_target;
      const float g = ignored ? 0.0f : scale * (p[at] - target);
      dx[at] = dy ? g * dy[at] : g;
    }
  });
}

}  // namespace fitbench::cpu
