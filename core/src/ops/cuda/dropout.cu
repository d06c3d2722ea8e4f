// Dropout (inverted) on the GPU, elementwise over n values (any shape): x, y, mask are (n,).
//
//   keep ~ Bernoulli(1 - p)
//   mask = keep / (1 - p)          (0 everywhere when p = 1)
//   y    = x * mask                dx = dy * mask
//
// The host's rng gives one 64-bit seed per mask; value i is then output i of
// a SplitMix64 generator started at that seed, which a thread computes from i
// alone (counter-based), so the draw is one launch and depends only on the
// seed, not on the launch configuration. As on the CPU, its top 24 bits give
// a uniform float u in [0, 1) exactly, and the value is kept when u < 1 - p.
#include "ops/kernels/dropout.h"

#include "cuda/context.h"

namespace fitbench::cuda {

void dropout_draw_mask(std::mt19937_64& rng, float p, float* mask, int64_t n) {
  const float keep = 1.0f - p;
  const float scale = keep > 0.0f ? 1.0f / keep : 0.0f;
  const uint64_t seed = rng();
  elementwise(n, [=] __device__(int64_t i) {
    uint64_t z = seed + (static_cast<uint64_t>(i) + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float u = static_cast<float>(z >> 40) * 0x1.0p-24f;
    mask[i] = u < keep ? scale : 0.0f;
  });
}

void dropout_apply(const float* x, const float* mask, float* y, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) { y[i] = x[i] * mask[i]; });
}

}  // namespace fitbench::cuda
