// LRN across channels (Krizhevsky et al. 2012), MXNet's formula.
// x, y, norm, dy, dx: (N, C, H, W); h = nsize / 2; window(c) = [c - h, c + h]
// clipped to [0, C).
//
//   norm[c] = knorm + (alpha / nsize) * sum_{c' in window(c)} x[c']^2
//   y[c]    = x[c] * norm[c]^-beta
//   dx[c]   = dy[c] * norm[c]^-beta
//             - (2 * alpha * beta / nsize) * x[c] * sum_{c' in window(c)} dy[c'] * x[c'] * norm[c']^(-beta-1)
//
// The window is symmetric, so the channels whose norm x[c] enters are exactly
// window(c): the backward sum runs over the same range as the forward one.
// Every (n, c) plane is independent given its neighbours, so both passes run
// in parallel over planes with the spatial loop innermost (contiguous).
#include "ops/kernels/lrn.h"

#include <algorithm>
#include <cmath>

namespace fitbench::cpu {

namespace {

// Applies f(n, c, lo, hi) to every plane, with [lo, hi] its channel window.
template <class F>
void for_each_plane(const LrnGeometry& g, F f) {
  const int64_t planes = g.batch * g.channels;
  const int64_t h = g.nsize / 2;
#pragma omp parallel for schedule(static) if (planes * g.spatial >= 16384)
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t n = p / g.channels, c = p % g.channels;
    f(n, c, std::max<int64_t>(0, c - h), std::min(g.channels - 1, c + h));
  }
}

}  // namespace

void lrn_forward(const LrnGeometry& g, const float* x, float* y, float* norm) {
  const int64_t S = g.spatial;
  const float scale = g.alpha / static_cast<float>(g.nsize);
  for_each_plane(g, [&](int64_t n, int64_t c, int64_t lo, int64_t hi) {
    const int64_t base = (n * g.channels + c) * S;
    float* nm = norm + base;
    std::fill(nm, nm + S, 0.0f);
    for (int64_t k = lo; k <= hi; ++k) {
      const float* xk = x + (n * g.channels + k) * S;
      for (int64_t s = 0; s < S; ++s) nm[s] += xk[s] * xk[s];
    }
    for (int64_t s = 0; s < S; ++s) {
      nm[s] = g.knorm + scale * nm[s];
      y[base + s] = x[base + s] * std::pow(nm[s], -g.beta);
    }
  });
}

void lrn_backward(const LrnGeometry& g, const float* dy, const float* x, const float* norm, float* dx,
                  float* scratch) {
  const int64_t S = g.spatial;
  const float coeff = -2.0f * g.alpha * g.beta / static_cast<float>(g.nsize);
  // scratch = dy * x * norm^(-beta-1), the per-channel terms of the window sum.
  for_each_plane(g, [&](int64_t n, int64_t c, int64_t, int64_t) {
    const int64_t base = (n * g.channels + c) * S;
    for (int64_t s = 0; s < S; ++s)
      scratch[base + s] = dy[base + s] * x[base + s] * std::pow(norm[base + s], -g.beta - 1.0f);
  });
  for_each_plane(g, [&](int64_t n, int64_t c, int64_t lo, int64_t hi) {
    const int64_t base = (n * g.channels + c) * S;
    float* d = dx + base;
    std::fill(d, d + S, 0.0f);
    for (int64_t k = lo; k <= hi; ++k) {
      const float* t = scratch + (n * g.channels + k) * S;
      for (int64_t s = 0; s < S; ++s) d[s] += t[s];
    }
    for (int64_t s = 0; s < S; ++s)
      d[s] = dy[base + s] * std::pow(norm[base + s], -g.beta) + coeff * x[base + s] * d[s];
  });
}

}  // namespace fitbench::cpu
