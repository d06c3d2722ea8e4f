// Convolution, CPU: GEMMs over per-thread batches of images.
//
// Shapes (NCHW, float32), G groups, Cg = C/G, Fg = F/G, T = KH*KW taps:
//   x (N, C, H, W)   w (F, Cg, KH, KW)   bias (F)   y (N, F, OH, OW)
//   OH = (H + 2*PH - (DH*(KH-1) + 1)) / SH + 1, likewise OW.
//   y[n, f, oy, ox] = bias[f] + sum_{c in group(f), ki, kj}
//                     w[f, c - g*Cg, ki, kj] * x[n, c, oy*SH - PH + ki*DH, ox*SW - PW + kj*DW]
//   (x outside the image is 0). Backward:
//   dbias[f] = sum_{n, oy, ox} dy[n, f, oy, ox]; dw and dx are the adjoints of the sum above.
//
// Two ways to form the products, both with one thread per image or chunk of
// images and single-threaded GEMMs (so each core keeps its data in its own cache):
//
// Shifted taps (stride 1, Cg >= 8). Let xp be one image zero-padded to
// (C, HP, WP) = (C, H + 2*PH, W + 2*PW). Output (oy, ox) sits at q = oy*WP + ox
// and tap (ki, kj) reads xp at q + ki*DH*WP + kj*DW, so with wr[t] = w[:, :, ki, kj]:
//   Y (Fg, Q) = sum_t wr[t] (Fg, Cg) . xp_g shifted by t (Cg, Q),  Q = (OH-1)*WP + OW
// where the columns ox >= OW are discarded. Backward, with dY on the same grid
// and zero in those columns:
//   dwr[t] (Fg, Cg) += dY (Fg, Q) . (xp_g shifted by t)^T
//   dxp_g shifted by t (Cg, Q) += wr[t]^T (Cg, Fg) . dY (Fg, Q), then dx = interior of dxp.
// No im2col: the only copies are the padded input and the output rows.
//
// im2col (strided or few channels). A chunk of B images becomes
//   col[(c*KH + ki)*KW + kj, b*OH*OW + oy*OW + ox] = x[b, c, oy*SH - PH + ki*DH, ox*SW - PW + kj*DW]
//   Y_g (Fg, B*OH*OW) = W_g (Fg, Cg*KH*KW) . col_g, permuted to (B, Fg, OH*OW) with the bias;
//   dW_g += dY_g . col_g^T;  dcol_g = W_g^T . dY_g, and col2im adds dcol back into dx.
// A chunk's columns stay within a per-thread cache budget.
//
// The GEMMs run inside an OpenMP parallel region, so OpenBLAS must run them on
// the calling thread (its OpenMP build does; the pthreads build needs
// openblas_set_num_threads(1)). Per-thread weight-gradient partials are summed
// in a fixed order, so results do not depend on scheduling.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "ops/cpu/kernels_convolution.h"

namespace fitbench::cpu {

namespace {

// Shifted taps pay off once a tap's GEMM has a few channels to sum over.
constexpr int64_t shifted_min_group_channels = 8;
// Smaller convolutions run on one thread: waking a team would cost more.
constexpr int64_t parallel_min_products = int64_t{1} << 20;
// im2col columns plus staged output per thread, in floats: 2 MiB, which fits a
// core's L2 cache while the chunk's GEMM stays large.
constexpr int64_t chunk_budget_floats = int64_t{1} << 19;

struct Plan {
  bool shifted = false;
  int threads = 1;
  int64_t taps = 1, cg = 1, fg = 1;
  // Shifted taps.
  int64_t padded_h = 0, padded_w = 0, plane = 0, cols = 0;
  bool pad_input = false;  // x needs a zero-padded copy
  bool direct = false;     // no discarded columns: Y is y itself
  // im2col.
  int64_t images_per_chunk = 1, col_rows = 0;
  // Floats of each per-thread buffer, and of the repacked weights (shifted).
  int64_t input_floats = 0, output_floats = 0, dinput_floats = 0, dweight_floats = 0, packed_weight_floats = 0;

  int64_t thread_floats() const { return input_floats + output_floats + dinput_floats + dweight_floats; }
};

Plan make_plan(const ConvShape& s) {
  Plan p;
  p.taps = s.kernel_h * s.kernel_w;
  p.cg = s.in_channels / s.groups;
  p.fg = s.out_channels / s.groups;
  const int64_t out_area = s.out_h * s.out_w;
  p.threads = s.batch * s.out_channels * out_area * p.cg * p.taps >= parallel_min_products ? omp_get_max_threads() : 1;
  p.shifted = s.stride_h == 1 && s.stride_w == 1 && p.cg >= shifted_min_group_channels;
  if (p.shifted) {
    p.padded_h = s.in_h + 2 * s.pad_h;
    p.padded_w = s.in_w + 2 * s.pad_w;
    p.plane = p.padded_h * p.padded_w;
    p.cols = (s.out_h - 1) * p.padded_w + s.out_w;
    p.pad_input = s.pad_h > 0 || s.pad_w > 0;
    p.direct = p.padded_w == s.out_w;
    if (p.pad_input) p.input_floats = p.dinput_floats = s.in_channels * p.plane;
    if (!p.direct) p.output_floats = s.out_channels * p.cols;
    p.dweight_floats = p.taps * s.out_channels * p.cg + s.out_channels;
    p.packed_weight_floats = p.taps * s.out_channels * p.cg;
  } else {
    p.col_rows = s.in_channels * p.taps;
    const int64_t per_image = (p.col_rows + s.out_channels) * out_area;
    p.images_per_chunk = std::clamp<int64_t>(chunk_budget_floats / std::max<int64_t>(per_image, 1), 1, s.batch);
    p.input_floats = p.col_rows * p.images_per_chunk * out_area;
    if (p.images_per_chunk > 1) p.output_floats = s.out_channels * p.images_per_chunk * out_area;
    p.dweight_floats = s.out_channels * p.cg * p.taps + s.out_channels;
  }
  return p;
}

// One thread's slices of the workspace.
struct Scratch {
  float* input;    // padded image or im2col columns
  float* output;   // output rows on the padded grid, or staged chunk output
  float* dinput;   // padded input gradient
  float* dweight;  // this thread's weight-gradient partial, then its bias-gradient partial
};

Scratch scratch_of(const Plan& p, float* workspace, int thread) {
  float* base = workspace + p.packed_weight_floats + thread * p.thread_floats();
  return {base, base + p.input_floats, base + p.input_floats + p.output_floats,
          base + p.input_floats + p.output_floats + p.dinput_floats};
}

float row_sum(const float* v, int64_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += v[i];
  return sum;
}

// ---- Shifted taps ----

// wr[t, f, c] = w[f, c, t]: each tap's weights as a (F, Cg) matrix.
void pack_taps(const Plan& p, const float* w, int64_t filters, float* wr) {
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < p.cg; ++c)
      for (int64_t t = 0; t < p.taps; ++t) wr[(t * filters + f) * p.cg + c] = w[(f * p.cg + c) * p.taps + t];
}

int64_t tap_offset(const ConvShape& s, const Plan& p, int64_t t) {
  return t / s.kernel_w * s.dilate_h * p.padded_w + t % s.kernel_w * s.dilate_w;
}

// Copies one image into the interior of the padded planes (borders stay 0).
void pad_image(const ConvShape& s, const Plan& p, const float* x, float* xp) {
  for (int64_t c = 0; c < s.in_channels; ++c)
    for (int64_t iy = 0; iy < s.in_h; ++iy)
      std::memcpy(xp + c * p.plane + (iy + s.pad_h) * p.padded_w + s.pad_w, x + (c * s.in_h + iy) * s.in_w,
                  sizeof(float) * s.in_w);
}

// The image's input gradient is the interior of the padded planes.
void unpad_image(const ConvShape& s, const Plan& p, const float* dxp, float* dx) {
  for (int64_t c = 0; c < s.in_channels; ++c)
    for (int64_t iy = 0; iy < s.in_h; ++iy)
      std::memcpy(dx + (c * s.in_h + iy) * s.in_w, dxp + c * p.plane + (iy + s.pad_h) * p.padded_w + s.pad_w,
                  sizeof(float) * s.in_w);
}

void shifted_forward(const ConvShape& s, const Plan& p, const float* x, const float* wr, const float* bias,
                     float* y, const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  if (p.pad_input) std::fill(scratch.input, scratch.input + p.input_floats, 0.0f);
#pragma omp for schedule(static)
  for (int64_t n = 0; n < s.batch; ++n) {
    const float* xp = x + n * in_image;
    if (p.pad_input) {
      pad_image(s, p, xp, scratch.input);
      xp = scratch.input;
    }
    float* yn = y + n * s.out_channels * out_area;
    float* out = p.direct ? yn : scratch.output;
    for (int64_t g = 0; g < s.groups; ++g)
      for (int64_t t = 0; t < p.taps; ++t)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.fg), int(p.cols), int(p.cg), 1.0f,
                    wr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg), xp + g * p.cg * p.plane + tap_offset(s, p, t),
                    int(p.plane), t == 0 ? 0.0f : 1.0f, out + g * p.fg * p.cols, int(p.cols));
    if (p.direct && !bias) continue;
    for (int64_t f = 0; f < s.out_channels; ++f) {
      const float b = bias ? bias[f] : 0.0f;
      for (int64_t oy = 0; oy < s.out_h; ++oy) {
        const float* src = out + f * p.cols + oy * (p.direct ? s.out_w : p.padded_w);
        float* dst = yn + (f * s.out_h + oy) * s.out_w;
        for (int64_t ox = 0; ox < s.out_w; ++ox) dst[ox] = src[ox] + b;
      }
    }
  }
}

void shifted_backward(const ConvShape& s, const Plan& p, const float* x, const float* wr, const float* dy,
                      float* dx, bool want_dw, bool want_db, const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  float* dwr = scratch.dweight;
  float* db = dwr + p.taps * s.out_channels * p.cg;
  if (p.pad_input) std::fill(scratch.input, scratch.input + p.input_floats, 0.0f);
  // The discarded columns of dY must stay 0.
  std::fill(scratch.output, scratch.output + p.output_floats, 0.0f);
#pragma omp for schedule(static)
  for (int64_t n = 0; n < s.batch; ++n) {
    const float* dyn = dy + n * s.out_channels * out_area;
    const float* grad = dyn;
    if (!p.direct) {
      for (int64_t f = 0; f < s.out_channels; ++f)
        for (int64_t oy = 0; oy < s.out_h; ++oy)
          std::memcpy(scratch.output + f * p.cols + oy * p.padded_w, dyn + (f * s.out_h + oy) * s.out_w,
                      sizeof(float) * s.out_w);
      grad = scratch.output;
    }
    if (want_db)
      for (int64_t f = 0; f < s.out_channels; ++f) db[f] += row_sum(dyn + f * out_area, out_area);
    if (want_dw) {
      const float* xp = x + n * in_image;
      if (p.pad_input) {
        pad_image(s, p, xp, scratch.input);
        xp = scratch.input;
      }
      for (int64_t g = 0; g < s.groups; ++g)
        for (int64_t t = 0; t < p.taps; ++t)
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.fg), int(p.cg), int(p.cols), 1.0f,
                      grad + g * p.fg * p.cols, int(p.cols), xp + g * p.cg * p.plane + tap_offset(s, p, t),
                      int(p.plane), 1.0f, dwr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg));
    }
    if (dx) {
      float* dxn = dx + n * in_image;
      float* dxp = p.pad_input ? scratch.dinput : dxn;
      std::fill(dxp, dxp + s.in_channels * p.plane, 0.0f);
      for (int64_t g = 0; g < s.groups; ++g)
        for (int64_t t = 0; t < p.taps; ++t)
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(p.cg), int(p.cols), int(p.fg), 1.0f,
                      wr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg), grad + g * p.fg * p.cols, int(p.cols),
                      1.0f, dxp + g * p.cg * p.plane + tap_offset(s, p, t), int(p.plane));
      if (p.pad_input) unpad_image(s, p, dxp, dxn);
    }
  }
}

// ---- im2col ----

// Output positions [lo, hi) along one axis whose input index
// o*stride + first lies inside [0, extent).
struct Span {
  int64_t lo, hi;
};

Span valid_span(int64_t first, int64_t stride, int64_t extent, int64_t outputs) {
  const int64_t lo = first >= 0 ? 0 : (-first + stride - 1) / stride;
  const int64_t hi = extent - first <= 0 ? 0 : (extent - first + stride - 1) / stride;
  return {std::min(lo, outputs), std::clamp(hi, std::min(lo, outputs), outputs)};
}

// x holds `images` images; col is (C*KH*KW, images*OH*OW).
void im2col(const ConvShape& s, const float* x, int64_t images, float* col) {
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w, cols = images * out_area;
  for (int64_t c = 0; c < s.in_channels; ++c) {
    for (int64_t ki = 0; ki < s.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < s.kernel_w; ++kj) {
        const int64_t x0 = kj * s.dilate_w - s.pad_w;
        const Span span = valid_span(x0, s.stride_w, s.in_w, s.out_w);
        float* dst = col + ((c * s.kernel_h + ki) * s.kernel_w + kj) * cols;
        for (int64_t n = 0; n < images; ++n) {
          const float* image = x + (n * s.in_channels + c) * in_area;
          for (int64_t oy = 0; oy < s.out_h; ++oy, dst += s.out_w) {
            const int64_t iy = oy * s.stride_h - s.pad_h + ki * s.dilate_h;
            if (iy < 0 || iy >= s.in_h) {
              std::fill(dst, dst + s.out_w, 0.0f);
              continue;
            }
            const float* src = image + iy * s.in_w;
            std::fill(dst, dst + span.lo, 0.0f);
            if (s.stride_w == 1)
              std::copy(src + span.lo + x0, src + span.hi + x0, dst + span.lo);
            else
              for (int64_t ox = span.lo; ox < span.hi; ++ox) dst[ox] = src[ox * s.stride_w + x0];
            std::fill(dst + span.hi, dst + s.out_w, 0.0f);
          }
        }
      }
    }
  }
}

// The adjoint of im2col: dx (images, C, H, W) = sum of the col entries that copied each pixel.
void col2im(const ConvShape& s, const float* col, int64_t images, float* dx) {
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w, cols = images * out_area;
  std::fill(dx, dx + images * s.in_channels * in_area, 0.0f);
  for (int64_t c = 0; c < s.in_channels; ++c) {
    for (int64_t ki = 0; ki < s.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < s.kernel_w; ++kj) {
        const int64_t x0 = kj * s.dilate_w - s.pad_w;
        const Span span = valid_span(x0, s.stride_w, s.in_w, s.out_w);
        const float* src = col + ((c * s.kernel_h + ki) * s.kernel_w + kj) * cols;
        for (int64_t n = 0; n < images; ++n) {
          float* plane = dx + (n * s.in_channels + c) * in_area;
          for (int64_t oy = 0; oy < s.out_h; ++oy, src += s.out_w) {
            const int64_t iy = oy * s.stride_h - s.pad_h + ki * s.dilate_h;
            if (iy < 0 || iy >= s.in_h) continue;
            float* dst = plane + iy * s.in_w;
            for (int64_t ox = span.lo; ox < span.hi; ++ox) dst[ox * s.stride_w + x0] += src[ox];
          }
        }
      }
    }
  }
}

int64_t chunk_count(const ConvShape& s, const Plan& p) { return (s.batch + p.images_per_chunk - 1) / p.images_per_chunk; }

void im2col_forward(const ConvShape& s, const Plan& p, const float* x, const float* w, const float* bias, float* y,
                    const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w;
  const int64_t out_area = s.out_h * s.out_w, out_image = s.out_channels * out_area;
  const int64_t k = p.col_rows / s.groups;
#pragma omp for schedule(static)
  for (int64_t chunk = 0; chunk < chunk_count(s, p); ++chunk) {
    const int64_t n0 = chunk * p.images_per_chunk, images = std::min(p.images_per_chunk, s.batch - n0);
    const int64_t cols = images * out_area;
    im2col(s, x + n0 * in_image, images, scratch.input);
    float* yn = y + n0 * out_image;
    // One image needs no permutation: the GEMM writes y directly.
    float* out = images == 1 ? yn : scratch.output;
    for (int64_t g = 0; g < s.groups; ++g)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.fg), int(cols), int(k), 1.0f, w + g * p.fg * k,
                  int(k), scratch.input + g * k * cols, int(cols), 0.0f, out + g * p.fg * cols, int(cols));
    if (images == 1 && !bias) continue;
    // y (images, F, OH*OW) = out (F, images, OH*OW) + bias; in place for one image.
    for (int64_t b = 0; b < images; ++b)
      for (int64_t f = 0; f < s.out_channels; ++f) {
        const float* src = out + (f * images + b) * out_area;
        float* dst = yn + (b * s.out_channels + f) * out_area;
        const float add = bias ? bias[f] : 0.0f;
        for (int64_t i = 0; i < out_area; ++i) dst[i] = src[i] + add;
      }
  }
}

void im2col_backward(const ConvShape& s, const Plan& p, const float* x, const float* w, const float* dy, float* dx,
                     bool want_dw, bool want_db, const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w;
  const int64_t out_area = s.out_h * s.out_w, out_image = s.out_channels * out_area;
  const int64_t k = p.col_rows / s.groups;
  float* dw = scratch.dweight;
  float* db = dw + s.out_channels * k;
#pragma omp for schedule(static)
  for (int64_t chunk = 0; chunk < chunk_count(s, p); ++chunk) {
    const int64_t n0 = chunk * p.images_per_chunk, images = std::min(p.images_per_chunk, s.batch - n0);
    const int64_t cols = images * out_area;
    const float* dyn = dy + n0 * out_image;
    // dY as (F, images*OH*OW): dy itself for one image, else permuted.
    const float* grad = dyn;
    if (images > 1) {
      for (int64_t f = 0; f < s.out_channels; ++f)
        for (int64_t b = 0; b < images; ++b)
          std::memcpy(scratch.output + (f * images + b) * out_area, dyn + (b * s.out_channels + f) * out_area,
                      sizeof(float) * out_area);
      grad = scratch.output;
    }
    if (want_db)
      for (int64_t f = 0; f < s.out_channels; ++f) db[f] += row_sum(grad + f * cols, cols);
    if (want_dw) {
      im2col(s, x + n0 * in_image, images, scratch.input);
      for (int64_t g = 0; g < s.groups; ++g)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.fg), int(k), int(cols), 1.0f,
                    grad + g * p.fg * cols, int(cols), scratch.input + g * k * cols, int(cols), 1.0f,
                    dw + g * p.fg * k, int(k));
    }
    if (dx) {
      // The columns are consumed above, so dcol reuses their buffer.
      for (int64_t g = 0; g < s.groups; ++g)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(k), int(cols), int(p.fg), 1.0f, w + g * p.fg * k,
                    int(k), grad + g * p.fg * cols, int(cols), 0.0f, scratch.input + g * k * cols, int(cols));
      col2im(s, scratch.input, images, dx + n0 * in_image);
    }
  }
}

}  // namespace

size_t convolution_workspace_floats(const ConvShape& s) {
  const Plan p = make_plan(s);
  return static_cast<size_t>(p.packed_weight_floats + p.threads * p.thread_floats());
}

void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace) {
  const Plan p = make_plan(s);
  if (p.shifted) pack_taps(p, w, s.out_channels, workspace);
#pragma omp parallel num_threads(p.threads)
  {
    const Scratch scratch = scratch_of(p, workspace, omp_get_thread_num());
    if (p.shifted)
      shifted_forward(s, p, x, workspace, bias, y, scratch);
    else
      im2col_forward(s, p, x, w, bias, y, scratch);
  }
}

void convolution_backward(const ConvShape& s, const float* x, const float* w, const float* dy, float* dx,
                          float* dw, float* dbias, float* workspace) {
  const Plan p = make_plan(s);
  if (p.shifted) pack_taps(p, w, s.out_channels, workspace);
  const int64_t weights = s.out_channels * p.cg * p.taps;
  // Zeroed here rather than by each thread, in case the team comes out smaller.
  for (int t = 0; t < p.threads; ++t) {
    float* part = scratch_of(p, workspace, t).dweight;
    std::fill(part, part + weights + s.out_channels, 0.0f);
  }
#pragma omp parallel num_threads(p.threads)
  {
    const Scratch scratch = scratch_of(p, workspace, omp_get_thread_num());
    if (p.shifted)
      shifted_backward(s, p, x, workspace, dy, dx, dw != nullptr, dbias != nullptr, scratch);
    else
      im2col_backward(s, p, x, w, dy, dx, dw != nullptr, dbias != nullptr, scratch);
  }
  // Sum the per-thread partials in thread order; shifted partials are laid
  // out (T, F, Cg) and go back to w's (F, Cg, T).
  for (int t = 0; t < p.threads; ++t) {
    const float* part = scratch_of(p, workspace, t).dweight;
    if (dw)
      for (int64_t i = 0; i < weights; ++i) {
        const int64_t to = p.shifted ? (i % (s.out_channels * p.cg)) * p.taps + i / (s.out_channels * p.cg) : i;
        dw[to] = (t == 0 ? 0.0f : dw[to]) + part[i];
      }
    if (dbias)
      for (int64_t f = 0; f < s.out_channels; ++f) dbias[f] = (t == 0 ? 0.0f : dbias[f]) + part[weights + f];
  }
}

}  // namespace fitbench::cpu
