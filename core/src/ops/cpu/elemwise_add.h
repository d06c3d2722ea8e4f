// CPU kernel of elemwise_add.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n);

// dlhs = dout and drhs = dout in one parallel pass; either target may be null.
void elemwise_add_backward(const float* dout, float* dlhs, float* drhs, int64_t n);

}  // namespace fitbench::cpu
