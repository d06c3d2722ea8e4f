// BatchNorm kernels over the channel axis: x, y, dy, dx are (outer, C, inner)
// floats (for NCHW: outer = N, inner = H*W); gamma, beta, mean, invstd,
// moving_mean, moving_var, dgamma, dbeta are (C,). With M = outer * inner
// values per channel c:
//
//   forward, batch statistics (training):
//     mean[c] = sum(x[:, c, :]) / M,  var[c] = sum((x[:, c, :] - mean[c])^2) / M   (biased)
//     moving_mean[c] = moving_mean[c] * momentum + mean[c] * (1 - momentum), moving_var likewise
//   forward, global statistics (inference): mean[c] = moving_mean[c], var[c] = moving_var[c]
//   both: invstd[c] = 1 / sqrt(var[c] + eps),  xhat = (x - mean[c]) * invstd[c],
//         y = gamma[c] * xhat + beta[c]
//   backward: dbeta[c] = sum(dy[:, c, :]),  dgamma[c] = sum(dy * xhat)
//     dx = gamma[c] * invstd[c] * (dy - dbeta[c] / M - xhat * dgamma[c] / M)   batch statistics
//     dx = gamma[c] * invstd[c] * dy                                           global statistics
//
// CPU kernels in fitbench::cpu (ops/cpu/batch_norm.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/batch_norm.cu) on device pointers.
#pragma once

#include <cstdint>

namespace fitbench {

// The data viewed as (outer, channels, inner), channels being the BatchNorm axis.
struct BatchNormDims {
  int64_t outer;
  int64_t channels;
  int64_t inner;
};

}  // namespace fitbench

namespace fitbench::cpu {

// Normalizes with the batch's statistics, writes them as mean / invstd, and
// moves moving_mean / moving_var toward them. gamma == nullptr means gamma = 1.
void batch_norm_forward_train(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                              float eps, float momentum, float* y, float* mean, float* invstd,
                              float* moving_mean, float* moving_var);

// Normalizes with the moving statistics (inference, use_global_stats) and
// writes them as mean / invstd.
void batch_norm_forward_global(const BatchNormDims& d, const float* x, const float* gamma, const float* beta,
                               float eps, const float* moving_mean, const float* moving_var, float* y,
                               float* mean, float* invstd);

// mean / invstd are what the forward pass wrote; batch_stats says whether they
// were the batch's own (their dependence on x then enters dx). Any of dx,
// dgamma, dbeta may be nullptr to skip it; gamma == nullptr means gamma = 1.
void batch_norm_backward(const BatchNormDims& d, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* invstd, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins.
namespace fitbench::cuda {

decltype(cpu::batch_norm_forward_train) batch_norm_forward_train;
decltype(cpu::batch_norm_forward_global) batch_norm_forward_global;
decltype(cpu::batch_norm_backward) batch_norm_backward;

}  // namespace fitbench::cuda
