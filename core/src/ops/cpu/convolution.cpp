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
// Shifted taps (Cg >= 8, not a strided 1x1). Pad one image to (HP, WP) = (H + 2*PH, W + 2*PW) and
// split it into SH*SW phase planes of (HQ, WQ) = (ceil(HP/SH), ceil(WP/SW)):
//   xq[c, a, b, i, j] = xpadded[c, i*SH + a, j*SW + b]
// Output (oy, ox) sits at q = oy*WQ + ox, and tap t = (ki, kj) reads phase
// (ki*DH % SH, kj*DW % SW) at q + (ki*DH / SH)*WQ + kj*DW / SW, so with
// wr[t] = w[:, :, ki, kj]:
//   Y (Fg, Q) = sum_t wr[t] (Fg, Cg) . xq_g shifted by t (Cg, Q),  Q = (OH-1)*WQ + OW
// where the columns ox >= OW are discarded. Backward, with dY on the same grid
// and zero in those columns:
//   dwr[t] (Fg, Cg) += dY (Fg, Q) . (xq_g shifted by t)^T
//   dxq_g shifted by t (Cg, Q) += wr[t]^T (Cg, Fg) . dY (Fg, Q), and dx gathers dxq back.
// No im2col: the only copies are the split input and the output rows. With
// stride 1 and no padding, x itself is the single phase plane.
//
// On CPUs with AVX-512 (convolution_avx512.cpp) the same layout feeds kernels
// that sum over all taps and channels in registers, for every stride:
//   Y (Fg, Q): correlate with weights wf[t, g, c, f] = w[g*Fg + f, c, t], the
//   kernel dropping the discarded columns as it writes y itself;
//   dwf[t, g, c, f] += sum_q xt[q + off_t, c] . dYt[q, f] on channels-last
//   copies xt (the split image) and dYt (dY on the grid), no reductions across
//   lanes, the kernel stepping over the discarded columns.
// Where those columns would cost Y's correlation an eighth of its vectors or
// more at stride 1 (lenet's 5x5 layers: 8 kept of 12), its input is unrolled
// instead: kernel column kj's copy of the padded image keeps the OW columns
// that outputs read through it,
//   xu[c, kj, iy, ox] = xpadded[c, iy, ox + kj*DW],
// and tap (ki, kj) reads xu[c, kj] at q + ki*DH*OW for q = oy*OW + ox, so
// that every position computed is kept.
// With stride 1, dx is a correlation too: with dY placed `lead` = off_{T-1}
// zeros into each channel of a zero buffer (dYpad, lead zeros after it too),
//   dxpadded[c, p] = sum_{t, f} wr[t, f, c] * dYpad[f, p + lead - off_t],
// computed for the image's own pixels only, straight into dx. Strided dx keeps
// the GEMMs above.
//
// im2col (the other cases). A chunk of B images becomes
//   col[(c*KH + ki)*KW + kj, b*OH*OW + oy*OW + ox] = x[b, c, oy*SH - PH + ki*DH, ox*SW - PW + kj*DW]
//   Y_g (Fg, B*OH*OW) = W_g (Fg, Cg*KH*KW) . col_g, permuted to (B, Fg, OH*OW) with the bias;
//   dW_g += dY_g . col_g^T;  dcol_g = W_g^T . dY_g, and col2im adds dcol back into dx.
// A chunk's columns stay within a per-thread cache budget.
//
// Per-thread weight-gradient partials are summed in a fixed order, so results
// do not depend on scheduling.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ops/cpu/avx512.h"
#include "ops/cpu/convolution_avx512.h"
#include "ops/cpu/convolution_winograd.h"
#include "ops/cpu/elementwise.h"
#include "ops/cpu/parallel.h"
#include "ops/kernels/convolution.h"

namespace fitbench::cpu {

namespace {

// Whether the environment variable `name` turns a route off: set, and not to 0.
bool turned_off(const char* name) {
  const char* off = std::getenv(name);
  return off && *off && std::strcmp(off, "0") != 0;
}

// Whether plans take the AVX-512 route: read from the CPU and the
// environment once, then switched only by set_convolution_avx512 (tests).
bool& avx512_enabled() {
  static bool enabled = avx512::supported() && !turned_off("FITBENCH_NO_AVX512");
  return enabled;
}

// Whether 3x3 stride-1 layers take Winograd; likewise.
bool& winograd_enabled() {
  static bool enabled = !turned_off("FITBENCH_NO_WINOGRAD");
  return enabled;
}

// Winograd's transforms and products are AVX-512 kernels.
bool takes_winograd(const ConvShape& s) {
  return winograd_enabled() && avx512_enabled() && winograd::applies(s);
}

// Shifted taps pay off once a tap's GEMM has a few channels to sum over; the
// AVX-512 kernels sum over all taps at once and need no such minimum.
constexpr int64_t shifted_min_group_channels = 8;
// The weight-gradient kernel reads this far past a channels-last image.
constexpr int64_t transposed_slack_floats = 24;
// im2col columns plus staged output per thread, in floats: 2 MiB, which fits a
// core's L2 cache while the chunk's GEMM stays large.
constexpr int64_t chunk_budget_floats = int64_t{1} << 19;

struct Plan {
  bool shifted = false;
  bool avx512 = false;  // shifted layout, computed by convolution_avx512.cpp
  int threads = 1;
  int64_t taps = 1, cg = 1, fg = 1;
  // Shifted taps.
  int64_t phase_h = 0, phase_w = 0, plane = 0, channel_floats = 0, cols = 0;
  bool split_input = false;  // x needs a padded, phase-split copy
  bool direct = false;       // no discarded columns: Y is y itself
  // Phases that some tap reads, one bit per phase row / column.
  uint64_t used_rows = 0, used_cols = 0;
  // Where each tap reads, tap_offset(t), and for stride-1 dx on the AVX-512
  // route the correlation's offsets grad_lead - offsets[t].
  std::vector<int64_t> offsets, flipped;
  // dY staged per channel on the grid: grad_lead zeros, cols, then zeros up to grad_floats.
  int64_t grad_lead = 0, grad_floats = 0;
  bool dx_correlate = false;  // stride-1 dx by the AVX-512 correlation
  // The forward's unrolled input (AVX-512, stride 1): xu[c, kj] at c *
  // channel_floats + kj * plane, its taps reading at offsets[t].
  struct Unrolled {
    bool used = false;
    int64_t plane = 0, channel_floats = 0;
    std::vector<int64_t> offsets;
  } unrolled;
  // im2col.
  int64_t images_per_chunk = 1, col_rows = 0;
  // Floats of each per-thread buffer, and of the repacked weights (shifted).
  int64_t input_floats = 0, output_floats = 0, dinput_floats = 0, grad_t_floats = 0, dweight_floats = 0,
          packed_weight_floats = 0;

  int64_t thread_floats() const {
    return input_floats + output_floats + dinput_floats + grad_t_floats + dweight_floats;
  }
};

// Where tap t reads within a channel: its phase plane plus the shift.
int64_t tap_offset(const ConvShape& s, const Plan& p, int64_t t) {
  const int64_t dy = t / s.kernel_w * s.dilate_h, dx = t % s.kernel_w * s.dilate_w;
  const int64_t phase = dy % s.stride_h * s.stride_w + dx % s.stride_w;
  return phase * p.plane + dy / s.stride_h * p.phase_w + dx / s.stride_w;
}

Plan make_plan(const ConvShape& s) {
  Plan p;
  p.taps = s.kernel_h * s.kernel_w;
  p.cg = s.in_channels / s.groups;
  p.fg = s.out_channels / s.groups;
  const int64_t out_area = s.out_h * s.out_w;
  p.threads = gemm_threads(s.batch * s.out_channels * out_area * p.cg * p.taps);
  // A strided 1x1 convolution only subsamples, which im2col does cheaply
  // while batching images into larger GEMMs. The phase masks have 64 bits.
  const bool strided = s.stride_h > 1 || s.stride_w > 1;
  p.avx512 = avx512_enabled() && (p.taps > 1 || !strided) && s.stride_h <= 64 && s.stride_w <= 64;
  p.shifted = p.avx512 || (p.cg >= shifted_min_group_channels && (p.taps > 1 || !strided) &&
                           s.stride_h <= 64 && s.stride_w <= 64);
  if (p.shifted) {
    p.phase_h = (s.in_h + 2 * s.pad_h + s.stride_h - 1) / s.stride_h;
    p.phase_w = (s.in_w + 2 * s.pad_w + s.stride_w - 1) / s.stride_w;
    p.plane = p.phase_h * p.phase_w;
    p.channel_floats = s.stride_h * s.stride_w * p.plane;
    p.cols = (s.out_h - 1) * p.phase_w + s.out_w;
    p.split_input = s.pad_h > 0 || s.pad_w > 0 || strided;
    p.direct = p.phase_w == s.out_w;
    for (int64_t k = 0; k < s.kernel_h; ++k) p.used_rows |= uint64_t{1} << (k * s.dilate_h % s.stride_h);
    for (int64_t k = 0; k < s.kernel_w; ++k) p.used_cols |= uint64_t{1} << (k * s.dilate_w % s.stride_w);
    for (int64_t t = 0; t < p.taps; ++t) p.offsets.push_back(tap_offset(s, p, t));
    p.dx_correlate = p.avx512 && !strided;
    if (p.dx_correlate) {
      p.grad_lead = p.offsets.back();
      for (int64_t t = 0; t < p.taps; ++t) p.flipped.push_back(p.grad_lead - p.offsets[t]);
    }
    p.grad_floats = p.cols + 2 * p.grad_lead;
    const auto vectors = [](int64_t positions) { return (positions + 15) / 16; };
    Plan::Unrolled& u = p.unrolled;
    u.used = p.dx_correlate && s.kernel_w > 1 && vectors(out_area) * 8 <= vectors(p.cols) * 7;
    if (u.used) {
      u.plane = p.phase_h * s.out_w;
      u.channel_floats = s.kernel_w * u.plane;
      for (int64_t t = 0; t < p.taps; ++t)
        u.offsets.push_back(t % s.kernel_w * u.plane + t / s.kernel_w * s.dilate_h * s.out_w);
    }
    const int64_t image_floats = s.in_channels * p.channel_floats;
    if (p.split_input && !p.dx_correlate) p.dinput_floats = image_floats;
    if (p.avx512) {
      // The weight gradient reads a channels-last copy of every image.
      p.input_floats = std::max(image_floats + transposed_slack_floats, s.in_channels * u.channel_floats);
      p.output_floats = s.out_channels * p.grad_floats;
      p.grad_t_floats = p.cols * s.out_channels;
    } else {
      if (p.split_input) p.input_floats = image_floats;
      if (!p.direct) p.output_floats = s.out_channels * p.cols;
    }
    p.dweight_floats = p.taps * s.out_channels * p.cg + s.out_channels;
    p.packed_weight_floats = p.taps * s.out_channels * p.cg;
  } else {
    p.col_rows = s.in_channels * p.taps;
    p.images_per_chunk =
        images_per_chunk(s.batch, (p.col_rows + s.out_channels) * out_area, chunk_budget_floats, p.threads);
    p.input_floats = p.col_rows * p.images_per_chunk * out_area;
    if (p.images_per_chunk > 1) p.output_floats = s.out_channels * p.images_per_chunk * out_area;
    p.dweight_floats = s.out_channels * p.cg * p.taps + s.out_channels;
  }
  return p;
}

// One thread's slices of the workspace.
struct Scratch {
  float* input;    // phase planes of an image (channels last for dw on AVX-512), or im2col columns
  float* output;   // output or dY rows on the phase grid, or staged chunk output
  float* dinput;   // phase planes of an image's input gradient
  float* grad_t;   // dY on the grid, channels last (AVX-512)
  float* dweight;  // this thread's weight-gradient partial, then its bias-gradient partial
};

Scratch scratch_of(const Plan& p, float* workspace, int thread) {
  Scratch r;
  r.input = workspace + p.packed_weight_floats + thread * p.thread_floats();
  r.output = r.input + p.input_floats;
  r.dinput = r.output + p.output_floats;
  r.grad_t = r.dinput + p.dinput_floats;
  r.dweight = r.grad_t + p.grad_t_floats;
  return r;
}

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

// ---- Shifted taps ----

// wr[t, f, c] = w[f, c, t]: each tap's weights as a (F, Cg) matrix. With
// filters_last, wf[t, g, c, f - g*Fg] instead: each group's matrix transposed.
void pack_taps(const Plan& p, const float* w, int64_t filters, bool filters_last, float* wr) {
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < p.cg; ++c)
      for (int64_t t = 0; t < p.taps; ++t) {
        const int64_t group_start = f - f % p.fg;
        const int64_t to = filters_last ? (t * filters + group_start) * p.cg + c * p.fg + f - group_start
                                        : (t * filters + f) * p.cg + c;
        wr[to] = w[(f * p.cg + c) * p.taps + t];
      }
}

// The pixels of an image row that land in phase column b: ix = first,
// first + SW, ... go to phase columns start, start + 1, ...
struct PhaseColumn {
  int64_t first, start;
};

PhaseColumn phase_column(const ConvShape& s, int64_t b) {
  const int64_t first = ((b - s.pad_w) % s.stride_w + s.stride_w) % s.stride_w;
  return {first, (first + s.pad_w) / s.stride_w};
}

// Offset of input row iy's phase-b cells within a channel's planes.
int64_t phase_row(const ConvShape& s, const Plan& p, int64_t iy, int64_t b) {
  const int64_t yp = iy + s.pad_h;
  return (yp % s.stride_h * s.stride_w + b) * p.plane + yp / s.stride_h * p.phase_w +
         phase_column(s, b).start;
}

// Scatters one image into its phase planes, channels first (xq[c, cell]) or
// channels last (xq[cell, c], AVX-512 route only). Cells outside the image
// are never written, so they keep the zeros the buffer started with.
void split_image(const ConvShape& s, const Plan& p, const float* x, bool channels_last, float* xq) {
  if (channels_last && s.stride_w == 1) {
    // Each row of all channels is one block to transpose.
    for (int64_t iy = 0; iy < s.in_h; ++iy)
      if (p.used_rows >> ((iy + s.pad_h) % s.stride_h) & 1)
        avx512::transpose(x + iy * s.in_w, s.in_h * s.in_w, s.in_channels, s.in_w,
                          xq + phase_row(s, p, iy, 0) * s.in_channels, s.in_channels);
    return;
  }
  const int64_t channel_step = channels_last ? 1 : p.channel_floats;
  const int64_t cell_step = channels_last ? s.in_channels : 1;
  // Channels innermost: the phase arithmetic (divisions) is done once per row.
  for (int64_t iy = 0; iy < s.in_h; ++iy) {
    if (!(p.used_rows >> ((iy + s.pad_h) % s.stride_h) & 1)) continue;
    for (int64_t b = 0; b < s.stride_w; ++b) {
      if (!(p.used_cols >> b & 1)) continue;
      const int64_t row = phase_row(s, p, iy, b) * cell_step, first = phase_column(s, b).first;
      for (int64_t c = 0; c < s.in_channels; ++c) {
        const float* src = x + (c * s.in_h + iy) * s.in_w;
        float* dst = xq + c * channel_step + row;
        if (s.stride_w == 1 && !channels_last)
          std::memcpy(dst, src, sizeof(float) * s.in_w);
        else
          for (int64_t ix = first; ix < s.in_w; ix += s.stride_w, dst += cell_step) *dst = src[ix];
      }
    }
  }
}

// The inverse of split_image (channels first): dx gathers every pixel from its phase plane.
void merge_image(const ConvShape& s, const Plan& p, const float* dxq, float* dx) {
  for (int64_t iy = 0; iy < s.in_h; ++iy)
    for (int64_t b = 0; b < s.stride_w; ++b) {
      const int64_t row = phase_row(s, p, iy, b), first = phase_column(s, b).first;
      for (int64_t c = 0; c < s.in_channels; ++c) {
        const float* src = dxq + c * p.channel_floats + row;
        float* dst = dx + (c * s.in_h + iy) * s.in_w;
        if (s.stride_w == 1)
          std::memcpy(dst, src, sizeof(float) * s.in_w);
        else
          for (int64_t ix = first; ix < s.in_w; ix += s.stride_w) dst[ix] = *src++;
      }
    }
}

// y[f, :] += bias[f] for one image's outputs (bias may be null).
void add_bias(const ConvShape& s, const float* bias, float* y) {
  if (!bias) return;
  const int64_t out_area = s.out_h * s.out_w;
  for (int64_t f = 0; f < s.out_channels; ++f)
    for (int64_t i = 0; i < out_area; ++i) y[f * out_area + i] += bias[f];
}

// The forward's unrolled copy of one image (stride 1): xu[c, kj, iy + PH, ox]
// = x[c, iy, ox + kj*DW - PW] for the outputs ox that read inside the image.
// Cells outside it are never written, so they keep the zeros the buffer
// started with.
void unroll_image(const ConvShape& s, const Plan& p, const float* x, float* xu) {
  const Plan::Unrolled& u = p.unrolled;
  for (int64_t kj = 0; kj < s.kernel_w; ++kj) {
    const int64_t first = kj * s.dilate_w - s.pad_w;  // the image column output 0 reads
    const Span inside = valid_span(first, 1, s.in_w, s.out_w);
    if (inside.hi <= inside.lo) continue;
    for (int64_t c = 0; c < s.in_channels; ++c)
      avx512::copy_rows(x + c * s.in_h * s.in_w + first + inside.lo, s.in_w, s.in_h, inside.hi - inside.lo,
                        xu + c * u.channel_floats + kj * u.plane + s.pad_h * s.out_w + inside.lo, s.out_w);
  }
}

// wr is packed filters last on the AVX-512 route.
void shifted_forward(const ConvShape& s, const Plan& p, const float* x, const float* wr, const float* bias,
                     float* y, const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  if (p.split_input || p.unrolled.used) std::fill(scratch.input, scratch.input + p.input_floats, 0.0f);
#pragma omp for schedule(static)
  for (int64_t n = 0; n < s.batch; ++n) {
    const float* xq = x + n * in_image;
    float* yn = y + n * s.out_channels * out_area;
    if (p.unrolled.used) {
      const Plan::Unrolled& u = p.unrolled;
      unroll_image(s, p, xq, scratch.input);
      for (int64_t g = 0; g < s.groups; ++g)
        avx512::correlate(scratch.input + g * p.cg * u.channel_floats, u.channel_floats, p.cg,
                          u.offsets.data(), p.taps, wr + g * p.fg * p.cg, s.out_channels * p.cg, p.fg,
                          yn + g * p.fg * out_area, out_area, out_area, s.out_w, s.out_w);
      add_bias(s, bias, yn);
      continue;
    }
    if (p.split_input) {
      split_image(s, p, xq, false, scratch.input);
      xq = scratch.input;
    }
    if (p.avx512) {
      for (int64_t g = 0; g < s.groups; ++g)
        avx512::correlate(xq + g * p.cg * p.channel_floats, p.channel_floats, p.cg, p.offsets.data(), p.taps,
                          wr + g * p.fg * p.cg, s.out_channels * p.cg, p.fg, yn + g * p.fg * out_area,
                          out_area, p.cols, p.phase_w, s.out_w);
      add_bias(s, bias, yn);
      continue;
    }
    float* out = p.direct ? yn : scratch.output;
    for (int64_t g = 0; g < s.groups; ++g)
      for (int64_t t = 0; t < p.taps; ++t)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.fg), int(p.cols), int(p.cg), 1.0f,
                    wr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg),
                    xq + g * p.cg * p.channel_floats + p.offsets[t], int(p.channel_floats),
                    t == 0 ? 0.0f : 1.0f, out + g * p.fg * p.cols, int(p.cols));
    if (p.direct && !bias) continue;
    for (int64_t f = 0; f < s.out_channels; ++f) {
      const float b = bias ? bias[f] : 0.0f;
      for (int64_t oy = 0; oy < s.out_h; ++oy) {
        const float* src = out + f * p.cols + oy * p.phase_w;
        float* dst = yn + (f * s.out_h + oy) * s.out_w;
        for (int64_t ox = 0; ox < s.out_w; ++ox) dst[ox] = src[ox] + b;
      }
    }
  }
}

// wr is packed filters first on both routes. The weight-gradient partial is
// laid out like the forward's packed weights: (T, G, Cg, Fg) on the AVX-512
// route, else (T, F, Cg).
void shifted_backward(const ConvShape& s, const Plan& p, const float* x, const float* wr, const float* dy,
                      float* dx, bool want_dw, bool want_db, const Scratch& scratch) {
  const int64_t in_image = s.in_channels * s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  float* dwr = scratch.dweight;
  float* db = dwr + p.taps * s.out_channels * p.cg;
  std::fill(scratch.input, scratch.input + p.input_floats, 0.0f);
  // Around dY on the grid, the discarded columns and the lead, all stays 0.
  std::fill(scratch.output, scratch.output + p.output_floats, 0.0f);
#pragma omp for schedule(static)
  for (int64_t n = 0; n < s.batch; ++n) {
    const float* dyn = dy + n * s.out_channels * out_area;
    // dY on the grid, channel f at grad + f * grad_floats.
    const float* grad = dyn;
    if (!p.direct || p.avx512) {
      for (int64_t f = 0; f < s.out_channels; ++f)
        for (int64_t oy = 0; oy < s.out_h; ++oy)
          std::memcpy(scratch.output + f * p.grad_floats + p.grad_lead + oy * p.phase_w,
                      dyn + (f * s.out_h + oy) * s.out_w, sizeof(float) * s.out_w);
      grad = scratch.output + p.grad_lead;
    }
    if (want_db)
      for (int64_t f = 0; f < s.out_channels; ++f) db[f] += row_sum(dyn + f * out_area, out_area);
    if (want_dw) {
      const float* xn = x + n * in_image;
      if (p.avx512) {
        split_image(s, p, xn, true, scratch.input);
        avx512::transpose(grad, p.grad_floats, s.out_channels, p.cols, scratch.grad_t, s.out_channels);
        for (int64_t g = 0; g < s.groups; ++g)
          avx512::correlate_weights(scratch.input + g * p.cg, s.in_channels, p.cg, p.offsets.data(), p.taps,
                                    scratch.grad_t + g * p.fg, s.out_channels, p.fg, dwr + g * p.fg * p.cg,
                                    s.out_channels * p.cg, p.cols, p.phase_w, s.out_w);
      } else {
        const float* xq = xn;
        if (p.split_input) {
          split_image(s, p, xn, false, scratch.input);
          xq = scratch.input;
        }
        for (int64_t g = 0; g < s.groups; ++g)
          for (int64_t t = 0; t < p.taps; ++t)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.fg), int(p.cg), int(p.cols), 1.0f,
                        grad + g * p.fg * p.grad_floats, int(p.grad_floats),
                        xq + g * p.cg * p.channel_floats + p.offsets[t], int(p.channel_floats), 1.0f,
                        dwr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg));
      }
    }
    if (!dx) continue;
    float* dxn = dx + n * in_image;
    if (p.dx_correlate) {
      // The image's own pixels, padded cells (pad_h, pad_w) on, written into dx.
      const int64_t in_area = s.in_h * s.in_w;
      for (int64_t g = 0; g < s.groups; ++g)
        avx512::correlate(scratch.output + g * p.fg * p.grad_floats + s.pad_h * p.phase_w + s.pad_w,
                          p.grad_floats, p.fg, p.flipped.data(), p.taps, wr + g * p.fg * p.cg,
                          s.out_channels * p.cg, p.cg, dxn + g * p.cg * in_area, in_area,
                          (s.in_h - 1) * p.phase_w + s.in_w, p.phase_w, s.in_w);
      continue;
    }
    float* dxq = p.split_input ? scratch.dinput : dxn;
    std::fill(dxq, dxq + s.in_channels * p.channel_floats, 0.0f);
    for (int64_t g = 0; g < s.groups; ++g)
      for (int64_t t = 0; t < p.taps; ++t)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(p.cg), int(p.cols), int(p.fg), 1.0f,
                    wr + (t * s.out_channels + g * p.fg) * p.cg, int(p.cg), grad + g * p.fg * p.grad_floats,
                    int(p.grad_floats), 1.0f, dxq + g * p.cg * p.channel_floats + p.offsets[t],
                    int(p.channel_floats));
    if (p.split_input) merge_image(s, p, dxq, dxn);
  }
}

// ---- im2col ----

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

int64_t chunk_count(const ConvShape& s, const Plan& p) {
  return (s.batch + p.images_per_chunk - 1) / p.images_per_chunk;
}

void im2col_forward(const ConvShape& s, const Plan& p, const float* x, const float* w, const float* bias,
                    float* y, const Scratch& scratch) {
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
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(p.fg), int(cols), int(k), 1.0f,
                  w + g * p.fg * k, int(k), scratch.input + g * k * cols, int(cols), 0.0f,
                  out + g * p.fg * cols, int(cols));
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

void im2col_backward(const ConvShape& s, const Plan& p, const float* x, const float* w, const float* dy,
                     float* dx, bool want_dw, bool want_db, const Scratch& scratch) {
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
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(k), int(cols), int(p.fg), 1.0f,
                    w + g * p.fg * k, int(k), grad + g * p.fg * cols, int(cols), 0.0f,
                    scratch.input + g * k * cols, int(cols));
      col2im(s, scratch.input, images, dx + n0 * in_image);
    }
  }
}

}  // namespace

bool convolution_avx512() { return avx512_enabled(); }

void set_convolution_avx512(bool enabled) { avx512_enabled() = enabled && avx512::supported(); }

bool convolution_winograd() { return winograd_enabled(); }

void set_convolution_winograd(bool enabled) { winograd_enabled() = enabled; }

size_t convolution_workspace_floats(const ConvShape& s) {
  const Plan p = make_plan(s);
  const auto direct = static_cast<size_t>(p.packed_weight_floats + p.threads * p.thread_floats());
  // Sized for either route, so that switching routes (tests) never outgrows it.
  return winograd::applies(s) ? std::max(direct, winograd::workspace_floats(s)) : direct;
}

void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace) {
  if (takes_winograd(s)) return winograd::forward(s, x, w, bias, y, workspace);
  blas_on_calling_thread();
  const Plan p = make_plan(s);
  if (p.shifted) pack_taps(p, w, s.out_channels, p.avx512, workspace);
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
  if ((dx || dw) && takes_winograd(s)) {
    // One pass after the other, each reusing the workspace; a bias gradient
    // alone takes the direct route's sums.
    if (dw)
      winograd::backward_weights(s, x, dy, dw, dbias, workspace);
    else if (dbias)
      convolution_backward(s, x, w, dy, nullptr, nullptr, dbias, workspace);
    if (dx) winograd::backward_data(s, w, dy, dx, workspace);
    return;
  }
  blas_on_calling_thread();
  const Plan p = make_plan(s);
  if (p.shifted) pack_taps(p, w, s.out_channels, false, workspace);
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
  // Sum the per-thread partials in thread order. im2col partials are laid
  // out like w (F, Cg, T); shifted ones are (T, F, Cg), or (T, G, Cg, Fg) on
  // the AVX-512 route, with these steps along w's axes:
  const int64_t tap_step = p.shifted ? s.out_channels * p.cg : 1;
  const int64_t channel_step = !p.shifted ? p.taps : p.avx512 ? p.fg : 1;
  const int64_t filter_step = !p.shifted ? p.cg * p.taps : p.avx512 ? 1 : p.cg;
  // Filter f's group starts g*Fg*Cg in on the AVX-512 route, at g*Fg along f otherwise.
  const int64_t group_step = p.avx512 ? p.fg * p.cg : p.fg * filter_step;
  for (int t = 0; t < p.threads; ++t) {
    const float* part = scratch_of(p, workspace, t).dweight;
    if (dw)
      for (int64_t f = 0; f < s.out_channels; ++f) {
        const float* from = part + f / p.fg * group_step + f % p.fg * filter_step;
        float* to = dw + f * p.cg * p.taps;
        for (int64_t c = 0; c < p.cg; ++c)
          for (int64_t tap = 0; tap < p.taps; ++tap, ++to)
            *to = (t == 0 ? 0.0f : *to) + from[c * channel_step + tap * tap_step];
      }
    if (dbias)
      for (int64_t f = 0; f < s.out_channels; ++f) dbias[f] = (t == 0 ? 0.0f : dbias[f]) + part[weights + f];
  }
}

}  // namespace fitbench::cpu
