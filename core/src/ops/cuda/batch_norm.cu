// BatchNorm over the channel axis, CUDA; x, y, dy, dx are (outer, C, inner)
// (for NCHW: outer = N, inner = H*W), per-channel vectors are (C,). With M =
// outer * inner values per channel c:
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
// The sums take one block per channel: each thread adds its strided share of
// the channel's values (float terms, as the CPU forms them) into a double, and
// the block adds the threads' doubles by a pairwise tree in shared memory. In
// double the sums are at least as accurate as the CPU's (float partials moved
// into doubles), and their order is fixed, so results are deterministic. The
// variance is taken around the float mean in a second pass and corrected to the
// exact mean, as on the CPU. The element-wise passes (y, dx) run over the whole
// device, reading the per-channel values the sums wrote.
#include "ops/kernels/batch_norm.h"

#include "cuda/context.h"
#include "cuda/runtime.h"

namespace fitbench::cuda {

namespace {

// Threads of a per-channel block: a power of two, for the tree.
constexpr int kStatsThreads = 256;

// Where the j-th value (j < M) of channel c lies.
__device__ int64_t value_index(const BatchNormDims& d, int64_t c, int64_t j) {
  const int64_t o = j / d.inner;
  return (o * d.channels + c) * d.inner + (j - o * d.inner);
}

// The sum of every thread's partial, returned to every thread of the block.
__device__ double block_total(double partial, double* shared) {
  shared[threadIdx.x] = partial;
  __syncthreads();
  for (int half = kStatsThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  const double total = shared[0];
  __syncthreads();  // everyone has read it: shared may take the next partials
  return total;
}

// Block c: the batch statistics of channel c and the move of its moving ones.
__global__ void train_stats_kernel(BatchNormDims d, const float* x, float eps, float momentum, float* mean,
                                   float* invstd, float* moving_mean, float* moving_var) {
  __shared__ double shared[kStatsThreads];
  const int64_t c = blockIdx.x, m = d.outer * d.inner;
  double partial = 0;
  for (int64_t j = threadIdx.x; j < m; j += kStatsThreads) partial += x[value_index(d, c, j)];
  const double mu = block_total(partial, shared) / static_cast<double>(m);
  const float mean_c = static_cast<float>(mu);
  partial = 0;
  for (int64_t j = threadIdx.x; j < m; j += kStatsThreads) {
    const float v = x[value_index(d, c, j)] - mean_c;
    partial += v * v;
  }
  const double squares = block_total(partial, shared);
  if (threadIdx.x != 0) return;
  // The squares were taken around the float mean; moving them to the exact
  // mean subtracts the square of the rounding.
  const double rounding = mean_c - mu;
  const double var = squares / static_cast<double>(m) - rounding * rounding;
  mean[c] = mean_c;
  invstd[c] = static_cast<float>(1.0 / sqrt(var + eps));
  moving_mean[c] = static_cast<float>(moving_mean[c] * momentum + mu * (1.0 - momentum));
  moving_var[c] = static_cast<float>(moving_var[c] * momentum + var * (1.0 - momentum));
}

// Block c: dbeta[c] = sum(dy), dgamma[c] = sum(dy * xhat) where asked for, and
// their means over M into mean_dy[c] / mean_dy_xhat[c] when those are not null.
__global__ void backward_stats_kernel(BatchNormDims d, const float* x, const float* dy, const float* mean,
                                      const float* invstd, float* dgamma, float* dbeta, float* mean_dy,
                                      float* mean_dy_xhat) {
  __shared__ double shared[kStatsThreads];
  const int64_t c = blockIdx.x, m = d.outer * d.inner;
  const float mean_c = mean[c];
  double partial_dy = 0, partial_dy_xc = 0;
  for (int64_t j = threadIdx.x; j < m; j += kStatsThreads) {
    const int64_t k = value_index(d, c, j);
    partial_dy += dy[k];
    partial_dy_xc += dy[k] * (x[k] - mean_c);
  }
  const double sum_dy = block_total(partial_dy, shared);
  const double sum_dy_xhat = block_total(partial_dy_xc, shared) * invstd[c];
  if (threadIdx.x != 0) return;
  if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
  if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
  if (mean_dy) {
    mean_dy[c] = static_cast<float>(sum_dy / static_cast<double>(m));
    mean_dy_xhat[c] = static_cast<float>(sum_dy_xhat / static_cast<double>(m));
  }
}

unsigned int channel_blocks(const BatchNormDims& d) { return static_cast<unsigned int>(d.channels); }

// y = x * scale[c] + shift[c], with scale = invstd * gamma, shift = beta - mean * scale.
void normalize(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
               const float* mean, const float* invstd, float* y) {
  const int64_t inner = d.inner, channels = d.channels;
  elementwise(d.outer * channels * inner, [=] __device__(int64_t i) {
    const int64_t c = i / inner % channels;
    const float scale = invstd[c] * (gamma ? gamma[c] : 1.0f);
    const float shift = beta[c] - mean[c] * scale;
    y[i] = x[i] * scale + shift;
  });
}

}  // namespace

void batch_norm_forward_train(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                              float eps, float momentum, float* y, float* mean, float* invstd,
                              float* moving_mean, float* moving_var) {
  train_stats_kernel<<<channel_blocks(d), kStatsThreads, 0, current_stream()>>>(
      d, x, eps, momentum, mean, invstd, moving_mean, moving_var);
  FB_CUDA_LAUNCH_CHECK();
  normalize(d, x, gamma, beta, mean, invstd, y);
}

void batch_norm_forward_global(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                               float eps, const float* moving_mean, const float* moving_var, float* y,
                               float* mean, float* invstd) {
  elementwise(d.channels, [=] __device__(int64_t c) {
    mean[c] = moving_mean[c];
    invstd[c] = static_cast<float>(1.0 / sqrt(static_cast<double>(moving_var[c]) + eps));
  });
  normalize(d, x, gamma, beta, mean, invstd, y);
}

void batch_norm_backward(const BatchNormDims& d, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta) {
  const bool dx_needs_sums = dx && batch_stats;
  // mean_dy and mean_dy_xhat, (2, C). Freed when the call returns: the caching
  // allocator hands the block only to work queued later on the same stream.
  const DeviceFloats means(dx_needs_sums ? 2 * d.channels : 0);
  float* mean_dy = means.get();
  float* mean_dy_xhat = dx_needs_sums ? mean_dy + d.channels : nullptr;
  if (dgamma || dbeta || dx_needs_sums) {
    backward_stats_kernel<<<channel_blocks(d), kStatsThreads, 0, current_stream()>>>(
        d, x, dy, mean, invstd, dgamma, dbeta, mean_dy, mean_dy_xhat);
    FB_CUDA_LAUNCH_CHECK();
  }
  if (!dx) return;
  const int64_t inner = d.inner, channels = d.channels;
  if (batch_stats)
    elementwise(d.outer * channels * inner, [=] __device__(int64_t i) {
      const int64_t c = i / inner % channels;
      const float scale = invstd[c] * (gamma ? gamma[c] : 1.0f);
      const float xhat = (x[i] - mean[c]) * invstd[c];
      dx[i] = scale * (dy[i] - mean_dy[c] - xhat * mean_dy_xhat[c]);
    });
  else
    elementwise(d.outer * channels * inner, [=] __device__(int64_t i) {
      const int64_t c = i / inner % channels;
      dx[i] = invstd[c] * (gamma ? gamma[c] : 1.0f) * dy[i];
    });
}

}  // namespace fitbench::cuda
