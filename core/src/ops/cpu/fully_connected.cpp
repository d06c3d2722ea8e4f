// FullyConnected, CPU: GEMMs split across OpenMP threads.
//
// Shapes (float32): x (N, K), w (M, K), bias (M), y (N, M); N rows, K inputs,
// M = num_hidden.
//   forward:  y = x . w^T + bias            y[n, m] = bias[m] + sum_k x[n, k] w[m, k]
//   backward: dx = dy . w                   (N, M) . (M, K)
//             dw = dy^T . x                 (M, N) . (N, K)
//             dbias[m] = sum_n dy[n, m]
// Each thread computes a slice of the output columns (y, dx) or rows (dw) with
// a single-threaded GEMM.
#include <cblas.h>
#include <omp.h>

#include <algorithm>

#include "ops/cpu/kernels_fully_connected.h"

namespace fitbench::cpu {

namespace {

// The GEMMs here run inside OpenMP teams. OpenBLAS's OpenMP build then keeps
// them on the calling thread by itself; its pthreads build would start its own
// threads on top of ours and oversubscribe the cores, so it is told to use one.
void blas_on_calling_thread() {
  static const bool done = [] {
    if (openblas_get_parallel() == 1) openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

// Smaller products run on one thread: waking a team would cost more.
constexpr int64_t parallel_min_products = int64_t{1} << 20;

struct Slice {
  int64_t begin, size;
};

// This thread's share of [0, n).
Slice thread_slice(int64_t n) {
  const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
  const int64_t begin = n * t / threads;
  return {begin, n * (t + 1) / threads - begin};
}

int thread_count(int64_t rows, int64_t in, int64_t hidden) {
  return rows * in * hidden >= parallel_min_products ? omp_get_max_threads() : 1;
}

}  // namespace

void fully_connected_forward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                             const float* bias, float* y) {
  blas_on_calling_thread();
#pragma omp parallel num_threads(thread_count(rows, in, hidden))
  {
    const Slice m = thread_slice(hidden);
    if (m.size > 0) {
      // Seeding y with the bias lets the GEMM add it (beta = 1) in the same pass.
      if (bias)
        for (int64_t n = 0; n < rows; ++n)
          std::copy(bias + m.begin, bias + m.begin + m.size, y + n * hidden + m.begin);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(m.size), int(in), 1.0f, x, int(in),
                  w + m.begin * in, int(in), bias ? 1.0f : 0.0f, y + m.begin, int(hidden));
    }
  }
}

void fully_connected_backward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                              const float* dy, float* dx, float* dw, float* dbias) {
  blas_on_calling_thread();
#pragma omp parallel num_threads(thread_count(rows, in, hidden))
  {
    const Slice k = thread_slice(in);
    if (dx && k.size > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(k.size), int(hidden), 1.0f, dy,
                  int(hidden), w + k.begin, int(in), 0.0f, dx + k.begin, int(in));
    const Slice m = thread_slice(hidden);
    if (dw && m.size > 0)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(m.size), int(in), int(rows), 1.0f,
                  dy + m.begin, int(hidden), x, int(in), 0.0f, dw + m.begin * in, int(in));
    if (dbias && m.size > 0) {
      float* db = dbias + m.begin;
      std::fill(db, db + m.size, 0.0f);
      for (int64_t n = 0; n < rows; ++n) {
        const float* row = dy + n * hidden + m.begin;
        for (int64_t j = 0; j < m.size; ++j) db[j] += row[j];
      }
    }
  }
}

}  // namespace fitbench::cpu
