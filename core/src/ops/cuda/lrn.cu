// LRN across channels (Krizhevsky et al. 2012) on the GPU, MXNet's formula.
// x, y, norm, dy, dx, scratch: (N, C, H, W); h = nsize / 2; window(c) =
// [c - h, c + h] clipped to [0, C).
//
//   norm[c] = knorm + (alpha / nsize) * sum_{c' in window(c)} x[c']^2
//   y[c]    = x[c] * norm[c]^-beta
//   dx[c]   = dy[c] * norm[c]^-beta
//             - (2 * alpha * beta / nsize) * x[c] * sum_{c' in window(c)} dy[c'] * x[c'] * norm[c']^(-beta-1)
//
// The window is symmetric, so the channels whose norm x[c] enters are exactly
// window(c): the backward sum runs over the same range as the forward one.
// One thread per element (n, c, s) sums its window, reading addresses H*W
// apart; neighbouring threads (neighbouring s) read neighbouring addresses.
// Sums run from the window's low channel upwards, as in the CPU kernel.
#include "ops/kernels/lrn.h"

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

// Element i is start + c * S: `start` is channel 0 at i's sample and spatial
// position, [lo, hi] the channel window of c.
struct Window {
  int64_t start, lo, hi;
};

__device__ Window window_of(int64_t i, int64_t channels, int64_t spatial, int64_t h) {
  const int64_t c = i / spatial % channels;
  const int64_t lo = c - h > 0 ? c - h : 0;
  const int64_t hi = c + h < channels - 1 ? c + h : channels - 1;
  return {i - c * spatial, lo, hi};
}

}  // namespace

void lrn_forward(const LrnGeometry& g, const float* x, float* y, float* norm) {
  const int64_t C = g.channels, S = g.spatial, h = g.nsize / 2;
  const float scale = g.alpha / static_cast<float>(g.nsize), knorm = g.knorm, beta = g.beta;
  elementwise(g.batch * C * S, [=] __device__(int64_t i) {
    const Window w = window_of(i, C, S, h);
    float sum = 0.0f;
    for (int64_t k = w.lo; k <= w.hi; ++k) {
      const float v = x[w.start + k * S];
      sum += v * v;
    }
    const float nm = knorm + scale * sum;
    norm[i] = nm;
    y[i] = x[i] * powf(nm, -beta);
  });
}

void lrn_backward(const LrnGeometry& g, const float* dy, const float* x, const float* norm, float* dx,
                  float* scratch) {
  const int64_t C = g.channels, S = g.spatial, h = g.nsize / 2, n = g.batch * C * S;
  const float coeff = -2.0f * g.alpha * g.beta / static_cast<float>(g.nsize), beta = g.beta;
  // scratch = dy * x * norm^(-beta-1), the per-channel terms of the window sum.
  elementwise(n, [=] __device__(int64_t i) { scratch[i] = dy[i] * x[i] * powf(norm[i], -beta - 1.0f); });
  elementwise(n, [=] __device__(int64_t i) {
    const Window w = window_of(i, C, S, h);
    float sum = 0.0f;
    for (int64_t k = w.lo; k <= w.hi; ++k) sum += scratch[w.start + k * S];
    dx[i] = dy[i] * powf(norm[i], -beta) + coeff * x[i] * sum;
  });
}

}  // namespace fitbench::cuda
