// The one loop behind every elementwise kernel: f(i) for i in [0, n), split
// into one contiguous range per OpenMP thread when n is large enough to pay
// for waking them.
#pragma once

#include <omp.h>

#include <cstdint>

#include "ops/cpu/parallel.h"

// A hot loop compiled three times, for AVX-512, AVX2 + FMA and baseline
// x86-64; the loader binds the best one for the running CPU (ifunc), so the
// binary still runs on any x86-64 while the loops use the wide vectors.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FITBENCH_SIMD_CLONES [[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]]
#else
#define FITBENCH_SIMD_CLONES
#endif

namespace fitbench::cpu {

// f(i) for i in [begin, end), with f inlined into each clone.
template <class F>
FITBENCH_SIMD_CLONES void simd_range(int64_t begin, int64_t end, F f) {
  for (int64_t i = begin; i < end; ++i) f(i);
}

// v[0] + ... + v[n - 1], summed in vector lanes.
inline float row_sum(const float* v, int64_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += v[i];
  return sum;
}

// f(begin, end) over contiguous ranges that cover [0, n), one per thread; the
// split depends only on n and the thread count, so results are deterministic.
template <class F>
void parallel_ranges(int64_t n, int64_t min_parallel, F f) {
  if (n < min_parallel || omp_get_max_threads() == 1) return f(int64_t{0}, n);
#pragma omp parallel
  {
    const Range r = thread_range(n);
    f(r.begin, r.end);
  }
}

template <class F>
void elementwise(int64_t n, F f) {
  parallel_ranges(n, 16384, [&](int64_t begin, int64_t end) { simd_range(begin, end, f); });
}

}  // namespace fitbench::cpu
