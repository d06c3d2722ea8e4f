// CUDA kernels of BatchNorm, twins of cpu/batch_norm.h. Math in batch_norm.cu;
// pointers are device pointers.
#pragma once

#include "ops/cpu/batch_norm.h"

namespace fitbench::cuda {

using cpu::BatchNormDims;

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

}  // namespace fitbench::cuda
