// Pooling, CPU: one thread per (image, channel) plane.
//
// Shapes (NCHW, float32): x (N, C, H, W), y (N, C, OH, OW). Output (oy, ox)
// covers the window rows [oy*SH - PH, oy*SH - PH + KH) and columns likewise,
// clipped to the image:
//   max: y = max over the window (padding never wins)
//   sum: y = sum over the window
//   avg: y = sum / area, where area counts the padded cells inside
//        [-PH, H + PH) when count_include_pad, else only the image cells
//        (as MXNet's pool.h).
// Backward: max sends dy to the first window cell (row-major) equal to y;
// sum sends dy to every cell; avg sends dy / area to every cell.
#include <algorithm>
#include <limits>

#include "ops/cpu/kernels_pooling.h"

namespace fitbench::cpu {

namespace {

// Smaller poolings run on one thread: waking a team would cost more.
constexpr int64_t parallel_min_reads = int64_t{1} << 16;

bool run_parallel(const PoolShape& s) {
  return s.batch * s.channels * s.out_h * s.out_w * s.kernel_h * s.kernel_w >= parallel_min_reads;
}

struct Window {
  int64_t h0, h1, w0, w1;
  float scale;  // multiplies the window sum: 1 / area for avg, 1 for sum
};

Window window(const PoolShape& s, int64_t oy, int64_t ox) {
  int64_t h0 = oy * s.stride_h - s.pad_h, w0 = ox * s.stride_w - s.pad_w;
  int64_t h1 = std::min(h0 + s.kernel_h, s.in_h + s.pad_h), w1 = std::min(w0 + s.kernel_w, s.in_w + s.pad_w);
  int64_t area = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, s.in_h);
  w1 = std::min(w1, s.in_w);
  if (!s.count_include_pad) area = (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, s.type == PoolType::Avg ? 1.0f / static_cast<float>(area) : 1.0f};
}

}  // namespace

void pooling_forward(const PoolShape& s, const float* x, float* y) {
  const int64_t planes = s.batch * s.channels, in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (run_parallel(s))
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x + p * in_area;
    float* out = y + p * out_area;
    for (int64_t oy = 0; oy < s.out_h; ++oy) {
      for (int64_t ox = 0; ox < s.out_w; ++ox) {
        const Window win = window(s, oy, ox);
        float value;
        if (s.type == PoolType::Max) {
          value = std::numeric_limits<float>::lowest();
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) value = std::max(value, in[h * s.in_w + w]);
        } else {
          value = 0.0f;
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) value += in[h * s.in_w + w];
          value *= win.scale;
        }
        out[oy * s.out_w + ox] = value;
      }
    }
  }
}

void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx) {
  const int64_t planes = s.batch * s.channels, in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
#pragma omp parallel for schedule(static) if (run_parallel(s))
  for (int64_t p = 0; p < planes; ++p) {
    const float* in = x + p * in_area;
    const float* out = y + p * out_area;
    const float* grad = dy + p * out_area;
    float* din = dx + p * in_area;
    std::fill(din, din + in_area, 0.0f);
    for (int64_t oy = 0; oy < s.out_h; ++oy) {
      for (int64_t ox = 0; ox < s.out_w; ++ox) {
        const Window win = window(s, oy, ox);
        const int64_t o = oy * s.out_w + ox;
        if (s.type == PoolType::Max) {
          // A window of padding only has no argmax and passes nothing back.
          int64_t arg = -1;
          for (int64_t h = win.h0; h < win.h1 && arg < 0; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w)
              if (in[h * s.in_w + w] == out[o]) {
                arg = h * s.in_w + w;
                break;
              }
          if (arg >= 0) din[arg] += grad[o];
        } else {
          const float g = grad[o] * win.scale;
          for (int64_t h = win.h0; h < win.h1; ++h)
            for (int64_t w = win.w0; w < win.w1; ++w) din[h * s.in_w + w] += g;
        }
      }
    }
  }
}

}  // namespace fitbench::cpu
