// BatchNorm over the channel axis; x, y, dy, dx are (outer, C, inner) (for
// NCHW: outer = N, inner = H*W), per-channel vectors are (C,). With M = outer *
// inner values per channel c:
//
//   forward, batch statistics (training):
//     mean[c]  = sum(x[:, c, :]) / M
//     var[c]   = sum((x[:, c, :] - mean[c])^2) / M            (biased, as MXNet's CPU kernel)
//     moving_mean[c] = moving_mean[c] * momentum + mean[c] * (1 - momentum)
//     moving_var[c]  = moving_var[c]  * momentum + var[c]  * (1 - momentum)
//   forward, global statistics (inference, use_global_stats):
//     mean[c] = moving_mean[c], var[c] = moving_var[c]
//   both:
//     invstd[c] = 1 / sqrt(var[c] + eps)
//     xhat      = (x - mean[c]) * invstd[c]
//     y         = gamma[c] * xhat + beta[c]
//
//   backward:
//     dbeta[c]  = sum(dy[:, c, :])
//     dgamma[c] = sum(dy * xhat)
//     dx = gamma[c] * invstd[c] * (dy - dbeta[c] / M - xhat * dgamma[c] / M)   batch statistics
//     dx = gamma[c] * invstd[c] * dy                                           global statistics
//
// One OpenMP thread per channel; sums accumulate in double so that large
// batches (M in the hundreds of thousands) keep float32 accuracy.
#include "ops/cpu/batch_norm.h"

#include <cmath>

namespace fitbench::cpu {

namespace {

// f(index) for every element of channel c.
template <class F>
void for_channel(const BatchNormDims& d, int64_t c, F f) {
  for (int64_t o = 0; o < d.outer; ++o) {
    const int64_t base = (o * d.channels + c) * d.inner;
    for (int64_t i = 0; i < d.inner; ++i) f(base + i);
  }
}

void normalize_channel(const BatchNormDims& d, int64_t c, const float* x, const float* gamma,
                       const float* beta, const float* mean, const float* invstd, float* y) {
  const float scale = invstd[c] * (gamma ? gamma[c] : 1.0f);
  const float shift = beta[c] - mean[c] * scale;
  for_channel(d, c, [&](int64_t k) { y[k] = x[k] * scale + shift; });
}

}  // namespace

void batch_norm_forward_train(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                              float eps, float momentum, float* y, float* mean, float* invstd,
                              float* moving_mean, float* moving_var) {
  const double m = static_cast<double>(d.outer * d.inner);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < d.channels; ++c) {
    double sum = 0;
    for_channel(d, c, [&](int64_t k) { sum += x[k]; });
    const double mu = sum / m;
    double squares = 0;
    for_channel(d, c, [&](int64_t k) { squares += (x[k] - mu) * (x[k] - mu); });
    const double var = squares / m;
    mean[c] = static_cast<float>(mu);
    invstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
    moving_mean[c] = static_cast<float>(moving_mean[c] * momentum + mu * (1.0 - momentum));
    moving_var[c] = static_cast<float>(moving_var[c] * momentum + var * (1.0 - momentum));
    normalize_channel(d, c, x, gamma, beta, mean, invstd, y);
  }
}

void batch_norm_forward_global(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                               float eps, const float* moving_mean, const float* moving_var, float* y,
                               float* mean, float* invstd) {
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < d.channels; ++c) {
    mean[c] = moving_mean[c];
    invstd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(moving_var[c]) + eps));
    normalize_channel(d, c, x, gamma, beta, mean, invstd, y);
  }
}

void batch_norm_backward(const BatchNormDims& d, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta) {
  const double m = static_cast<double>(d.outer * d.inner);
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < d.channels; ++c) {
    const double mu = mean[c];
    const double is = invstd[c];
    double sum_dy = 0;
    double sum_dy_xhat = 0;
    for_channel(d, c, [&](int64_t k) {
      sum_dy += dy[k];
      sum_dy_xhat += dy[k] * (x[k] - mu) * is;
    });
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
    if (!dx) continue;
    const double scale = is * (gamma ? gamma[c] : 1.0f);
    if (batch_stats) {
      const double mean_dy = sum_dy / m;
      const double mean_dy_xhat = sum_dy_xhat / m;
      for_channel(d, c, [&](int64_t k) {
        const double xhat = (x[k] - mu) * is;
        dx[k] = static_cast<float>(scale * (dy[k] - mean_dy - xhat * mean_dy_xhat));
      });
    } else {
      for_channel(d, c, [&](int64_t k) { dx[k] = static_cast<float>(scale * dy[k]); });
    }
  }
}

}  // namespace fitbench::cpu
