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
#include <algorithm>

#include "ops/cpu/parallel.h"
#include "ops/kernels/fully_connected.h"

namespace fitbench::cpu {

void fully_connected_forward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                             const float* bias, float* y) {
  blas_on_calling_thread();
#pragma omp parallel num_threads(gemm_threads(rows * in * hidden))
  {
    const Range m = thread_range(hidden);
    if (m.size() > 0) {
      // Seeding y with the bias lets the GEMM add it (beta = 1) in the same pass.
      if (bias)
        for (int64_t n = 0; n < rows; ++n)
          std::copy(bias + m.begin, bias + m.end, y + n * hidden + m.begin);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(m.size()), int(in), 1.0f, x,
                  int(in), w + m.begin * in, int(in), bias ? 1.0f : 0.0f, y + m.begin, int(hidden));
    }
  }
}

void fully_connected_backward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                              const float* dy, float* dx, float* dw, float* dbias) {
  blas_on_calling_thread();
#pragma omp parallel num_threads(gemm_threads(rows * in * hidden))
  {
    const Range k = thread_range(in);
    if (dx && k.size() > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(k.size()), int(hidden), 1.0f, dy,
                  int(hidden), w + k.begin, int(in), 0.0f, dx + k.begin, int(in));
    const Range m = thread_range(hidden);
    if (dw && m.size() > 0)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(m.size()), int(in), int(rows), 1.0f,
                  dy + m.begin, int(hidden), x, int(in), 0.0f, dw + m.begin * in, int(in));
    if (dbias && m.size() > 0) {
      float* db = dbias + m.begin;
      std::fill(db, dbias + m.end, 0.0f);
      for (int64_t n = 0; n < rows; ++n) {
        const float* row = dy + n * hidden + m.begin;
        for (int64_t j = 0; j < m.size(); ++j) db[j] += row[j];
      }
    }
  }
}

}  // namespace fitbench::cpu
