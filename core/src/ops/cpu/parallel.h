// How the CPU kernels share the cores: OpenMP teams split the work, and the
// GEMMs inside them run single-threaded.
#pragma once

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace fitbench::cpu {

struct Range {
  int64_t begin, end;
  int64_t size() const { return end - begin; }
};

// The calling thread's contiguous share of [0, n) inside a parallel region.
// It depends only on n and the team size, so results are deterministic.
inline Range thread_range(int64_t n) {
  const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
  return {n * t / threads, n * (t + 1) / threads};
}

// The GEMMs run inside OpenMP teams. OpenBLAS's OpenMP build then keeps them
// on the calling thread by itself; its pthreads build would start its own
// threads on top of ours and oversubscribe the cores, so it is told to use one.
inline void blas_on_calling_thread() {
  static const bool done = [] {
    if (openblas_get_parallel() == 1) openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

// The team for a GEMM kernel of `products` multiply-adds: smaller ones run on
// one thread, since waking a team would cost more.
inline int gemm_threads(int64_t products) {
  constexpr int64_t parallel_min_products = int64_t{1} << 20;
  return products >= parallel_min_products ? omp_get_max_threads() : 1;
}

// Images per chunk of a batch whose images take `per_image` each of a
// per-thread `budget` (in any one unit): as many as fit, at least 1, with the
// number of chunks rounded up to a multiple of `threads` so that each thread
// gets as many.
inline int64_t images_per_chunk(int64_t batch, int64_t per_image, int64_t budget, int threads) {
  const int64_t most = std::clamp<int64_t>(budget / std::max<int64_t>(per_image, 1), 1, batch);
  const int64_t chunks = ((batch + most - 1) / most + threads - 1) / threads * threads;
  return (batch + chunks - 1) / chunks;
}

}  // namespace fitbench::cpu
