// CPU kernels of the optimizers' element-wise update rules (MXNet 1.9's
// src/operator/optimizer_op-inl.h). w, g and the states are (n,) arrays;
// clip < 0 means no gradient clipping.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

// SGD, with momentum when mom is not null (momentum is then unused without it).
void sgd_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip);
// NAG with momentum (without it the optimizer runs sgd_update, as MXNet does).
void nag_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip);
// Adam; lr_t already carries the bias correction.
void adam_update(float* w, const float* g, float* mean, float* var, int64_t n, float beta1, float beta2,
                 float epsilon, float lr_t, float wd, float rescale, float clip);

}  // namespace fitbench::cpu
