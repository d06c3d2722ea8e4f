// elemwise_add over n values (any shape): lhs, rhs, out are (n,).
//
//   out = lhs + rhs          dlhs = dout, drhs = dout (copies, done by the operator)
#include "ops/cpu/elemwise_add.h"

#include "ops/cpu/elementwise.h"

namespace fitbench::cpu {

void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n) {
  elementwise(n, [&](int64_t i) { out[i] = lhs[i] + rhs[i]; });
}

}  // namespace fitbench::cpu
