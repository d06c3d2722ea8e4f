// dst += src (same size, float32, both on dst's device), on dst's device:
// made current so the kernel runs on its stream. The Executor accumulates a
// gradient read by two layers with it, the ExecutorGroup its executors' sums.
#pragma once

#include "fitbench/tensor.h"
#include "ops/kernels/elemwise_add.h"
#include "tensor/dispatch.h"

namespace fitbench {

inline void add_into(const Tensor& dst, const Tensor& src) {
  const DeviceScope scope(dst.device());
  FB_DISPATCH(dst, elemwise_add(dst.f32(), src.f32(), dst.f32(), dst.size()));
}

}  // namespace fitbench
