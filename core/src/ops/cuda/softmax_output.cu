// SoftmaxOutput on the GPU, softmax over the class axis with cross-entropy
// gradient. x, p, dx are (outer, C, inner) (plain classification: (N, C, 1));
// label is (outer, inner) holding class indices as floats.
//
//   forward:   p[o, c, i] = exp(x[o, c, i] - m) / sum_c' exp(x[o, c', i] - m),   m = max_c x[o, c, i]
//   backward:  k = label[o, i]
//              t[c] = c == k ? 1 - alpha : alpha / (C - 1)     (one-hot when smooth_alpha = 0)
//              dx[o, c, i] = scale * (p[o, c, i] - t[c])       (0 where use_ignore and k == ignore_label)
//              dx *= dy elementwise when out_grad is set
//
// Forward gives each row (o, i) to one warp: its lanes stride over the
// classes, and shuffles combine their maxima and sums. The sum is a float
// (the CPU's is a double), so probabilities agree to float rounding.
// Backward is elementwise over (o, c, i).
#include "ops/kernels/softmax_output.h"

#include <cmath>

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

constexpr int kWarpSize = 32;
constexpr unsigned int kFullWarp = 0xffffffffu;

// The maximum and the sum of v over the lanes of a warp, in every lane.
__device__ float warp_max(float v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2)
    v = fmaxf(v, __shfl_xor_sync(kFullWarp, v, offset));
  return v;
}

__device__ float warp_sum(float v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(kFullWarp, v, offset);
  return v;
}

// Warps stride over the rows; a row index is the same for every lane of a
// warp (blocks hold whole warps), so all lanes take part in every shuffle.
__global__ void softmax_rows(int64_t rows, int64_t classes, int64_t inner, const float* x, float* p) {
  const int lane = static_cast<int>(threadIdx.x % kWarpSize);
  const int64_t warps = int64_t{gridDim.x} * (blockDim.x / kWarpSize);
  for (int64_t row = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / kWarpSize; row < rows; row += warps) {
    const int64_t base = row / inner * classes * inner + row % inner;
    float m = -INFINITY;
    for (int64_t c = lane; c < classes; c += kWarpSize) m = fmaxf(m, x[base + c * inner]);
    m = warp_max(m);
    float sum = 0.0f;
    for (int64_t c = lane; c < classes; c += kWarpSize) {
      const float e = expf(x[base + c * inner] - m);
      p[base + c * inner] = e;
      sum += e;
    }
    const float inv = 1.0f / warp_sum(sum);
    for (int64_t c = lane; c < classes; c += kWarpSize) p[base + c * inner] *= inv;
  }
}

}  // namespace

void softmax_forward(const SoftmaxDims& d, const float* x, float* p) {
  const int64_t rows = d.outer * d.inner;
  if (rows <= 0) return;
  // blocks_for counts threads: kWarpSize of them per row.
  softmax_rows<<<blocks_for(rows * kWarpSize), kThreadsPerBlock, 0, current_stream()>>>(rows, d.classes,
                                                                                        d.inner, x, p);
  FB_CUDA_LAUNCH_CHECK();
}

void softmax_output_backward(const SoftmaxDims& d, const float* p, const float* label, float smooth_alpha,
                             bool use_ignore, int ignore_label, float scale, const float* dy, float* dx) {
  const float off_target = d.classes > 1 ? smooth_alpha / static_cast<float>(d.classes - 1) : 0.0f;
  const int64_t classes = d.classes, inner = d.inner;
  elementwise(d.outer * classes * inner, [=] __device__(int64_t at) {
    const int64_t c = at / inner % classes;
    const int64_t row = at / (classes * inner) * inner + at % inner;
    const int k = static_cast<int>(label[row]);
    const bool ignored = use_ignore && k == ignore_label;
    const float target = c == k ? 1.0f - smooth_alpha : off_target;
    const float g = ignored ? 0.0f : scale * (p[at] - target);
    dx[at] = dy ? g * dy[at] : g;
  });
}

}  // namespace fitbench::cuda
