// Pooling, CUDA: our own kernels, so that MXNet's conventions and the CPU
// kernel's order of operations carry over exactly.
//
// Shapes (NCHW, float32): x (N, C, H, W), y (N, C, OH, OW). Output (oy, ox)
// covers the window rows [oy*SH - PH, oy*SH - PH + KH) and columns likewise,
// clipped to the image:
//   max: y = max over the window (padding never wins)
//   sum: y = sum over the window
//   avg: y = sum / area, where area counts the padded cells inside
//        [-PH, H + PH) when count_include_pad, else only the image cells;
//        0 for a window wholly in the padding, where that area is 0.
// Backward: max sends dy to the first window cell (row-major) equal to y;
// sum sends dy to every cell; avg sends dy / area to every cell.
//
// Forward: one thread per output. Backward: one thread per input element,
// gathering from the outputs whose windows cover it (no atomics, so results
// are deterministic). Both fold in the CPU kernel's order (cpu/pooling.cpp),
// so results match it bit for bit: forward folds each window column over its
// rows, then the columns; backward adds, for each covering output row in
// turn, the sum of that row's covering outputs.
#include "ops/kernels/pooling.h"

#include <cfloat>

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

// The image cells [begin, end) that output o reads along one axis; count is
// its extent for avg's area (padding included or not).
struct Span {
  int64_t begin, end, count;
};

__device__ Span span_of(int64_t o, int64_t in, int64_t kernel, int64_t stride, int64_t pad, bool count_pad) {
  const int64_t first = o * stride - pad, last = min(first + kernel, in + pad);
  const int64_t begin = max(first, int64_t{0}), end = min(last, in);
  return {begin, end, count_pad ? last - first : end - begin};
}

// The outputs [lo, hi] whose windows (before clipping to the image) hold
// image cell i along one axis: o*stride - pad <= i < o*stride - pad + kernel.
struct Covering {
  int64_t lo, hi;
};

__device__ Covering covering(int64_t i, int64_t out, int64_t kernel, int64_t stride, int64_t pad) {
  const int64_t after = i + pad - kernel + 1;  // o*stride >= after
  const int64_t lo = after <= 0 ? 0 : (after + stride - 1) / stride;
  return {lo, min((i + pad) / stride, out - 1)};
}

// Whether a cell of window (r, c) before (iy, ix) in row-major order equals
// value: then that cell, not (iy, ix), is the window's first maximum.
__device__ bool earlier_match(const float* in, int64_t in_w, Span r, Span c, int64_t iy, int64_t ix,
                              float value) {
  for (int64_t h = r.begin; h <= iy; ++h)
    for (int64_t w = c.begin; w < (h == iy ? ix : c.end); ++w)
      if (in[h * in_w + w] == value) return true;
  return false;
}

}  // namespace

void pooling_forward(const PoolShape& s, const float* x, float* y) {
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  elementwise(s.batch * s.channels * out_area, [=] __device__(int64_t i) {
    const int64_t plane = i / out_area, oy = i % out_area / s.out_w, ox = i % s.out_w;
    const Span r = span_of(oy, s.in_h, s.kernel_h, s.stride_h, s.pad_h, s.count_include_pad);
    const Span c = span_of(ox, s.in_w, s.kernel_w, s.stride_w, s.pad_w, s.count_include_pad);
    const float* in = x + plane * in_area;
    float value;
    if (s.type == PoolType::Max) {
      // a < b ? b : a, as the CPU folds: a NaN met first stays, one met later is passed over.
      value = -FLT_MAX;
      for (int64_t w = c.begin; w < c.end; ++w) {
        float column = -FLT_MAX;
        for (int64_t h = r.begin; h < r.end; ++h) {
          const float v = in[h * s.in_w + w];
          column = column < v ? v : column;
        }
        value = value < column ? column : value;
      }
    } else {
      value = 0.0f;
      for (int64_t w = c.begin; w < c.end; ++w) {
        float column = 0.0f;
        for (int64_t h = r.begin; h < r.end; ++h) column += in[h * s.in_w + w];
        value += column;
      }
      const int64_t area = r.count * c.count;
      if (s.type == PoolType::Avg) value = area > 0 ? value / static_cast<float>(area) : 0.0f;
    }
    y[i] = value;
  });
}

void pooling_backward(const PoolShape& s, const float* x, const float* y, const float* dy, float* dx) {
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  elementwise(s.batch * s.channels * in_area, [=] __device__(int64_t i) {
    const int64_t plane = i / in_area, iy = i % in_area / s.in_w, ix = i % s.in_w;
    const Covering rows = covering(iy, s.out_h, s.kernel_h, s.stride_h, s.pad_h);
    const Covering cols = covering(ix, s.out_w, s.kernel_w, s.stride_w, s.pad_w);
    const float* in = x + plane * in_area;
    const float* out = y + plane * out_area;
    const float* grad = dy + plane * out_area;
    float sum = 0.0f;
    if (s.type == PoolType::Max) {
      // The CPU adds the dy routed to a cell in output order, one by one.
      for (int64_t oy = rows.lo; oy <= rows.hi; ++oy) {
        const Span r = span_of(oy, s.in_h, s.kernel_h, s.stride_h, s.pad_h, s.count_include_pad);
        for (int64_t ox = cols.lo; ox <= cols.hi; ++ox) {
          const Span c = span_of(ox, s.in_w, s.kernel_w, s.stride_w, s.pad_w, s.count_include_pad);
          const int64_t o = oy * s.out_w + ox;
          if (x[i] == out[o] && !earlier_match(in, s.in_w, r, c, iy, ix, out[o])) sum += grad[o];
        }
      }
    } else {
      // The CPU sums each output row's share of a cell first, then the rows.
      for (int64_t oy = rows.lo; oy <= rows.hi; ++oy) {
        const Span r = span_of(oy, s.in_h, s.kernel_h, s.stride_h, s.pad_h, s.count_include_pad);
        float row = 0.0f;
        for (int64_t ox = cols.lo; ox <= cols.hi; ++ox) {
          const Span c = span_of(ox, s.in_w, s.kernel_w, s.stride_w, s.pad_w, s.count_include_pad);
          float g = grad[oy * s.out_w + ox];
          if (s.type == PoolType::Avg) g /= static_cast<float>(r.count * c.count);
          row += g;
        }
        sum += row;
      }
    }
    dx[i] = sum;
  });
}

}  // namespace fitbench::cuda
