// CPU kernel of elemwise_add.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

void elemwise_add(const float* lhs, const float* rhs, float* out, int64_t n);

}  // namespace fitbench::cpu
