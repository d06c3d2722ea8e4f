// Dropout (inverted), elementwise over n values (any shape): x, y, mask are (n,).
//
//   keep ~ Bernoulli(1 - p)
//   mask = keep / (1 - p)          (0 everywhere when p = 1)
//   y    = x * mask                dx = dy * mask
//
// Scaling at training time keeps E[y] = x, so inference is the identity.
#include "ops/kernels/dropout.h"

#include "ops/cpu/elementwise.h"

namespace fitbench::cpu {

void dropout_draw_mask(std::mt19937_64& rng, float p, float* mask, int64_t n) {
  const float keep = 1.0f - p;
  const float scale = keep > 0.0f ? 1.0f / keep : 0.0f;
  // 24 random bits give a uniform float in [0, 1) exactly, the same on every
  // platform (std::bernoulli_distribution is implementation-defined).
  for (int64_t i = 0; i < n; ++i) {
    const float u = static_cast<float>(rng() >> 40) * 0x1.0p-24f;
    mask[i] = u < keep ? scale : 0.0f;
  }
}

void dropout_apply(const float* x, const float* mask, float* y, int64_t n) {
  elementwise(n, [&](int64_t i) { y[i] = x[i] * mask[i]; });
}

}  // namespace fitbench::cpu
