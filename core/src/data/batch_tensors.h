// Reuse of a caller's batch tensors between batches.
#pragma once

#include "fitbench/tensor.h"

namespace fitbench {

// Makes `t` a CPU tensor of `shape` and `dtype`, keeping its storage when it
// already has that form, so filling a batch allocates only on the first call.
inline void reuse_or_allocate(Tensor& t, const Shape& shape, DType dtype) {
  if (!t.defined() || t.shape() != shape || t.dtype() != dtype || !t.device().is_cpu())
    t = Tensor(shape, dtype);
}

}  // namespace fitbench
