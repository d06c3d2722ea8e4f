// CUDA twins of the optimizers' update rules (optim/cpu/update_rules.h): same
// names, parameters and results; the arrays are device pointers.
#pragma once

#include <cstdint>

namespace fitbench::cuda {

void sgd_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip);
void nag_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip);
void adam_update(float* w, const float* g, float* mean, float* var, int64_t n, float beta1, float beta2,
                 float epsilon, float lr_t, float wd, float rescale, float clip);

}  // namespace fitbench::cuda
