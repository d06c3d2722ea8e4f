// Winograd F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016).
//
// Shapes (NCHW, float32; 3x3 kernel, stride 1, one group):
//   x (N, K, H, W)   w (M, K, 3, 3)   bias (M)   y (N, M, OH, OW),  OH = H + 2*PH - 2, OW likewise.
// The output is cut into 2x2 tiles, TH = ceil(OH/2) by TW = ceil(OW/2) per
// image. Tile (i, j) reads the 4x4 patch d_k of each channel k at rows
// 2i - PH .. 2i - PH + 3 and columns 2j - PW .. 2j - PW + 3 (0 outside the image). With
//   B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
//         [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
//         [0 -1  1  0]         [1/2 -1/2  1/2]
//         [0  1  0 -1]         [ 0    0    1 ]
// its outputs are
//   Y[m] = A^T [ sum_k (G w[m, k] G^T) * (B^T d_k B) ] A      (* elementwise on 4x4),
// 16 products per 4 outputs where direct convolution takes 36. Over a chunk of
// images with P tiles in all, the sums over k are 16 GEMMs, one per element e
// of the 4x4 transforms:
//   U[e] (K, M) = (G w G^T)[e]    V[e] (K, P) = (B^T d B)[e]    Mt[e] (M, P) = U[e]^T . V[e]
// and each tile's outputs come from its column of Mt: Y = A^T Mt A, plus the bias.
//
// dx is the same computation run on dy: dx = convolution of dy (M channels in)
// with the kernels turned by 180 degrees and their channel axes swapped
// (K channels out), padding 2 - PH and 2 - PW.
//
// dw is the adjoint of the forward sums. With Z (M, P) = (A g A^T)[e] for the
// 2x2 output gradients g of the tiles (0 past the output's edge),
//   dU[e] (K, M) = sum over tiles V[e] . Z[e]^T      dw[m, k] = G^T dU[., k, m] G,
// 16 GEMMs that sum over the tiles, P per chunk. Element 5 of A g A^T, row 1
// and column 1, is the sum of the tile's four gradients, so the bias
// gradient is the sum of Z[5]'s rows.
//
// Rounding differs from direct convolution: the transforms add and subtract
// neighbouring values (G's halves are exact), and each element then sums K
// products where direct convolution sums 9K. On resnet-20's layers the largest
// error of y, dx and dw against a double-precision sum, relative to the terms'
// magnitude, measured 1.4e-7 here and 2.0e-7 for direct convolution
// (Convolution.WinogradErrorStaysNearDirect bounds both).
//
// Each thread takes whole chunks of images, with V and Mt (or Z) of a chunk in
// its own cache-sized buffers. y and dx are not summed across threads; dU and
// the bias gradient are summed from per-thread parts in thread order. Chunks
// go to threads in a fixed way, so results do not depend on scheduling.
#include "ops/cpu/convolution_winograd.h"

#include <algorithm>
#include <cstdint>

#include "ops/cpu/convolution_avx512.h"
#include "ops/cpu/elementwise.h"
#include "ops/cpu/parallel.h"

namespace fitbench::cpu::winograd {

namespace {

constexpr int64_t min_channels = 8;
// Elements of a transformed 4x4 tile, and so GEMMs per chunk.
constexpr int64_t elements = 16;
// The element of A g A^T that sums a tile's 2x2 output gradient g.
constexpr int64_t gradient_sum_element = 5;
// The transform kernels write and read whole vectors past a row's last tile.
constexpr int64_t row_slack = 16;
// V and Mt of one chunk, in floats: 1 MiB, so that the GEMMs read what the
// input transform has just written from the core's L2 cache.
constexpr int64_t chunk_budget_floats = int64_t{1} << 18;

// One convolution the transform computes: `in` channels of (h, w) to `out`
// channels of (oh, ow), with its tiling, chunks and workspace.
struct Pass {
  int64_t batch = 0, in = 0, out = 0, h = 0, w = 0, oh = 0, ow = 0, pad_h = 0, pad_w = 0;
  int64_t tiles_h = 0, tiles_w = 0, tiles = 0;  // per image
  int64_t images_per_chunk = 1, chunks = 1;
  int threads = 1;
  int64_t u_floats = 0, v_floats = 0, m_floats = 0;
  // The weight gradient's per-thread dU and bias gradient.
  int64_t part_floats = 0;

  int64_t thread_floats() const { return v_floats + m_floats + part_floats; }
  int64_t workspace_floats() const { return u_floats + threads * thread_floats(); }
};

Pass make_pass(int64_t batch, int64_t in, int64_t out, int64_t h, int64_t w, int64_t pad_h, int64_t pad_w) {
  Pass p;
  p.batch = batch;
  p.in = in;
  p.out = out;
  p.h = h;
  p.w = w;
  p.pad_h = pad_h;
  p.pad_w = pad_w;
  p.oh = h + 2 * pad_h - 2;
  p.ow = w + 2 * pad_w - 2;
  p.tiles_h = (p.oh + 1) / 2;
  p.tiles_w = (p.ow + 1) / 2;
  p.tiles = p.tiles_h * p.tiles_w;
  p.threads = gemm_threads(batch * out * p.oh * p.ow * in * 9);
  p.images_per_chunk =
      images_per_chunk(batch, elements * (in + out) * p.tiles, chunk_budget_floats, p.threads);
  p.chunks = (batch + p.images_per_chunk - 1) / p.images_per_chunk;
  p.u_floats = elements * in * out;
  p.v_floats = elements * in * (p.images_per_chunk * p.tiles + row_slack);
  p.m_floats = elements * out * (p.images_per_chunk * p.tiles + row_slack);
  return p;
}

Pass forward_pass(const ConvShape& s) {
  return make_pass(s.batch, s.in_channels, s.out_channels, s.in_h, s.in_w, s.pad_h, s.pad_w);
}

Pass data_pass(const ConvShape& s) {
  return make_pass(s.batch, s.out_channels, s.in_channels, s.out_h, s.out_w, 2 - s.pad_h, 2 - s.pad_w);
}

// The forward tiling, with Z in Mt's place.
Pass weight_pass(const ConvShape& s) {
  Pass p = forward_pass(s);
  p.part_floats = p.u_floats + p.out;
  return p;
}

avx512::WinogradTiles tiling_of(const Pass& p) {
  return {p.h, p.w, p.pad_h, p.pad_w, p.oh, p.ow, p.tiles_h, p.tiles_w};
}

// One thread's slices of the workspace, after U: V, Mt (or Z), and its part
// of the weight and bias gradients.
struct Buffers {
  float *v, *m, *part;
};

Buffers buffers_of(const Pass& p, float* workspace, int thread) {
  float* v = workspace + p.u_floats + thread * p.thread_floats();
  return {v, v + p.v_floats, v + p.v_floats + p.m_floats};
}

// body(buffers, first image, images, tiles, row stride) for each chunk of
// the batch, on the pass's team: whole chunks per thread, in its own buffers.
// Rows of V and Mt (or Z) hold the chunk's tiles and then row_slack floats.
template <class Body>
void for_each_chunk(const Pass& p, float* workspace, Body body) {
#pragma omp parallel num_threads(p.threads)
  {
    const Buffers buffers = buffers_of(p, workspace, omp_get_thread_num());
#pragma omp for schedule(static)
    for (int64_t chunk = 0; chunk < p.chunks; ++chunk) {
      const int64_t n0 = chunk * p.images_per_chunk, images = std::min(p.images_per_chunk, p.batch - n0);
      const int64_t cols = images * p.tiles;
      body(buffers, n0, images, cols, cols + row_slack);
    }
  }
}

// U[e, k, m] = (G g G^T)[e] for the 3x3 kernel g from input channel k to output
// channel m: g = w[m, k] forward; for dx (`turned`) g = w[k, m] turned by 180
// degrees, w then being (filters = K', channels = M').
void transform_weights(const float* w, int64_t filters, int64_t channels, bool turned, float* u) {
  const int64_t in = turned ? filters : channels, out = turned ? channels : filters;
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < channels; ++c) {
      const float* kernel = w + (f * channels + c) * 9;
      float g[9];
      for (int i = 0; i < 9; ++i) g[i] = kernel[turned ? 8 - i : i];
      // G g: 4 rows of 3.
      float gg[4][3];
      for (int j = 0; j < 3; ++j) {
        gg[0][j] = g[j];
        gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        gg[3][j] = g[6 + j];
      }
      const int64_t k = turned ? f : c, m = turned ? c : f;
      for (int r = 0; r < 4; ++r) {
        const float a = gg[r][0], b = gg[r][1], d = gg[r][2];
        const float row[4] = {a, 0.5f * (a + b + d), 0.5f * (a - b + d), d};
        for (int col = 0; col < 4; ++col) u[((r * 4 + col) * in + k) * out + m] = row[col];
      }
    }
}

// w[m, k] = G^T du[., k, m] G from du[e, k, m] (in = K, out = M): 3x3 of 4x4,
// through the 3x4 rows of G^T du.
void gradient_to_weights(const float* du, int64_t in, int64_t out, float* w) {
  for (int64_t m = 0; m < out; ++m)
    for (int64_t k = 0; k < in; ++k) {
      float d[4][4];
      for (int e = 0; e < elements; ++e) d[e / 4][e % 4] = du[(e * in + k) * out + m];
      float gd[3][4];
      for (int c = 0; c < 4; ++c) {
        gd[0][c] = d[0][c] + 0.5f * (d[1][c] + d[2][c]);
        gd[1][c] = 0.5f * (d[1][c] - d[2][c]);
        gd[2][c] = 0.5f * (d[1][c] + d[2][c]) + d[3][c];
      }
      float* kernel = w + (m * in + k) * 9;
      for (int r = 0; r < 3; ++r) {
        kernel[3 * r] = gd[r][0] + 0.5f * (gd[r][1] + gd[r][2]);
        kernel[3 * r + 1] = 0.5f * (gd[r][1] - gd[r][2]);
        kernel[3 * r + 2] = 0.5f * (gd[r][1] + gd[r][2]) + gd[r][3];
      }
    }
}

// Mt[e] (out, cols) = U[e]^T . V[e] for the 16 elements e, rows `stride` apart.
void multiply(const Pass& p, const float* u, const float* v, float* mt, int64_t cols, int64_t stride) {
  static constexpr int64_t no_shift = 0;
  for (int64_t e = 0; e < elements; ++e)
    avx512::correlate(v + e * p.in * stride, stride, p.in, &no_shift, 1, u + e * p.in * p.out, 0, p.out,
                      mt + e * p.out * stride, stride, cols, cols, cols);
}

// out (batch, p.out, oh, ow) = the pass's convolution of in (batch, p.in, h, w) with w (turned for dx).
void run(const Pass& p, const float* in, const float* w, bool turned, const float* bias, float* out,
         float* workspace) {
  transform_weights(w, turned ? p.in : p.out, turned ? p.out : p.in, turned, workspace);
  const avx512::WinogradTiles tiling = tiling_of(p);
  const int64_t in_image = p.in * p.h * p.w, out_image = p.out * p.oh * p.ow;
  for_each_chunk(p, workspace,
                 [&](const Buffers& buf, int64_t n0, int64_t images, int64_t cols, int64_t stride) {
                   // Images in order: each one's overrun lands where the next one writes.
                   for (int64_t b = 0; b < images; ++b)
                     avx512::winograd_input(tiling, in + (n0 + b) * in_image, p.in, buf.v + b * p.tiles,
                                            stride, p.in * stride);
                   multiply(p, workspace, buf.v, buf.m, cols, stride);
                   for (int64_t b = 0; b < images; ++b)
                     avx512::winograd_output(tiling, buf.m + b * p.tiles, p.out, stride, p.out * stride, bias,
                                             out + (n0 + b) * out_image);
                 });
}

// dw, and dbias when it is not null, from x and dy: each thread sums its
// chunks' dU[e] += V[e] . Z[e]^T into its own part, then the parts are added
// in thread order.
void run_weights(const Pass& p, const float* x, const float* dy, float* dw, float* dbias, float* workspace) {
  blas_on_calling_thread();
  const avx512::WinogradTiles tiling = tiling_of(p);
  const int64_t in_image = p.in * p.h * p.w, out_image = p.out * p.oh * p.ow;
  // Zeroed here rather than by each thread, in case the team comes out smaller.
  for (int t = 0; t < p.threads; ++t) {
    float* part = buffers_of(p, workspace, t).part;
    std::fill(part, part + p.part_floats, 0.0f);
  }
  for_each_chunk(p, workspace,
                 [&](const Buffers& buf, int64_t n0, int64_t images, int64_t cols, int64_t stride) {
                   float* v = buf.v;
                   float* z = buf.m;
                   float* du = buf.part;
                   for (int64_t b = 0; b < images; ++b) {
                     avx512::winograd_input(tiling, x + (n0 + b) * in_image, p.in, v + b * p.tiles, stride,
                                            p.in * stride);
                     avx512::winograd_gradient(tiling, dy + (n0 + b) * out_image, p.out, z + b * p.tiles,
                                               stride, p.out * stride);
                   }
                   for (int64_t e = 0; e < elements; ++e)
                     cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.in), int(p.out), int(cols),
                                 1.0f, v + e * p.in * stride, int(stride), z + e * p.out * stride,
                                 int(stride), 1.0f, du + e * p.in * p.out, int(p.out));
                   if (dbias) {
                     float* db = du + p.u_floats;
                     for (int64_t m = 0; m < p.out; ++m)
                       db[m] += row_sum(z + (gradient_sum_element * p.out + m) * stride, cols);
                   }
                 });
  float* sum = buffers_of(p, workspace, 0).part;  // dU, then the bias gradient
  for (int t = 1; t < p.threads; ++t) {
    const float* part = buffers_of(p, workspace, t).part;
    for (int64_t i = 0; i < p.part_floats; ++i) sum[i] += part[i];
  }
  gradient_to_weights(sum, p.in, p.out, dw);
  if (dbias) std::copy(sum + p.u_floats, sum + p.u_floats + p.out, dbias);
}

}  // namespace

bool applies(const ConvShape& s) {
  return s.kernel_h == 3 && s.kernel_w == 3 && s.stride_h == 1 && s.stride_w == 1 && s.dilate_h == 1 &&
         s.dilate_w == 1 && s.groups == 1 && s.pad_h <= 2 && s.pad_w <= 2 && s.in_channels >= min_channels &&
         s.out_channels >= min_channels && s.out_h > 0 && s.out_w > 0;
}

size_t workspace_floats(const ConvShape& s) {
  return static_cast<size_t>(std::max({forward_pass(s).workspace_floats(), data_pass(s).workspace_floats(),
                                       weight_pass(s).workspace_floats()}));
}

void forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y, float* workspace) {
  run(forward_pass(s), x, w, false, bias, y, workspace);
}

void backward_data(const ConvShape& s, const float* w, const float* dy, float* dx, float* workspace) {
  run(data_pass(s), dy, w, true, nullptr, dx, workspace);
}

void backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* dbias,
                      float* workspace) {
  run_weights(weight_pass(s), x, dy, dw, dbias, workspace);
}

}  // namespace fitbench::cpu::winograd
