// The one loop behind every elementwise kernel: f(i) for i in [0, n), split
// across OpenMP threads when n is large enough to pay for waking them.
#pragma once

#include <cstdint>

namespace fitbench::cpu {

template <class F>
void elementwise(int64_t n, F f) {
#pragma omp parallel for schedule(static) if (n >= 16384)
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace fitbench::cpu
