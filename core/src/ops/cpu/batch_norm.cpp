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
//
// The data is worked as outer * C rows of `inner` contiguous values. Each
// sum is taken per row first (float partials in vector lanes, moved into a
// double every block, so large batches keep float32 accuracy), then per
// channel over the rows in a fixed order: the rows spread over the threads
// whatever C is, and the result does not depend on the thread count. The
// variance is taken around the mean in a second pass, not as E[x^2] - mean^2,
// which cancels when the mean is large against the spread.
#include "ops/kernels/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/cpu/elementwise.h"

namespace fitbench::cpu {

namespace {

// Below this many values a BatchNorm runs on one thread.
constexpr int64_t parallel_min_values = int64_t{1} << 15;

constexpr int kLanes = 16;
// Values per lane and block stay few enough (64) that float partials lose
// nothing that matters before they join the double total.
constexpr int64_t kBlock = 64 * kLanes;

// sum of term(i) for i in [0, n).
template <class Term>
FITBENCH_SIMD_CLONES double row_sum(int64_t n, Term term) {
  double total = 0;
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t end = std::min(n, begin + kBlock);
    float lanes[kLanes] = {};
    int64_t i = begin;
    for (; i + kLanes <= end; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lanes[l] += term(i + l);
    for (; i < end; ++i) lanes[0] += term(i);
    for (const float lane : lanes) total += lane;
  }
  return total;
}

// out[i] = f(i) for i in [0, n).
template <class F>
FITBENCH_SIMD_CLONES void row_map(int64_t n, float* out, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(i);
}

struct Rows {
  const BatchNormDims& d;
  int64_t count() const { return d.outer * d.channels; }
  int64_t channel(int64_t row) const { return row % d.channels; }
  bool parallel() const { return count() * d.inner >= parallel_min_values; }
};

// per_row[row] = row_sum over the row of term(row, i).
template <class Term>
void sum_rows(const Rows& rows, std::vector<double>& per_row, Term term) {
  per_row.resize(static_cast<size_t>(rows.count()));
#pragma omp parallel for schedule(static) if (rows.parallel())
  for (int64_t r = 0; r < rows.count(); ++r)
    per_row[static_cast<size_t>(r)] = row_sum(rows.d.inner, [&](int64_t i) { return term(r, i); });
}

// The per-row sums of channel c, added over the outer index in order.
double channel_total(const BatchNormDims& d, const std::vector<double>& per_row, int64_t c) {
  double total = 0;
  for (int64_t o = 0; o < d.outer; ++o) total += per_row[static_cast<size_t>(o * d.channels + c)];
  return total;
}

// out[row, i] = f(row, i) for every value.
template <class F>
void map_rows(const Rows& rows, float* out, F f) {
#pragma omp parallel for schedule(static) if (rows.parallel())
  for (int64_t r = 0; r < rows.count(); ++r)
    row_map(rows.d.inner, out + r * rows.d.inner, [&](int64_t i) { return f(r, i); });
}

// y = x * scale[c] + shift[c], with scale = invstd * gamma, shift = beta - mean * scale.
void normalize(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
               const float* mean, const float* invstd, float* y) {
  std::vector<float> scale(static_cast<size_t>(d.channels)), shift(scale.size());
  for (int64_t c = 0; c < d.channels; ++c) {
    scale[static_cast<size_t>(c)] = invstd[c] * (gamma ? gamma[c] : 1.0f);
    shift[static_cast<size_t>(c)] = beta[c] - mean[c] * scale[static_cast<size_t>(c)];
  }
  const Rows rows{d};
  map_rows(rows, y, [&](int64_t r, int64_t i) {
    const size_t c = static_cast<size_t>(rows.channel(r));
    return x[r * d.inner + i] * scale[c] + shift[c];
  });
}

}  // namespace

void batch_norm_forward_train(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                              float eps, float momentum, float* y, float* mean, float* invstd,
                              float* moving_mean, float* moving_var) {
  const double m = static_cast<double>(d.outer * d.inner);
  const Rows rows{d};
  std::vector<double> per_row;
  sum_rows(rows, per_row, [&](int64_t r, int64_t i) { return x[r * d.inner + i]; });
  std::vector<double> mu(static_cast<size_t>(d.channels));
  for (int64_t c = 0; c < d.channels; ++c) {
    mu[static_cast<size_t>(c)] = channel_total(d, per_row, c) / m;
    mean[c] = static_cast<float>(mu[static_cast<size_t>(c)]);
  }
  sum_rows(rows, per_row, [&](int64_t r, int64_t i) {
    const float v = x[r * d.inner + i] - mean[rows.channel(r)];
    return v * v;
  });
  for (int64_t c = 0; c < d.channels; ++c) {
    // The squares were taken around the float mean; moving them to the exact
    // mean subtracts the square of the rounding.
    const double rounding = mean[c] - mu[static_cast<size_t>(c)];
    const double var = channel_total(d, per_row, c) / m - rounding * rounding;
    invstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
    moving_mean[c] =
        static_cast<float>(moving_mean[c] * momentum + mu[static_cast<size_t>(c)] * (1.0 - momentum));
    moving_var[c] = static_cast<float>(moving_var[c] * momentum + var * (1.0 - momentum));
  }
  normalize(d, x, gamma, beta, mean, invstd, y);
}

void batch_norm_forward_global(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                               float eps, const float* moving_mean, const float* moving_var, float* y,
                               float* mean, float* invstd) {
  for (int64_t c = 0; c < d.channels; ++c) {
    mean[c] = moving_mean[c];
    invstd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(moving_var[c]) + eps));
  }
  normalize(d, x, gamma, beta, mean, invstd, y);
}

void batch_norm_backward(const BatchNormDims& d, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta) {
  const double m = static_cast<double>(d.outer * d.inner);
  const Rows rows{d};
  std::vector<double> per_row;
  std::vector<float> mean_dy(static_cast<size_t>(d.channels)), mean_dy_xhat(mean_dy.size());
  // Without batch statistics and without dgamma / dbeta no sum is needed.
  if (dbeta || batch_stats) {
    sum_rows(rows, per_row, [&](int64_t r, int64_t i) { return dy[r * d.inner + i]; });
    for (int64_t c = 0; c < d.channels; ++c) {
      const double sum_dy = channel_total(d, per_row, c);
      if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
      mean_dy[static_cast<size_t>(c)] = static_cast<float>(sum_dy / m);
    }
  }
  if (dgamma || batch_stats) {
    sum_rows(rows, per_row, [&](int64_t r, int64_t i) {
      const int64_t k = r * d.inner + i;
      return dy[k] * (x[k] - mean[rows.channel(r)]);
    });
    for (int64_t c = 0; c < d.channels; ++c) {
      const double sum_dy_xhat = channel_total(d, per_row, c) * invstd[c];
      if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
      mean_dy_xhat[static_cast<size_t>(c)] = static_cast<float>(sum_dy_xhat / m);
    }
  }
  if (!dx) return;
  auto scale = [&](int64_t c) { return invstd[c] * (gamma ? gamma[c] : 1.0f); };
  if (batch_stats)
    map_rows(rows, dx, [&](int64_t r, int64_t i) {
      const int64_t c = rows.channel(r), k = r * d.inner + i;
      const float xhat = (x[k] - mean[c]) * invstd[c];
      return scale(c) *
             (dy[k] - mean_dy[static_cast<size_t>(c)] - xhat * mean_dy_xhat[static_cast<size_t>(c)]);
    });
  else
    map_rows(rows, dx, [&](int64_t r, int64_t i) { return scale(rows.channel(r)) * dy[r * d.inner + i]; });
}

}  // namespace fitbench::cpu
