// The optimizers' element-wise update rules (MXNet 1.9's
// src/operator/optimizer_op-inl.h): each updates w in place from g and the
// optimizer's states (mom; mean and var), all (n,) float arrays; clip < 0
// means no gradient clipping. The formulas, in MXNet's operation order, are in
// optim/update_math.h, the one copy of that arithmetic for both backends.
//
// CPU kernels in fitbench::cpu (optim/cpu/update_rules.cpp), their CUDA twins
// in fitbench::cuda (optim/cuda/update_rules.cu): same names, parameters and
// results; the arrays are device pointers there.
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

// The same rules on the GPU (comments above).
namespace fitbench::cuda {

decltype(cpu::sgd_update) sgd_update;
decltype(cpu::nag_update) nag_update;
decltype(cpu::adam_update) adam_update;

}  // namespace fitbench::cuda
