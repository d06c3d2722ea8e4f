// Pooling, CPU: one thread per (image, channel) plane.
//
// Shapes (NCHW, float32): x (N, C, H, W), y (N, C, OH, OW). Output (oy, ox)
// covers the window rows [oy*SH - PH, oy*SH - PH + KH) and columns likewise,
// clipped to the image:
//   max: y = max over the window (padding never wins)
//   sum: y = sum over the window
//   avg: y = sum / area, where area counts the padded cells inside
//        [-PH, H + PH) when count_include_pad, else only the image cells
//        (as MXNet's pool.h); 0 for a window wholly in the padding, as MXNet
//        gives it, where that area is 0.
// Backward: max sends dy to the first window cell (row-major) equal to y;
// sum sends dy to every cell; avg sends dy / area to every cell.
//
// A window is a rectangle, so both directions work a row of outputs at a time
// in two separable steps: along the rows over whole, contiguous image rows
// (vectorized), then along the columns within one scratch row. The window
// bounds of each axis are computed once per call. Max backward finds the first
// maximum without branches (a select per cell, scanning backwards), since
// which cell holds it is random and a search loop mispredicts. On CPUs with
// AVX-512, 2x2 max pooling at stride 2 takes pooling_avx512.cpp's kernels.
#include <algorithm>
#include <limits>
#include <vector>

#include "ops/cpu/avx512.h"
#include "ops/cpu/elementwise.h"
#include "ops/cpu/pooling_avx512.h"
#include "ops/kernels/pooling.h"

namespace fitbench::cpu {

namespace {

// Smaller poolings run on one thread: waking a team would cost more.
constexpr int64_t parallel_min_reads = int64_t{1} << 16;

bool run_parallel(const PoolShape& s) {
  return s.batch * s.channels * s.out_h * s.out_w * s.kernel_h * s.kernel_w >= parallel_min_reads;
}

// The windows along one axis: output o reads the image cells [begin, end);
// count is its extent for avg's area (padding included or not).
struct Span {
  int64_t begin, end, count;
};

std::vector<Span> spans(int64_t out, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                        bool count_pad) {
  std::vector<Span> result(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t first = o * stride - pad, last = std::min(first + kernel, in + pad);
    const int64_t begin = std::max<int64_t>(first, 0), end = std::min(last, in);
    result[static_cast<size_t>(o)] = {begin, end, count_pad ? last - first : end - begin};
  }
  return result;
}

struct Windows {
  std::vector<Span> rows, cols;

  explicit Windows(const PoolShape& s)
      : rows(spans(s.out_h, s.in_h, s.kernel_h, s.stride_h, s.pad_h, s.count_include_pad)),
        cols(spans(s.out_w, s.in_w, s.kernel_w, s.stride_w, s.pad_w, s.count_include_pad)) {}
};

// Max pooling with 2x2 windows at stride 2 that all lie inside the image.
bool takes_avx512_2x2(const PoolShape& s) {
  return s.type == PoolType::Max && s.kernel_h == 2 && s.kernel_w == 2 && s.stride_h == 2 &&
         s.stride_w == 2 && s.pad_h == 0 && s.pad_w == 0 && 2 * s.out_h <= s.in_h && 2 * s.out_w <= s.in_w &&
         avx512::supported();
}

struct Max {
  static constexpr float identity = std::numeric_limits<float>::lowest();
  static float fold(float a, float b) { return a < b ? b : a; }
};

struct Sum {
  static constexpr float identity = 0.0f;
  static float fold(float a, float b) { return a + b; }
};

// y for one plane; row is scratch of in_w floats.
template <class Fold>
FITBENCH_SIMD_CLONES void forward_plane(const PoolShape& s, const Windows& win, const float* in, float* out,
                                        float* row) {
  for (int64_t oy = 0; oy < s.out_h; ++oy) {
    const Span r = win.rows[static_cast<size_t>(oy)];
    std::fill(row, row + s.in_w, Fold::identity);
    for (int64_t h = r.begin; h < r.end; ++h)
      for (int64_t w = 0; w < s.in_w; ++w) row[w] = Fold::fold(row[w], in[h * s.in_w + w]);
    for (int64_t ox = 0; ox < s.out_w; ++ox) {
      const Span c = win.cols[static_cast<size_t>(ox)];
      float value = Fold::identity;
      for (int64_t w = c.begin; w < c.end; ++w) value = Fold::fold(value, row[w]);
      const int64_t area = r.count * c.count;
      if (s.type == PoolType::Avg) value = area > 0 ? value / static_cast<float>(area) : 0.0f;
      out[oy * s.out_w + ox] = value;
    }
  }
}

// dx for one plane of max pooling (din zeroed by the caller).
void max_backward_plane(const PoolShape& s, const Windows& win, const float* in, const float* out,
                        const float* grad, float* din) {
  for (int64_t oy = 0; oy < s.out_h; ++oy) {
    const Span r = win.rows[static_cast<size_t>(oy)];
    for (int64_t ox = 0; ox < s.out_w; ++ox) {
      const Span c = win.cols[static_cast<size_t>(ox)];
      const int64_t o = oy * s.out_w + ox;
      // Scanning backwards, the last match kept is the first in row-major
      // order. A window of padding only has no argmax and passes nothing back.
      int64_t arg = -1;
      for (int64_t h = r.end - 1; h >= r.begin; --h)
        for (int64_t w = c.end - 1; w >= c.begin; --w)
          arg = in[h * s.in_w + w] == out[o] ? h * s.in_w + w : arg;
      if (arg >= 0) din[arg] += grad[o];
    }
  }
}

// dx for one plane of avg or sum pooling (din zeroed by the caller); row is
// scratch of in_w floats.
FITBENCH_SIMD_CLONES void spread_backward_plane(const PoolShape& s, const Windows& win, const float* grad,
                                                float* din, float* row) {
  for (int64_t oy = 0; oy < s.out_h; ++oy) {
    const Span r = win.rows[static_cast<size_t>(oy)];
    std::fill(row, row + s.in_w, 0.0f);
    for (int64_t ox = 0; ox < s.out_w; ++ox) {
      const Span c = win.cols[static_cast<size_t>(ox)];
      float g = grad[oy * s.out_w + ox];
      if (s.type == PoolType::Avg) g /= static_cast<float>(r.count * c.count);
      for (int64_t w = c.begin; w < c.end; ++w) row[w] += g;
    }
    for (int64_t h = r.begin; h < r.end; ++h)
      for (int64_t w = 0; w < s.in_w; ++w) din[h * s.in_w + w] += row[w];
  }
}

// f(p, row) for every (image, channel) plane p; row is the thread's scratch
// of in_w floats.
template <class F>
void for_each_plane(const PoolShape& s, F f) {
  const int64_t planes = s.batch * s.channels;
#pragma omp parallel if (run_parallel(s))
  {
    std::vector<float> row(static_cast<size_t>(s.in_w));
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) f(p, row.data());
  }
}

}  // namespace

void pooling_forward(const PoolShape& s, const float* x, float* y) {
  const Windows win(s);
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  if (takes_avx512_2x2(s))
    return for_each_plane(s, [&](int64_t p, float*) {
      avx512::max_pool_2x2(x + p * in_area, s.in_w, s.out_h, s.out_w, y + p * out_area);
    });
  for_each_plane(s, [&](int64_t p, float* row) {
    if (s.type == PoolType::Max)
      forward_plane<Max>(s, win, x + p * in_area, y + p * out_area, row);
    else
      forward_plane<Sum>(s, win, x + p * in_area, y + p * out_area, row);
  });
}

void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx) {
  const Windows win(s);
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  if (takes_avx512_2x2(s))
    return for_each_plane(s, [&](int64_t p, float*) {
      avx512::max_pool_2x2_backward(x + p * in_area, s.in_h, s.in_w, y + p * out_area, dy + p * out_area,
                                    s.out_h, s.out_w, dx + p * in_area);
    });
  for_each_plane(s, [&](int64_t p, float* row) {
    float* din = dx + p * in_area;
    std::fill(din, din + in_area, 0.0f);
    if (s.type == PoolType::Max)
      max_backward_plane(s, win, x + p * in_area, y + p * out_area, dy + p * out_area, din);
    else
      spread_backward_plane(s, win, dy + p * out_area, din, row);
  });
}

}  // namespace fitbench::cpu
