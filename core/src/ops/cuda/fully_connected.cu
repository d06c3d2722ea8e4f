// FullyConnected, CUDA: cuBLAS GEMMs on the device's stream.
//
// Shapes (float32, row-major): x (N, K), w (M, K), bias (M), y (N, M); N rows,
// K inputs, M = num_hidden.
//   forward:  y = x . w^T + bias            y[n, m] = bias[m] + sum_k x[n, k] w[m, k]
//   backward: dx = dy . w                   (N, M) . (M, K)
//             dw = dy^T . x                 (M, N) . (N, K)
//             dbias[m] = sum_n dy[n, m]
//
// cuBLAS is column-major: a row-major (R, C) matrix is, read column-major, its
// transpose (C, R) with leading dimension C. Each product is therefore taken
// transposed, C^T = B^T . A^T, so that cuBLAS writes the row-major result:
//   y^T  (M, N) = w (M, K)      . x^T (K, N)   gemm(T, N, M, N, K, w, K, x, K, y, M)
//   dx^T (K, N) = w^T (K, M)    . dy^T (M, N)  gemm(N, N, K, N, M, w, K, dy, M, dx, K)
//   dw^T (K, M) = x^T (K, N)    . dy (N, M)    gemm(N, T, K, M, N, x, K, dy, M, dw, K)
// The handle keeps cuBLAS's default math mode: full float32, no TF32.
// dbias sums each column of dy in row order, as the CPU kernel does.
#include "ops/kernels/fully_connected.h"

#include "cuda/context.h"

namespace fitbench::cuda {

void fully_connected_forward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                             const float* bias, float* y) {
  // Seeding y with the bias lets the GEMM add it (beta = 1) in the same pass.
  if (bias) elementwise(rows * hidden, [=] __device__(int64_t i) { y[i] = bias[i % hidden]; });
  const float one = 1.0f, beta = bias ? 1.0f : 0.0f;
  FB_CUBLAS_CHECK(cublasSgemm(current_cublas(), CUBLAS_OP_T, CUBLAS_OP_N, int(hidden), int(rows), int(in),
                              &one, w, int(in), x, int(in), &beta, y, int(hidden)));
}

void fully_connected_backward(int64_t rows, int64_t in, int64_t hidden, const float* x, const float* w,
                              const float* dy, float* dx, float* dw, float* dbias) {
  const float one = 1.0f, zero = 0.0f;
  if (dx)
    FB_CUBLAS_CHECK(cublasSgemm(current_cublas(), CUBLAS_OP_N, CUBLAS_OP_N, int(in), int(rows), int(hidden),
                                &one, w, int(in), dy, int(hidden), &zero, dx, int(in)));
  if (dw)
    FB_CUBLAS_CHECK(cublasSgemm(current_cublas(), CUBLAS_OP_N, CUBLAS_OP_T, int(in), int(hidden), int(rows),
                                &one, x, int(in), dy, int(hidden), &zero, dw, int(in)));
  // One thread per column: neighbouring threads read neighbouring floats of a row.
  if (dbias)
    elementwise(hidden, [=] __device__(int64_t m) {
      float sum = 0.0f;
      for (int64_t n = 0; n < rows; ++n) sum += dy[n * hidden + m];
      dbias[m] = sum;
    });
}

}  // namespace fitbench::cuda
