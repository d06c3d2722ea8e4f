// elemwise_add over n values (any shape): lhs, rhs, out are (n,).
//
//   out = lhs + rhs          dlhs = dout, drhs = dout (both copies in one pass)
#include "ops/kernels/elemwise_add.h"

#include "ops/cpu/elementwise.h"

namespace fitbench::cpu {

void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n) {
  elementwise(n, [&](int64_t i) { out[i] = lhs[i] + rhs[i]; });
}

void elemwise_add_backward(const float* dout, float* dlhs, float* drhs, int64_t n) {
  if (dlhs && drhs)
    elementwise(n, [&](int64_t i) { dlhs[i] = drhs[i] = dout[i]; });
  else if (dlhs || drhs)
    elementwise(n, [&, to = dlhs ? dlhs : drhs](int64_t i) { to[i] = dout[i]; });
}

}  // namespace fitbench::cpu
