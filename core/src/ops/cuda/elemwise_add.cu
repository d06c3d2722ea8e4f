// elemwise_add on the GPU over n values (any shape): lhs, rhs, out are (n,).
//
//   out = lhs + rhs          dlhs = dout, drhs = dout (both copies in one pass)
//
// Each thread reads lhs[i] and rhs[i] before writing out[i], so out may be lhs
// (or rhs): the Executor accumulates gradients in place this way.
#include "ops/kernels/elemwise_add.h"

#include "cuda/context.h"

namespace fitbench::cuda {

void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) { out[i] = lhs[i] + rhs[i]; });
}

void elemwise_add_backward(const float* dout, float* dlhs, float* drhs, int64_t n) {
  if (dlhs && drhs)
    elementwise(n, [=] __device__(int64_t i) { dlhs[i] = drhs[i] = dout[i]; });
  else if (dlhs || drhs)
    elementwise(n, [=, to = dlhs ? dlhs : drhs] __device__(int64_t i) { to[i] = dout[i]; });
}

}  // namespace fitbench::cuda
