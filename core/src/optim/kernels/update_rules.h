// The optimizers' element-wise update rules (MXNet 1.9's
// src/operator/optimizer_op-inl.h): each updates w in place from g and the
// optimizer's states (mom; mean and var), all (n,) float arrays; clip < 0
// means no gradient clipping. The formulas, in MXNet's operation order, are in
// optim/kernels/update_math.h, the one copy of that arithmetic for both backends.
//
// CPU kernels in fitbench::cpu (optim/cpu/update_rules.cpp), their CUDA twins
// in fitbench::cuda (optim/cuda/update_rules.cu): same names, parameters and
// results; the arrays are device pointers there.
#pragma once

#include <cstdint>
#include <variant>

#include "optim/kernels/update_math.h"

namespace fitbench {

// One update of one parameter by any of the other optimizers' rules (the
// *Step structs of optim/kernels/update_math.h, which give each formula).
using UpdateStep =
    std::variant<update_math::SignumStep, update_math::SignSgdStep, update_math::FtmlStep,
                 update_math::RmspropStep, update_math::RmspropCenteredStep, update_math::FtrlStep,
                 update_math::LambDirectionStep, update_math::LambApplyStep, update_math::AdagradStep,
                 update_math::GroupAdagradStep, update_math::AdadeltaStep, update_math::DcasgdStep,
                 update_math::SgldStep, update_math::AdamaxStep, update_math::NadamStep,
                 update_math::GradientSumStep, update_math::GradientMeanStep>;

}  // namespace fitbench

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
// Any other rule: its arrays and scalars are in the step.
void update_step(const UpdateStep& step);

}  // namespace fitbench::cpu

// The same rules on the GPU (comments above).
namespace fitbench::cuda {

decltype(cpu::sgd_update) sgd_update;
decltype(cpu::nag_update) nag_update;
decltype(cpu::adam_update) adam_update;
decltype(cpu::update_step) update_step;

}  // namespace fitbench::cuda
