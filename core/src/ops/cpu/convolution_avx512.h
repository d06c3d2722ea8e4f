// AVX-512 kernels of stride-1 style convolution on a padded plane (used by
// convolution.cpp, which holds the layouts). Call them only when
// supported() (avx512.h) is true: they are compiled for AVX-512 whatever the
// build's target.
#pragma once

#include <cstdint>

namespace fitbench::cpu::avx512 {

// y[m*ys + (q / row)*width + q % row] = sum_{t < T} sum_{k < K} w[t*wt + k*M + m] * x[k*xs + q + off[t]]
// for 0 <= m < M, 0 <= q < Q with q % row < width (width <= row): x's rows of
// `row` positions land in y's rows of `width`, the rest of each row dropped.
// x must be readable at every index the sum names.
void correlate(const float* x, int64_t xs, int64_t K, const int64_t* off, int64_t T, const float* w,
               int64_t wt, int64_t M, float* y, int64_t ys, int64_t Q, int64_t row, int64_t width);

// dw[t*dwt + c*F + f] += sum_{q < Q, q % row < width} xt[(q + off[t])*xs + c] * dyt[q*dys + f]
// for 0 <= t < T, 0 <= c < C, 0 <= f < F: x and dy with channels last.
// xt must stay readable 24 floats past the last index the sum names.
void correlate_weights(const float* xt, int64_t xs, int64_t C, const int64_t* off, int64_t T,
                       const float* dyt, int64_t dys, int64_t F, float* dw, int64_t dwt, int64_t Q,
                       int64_t row, int64_t width);

// Winograd F(2x2, 3x3) (convolution_winograd.cpp states the math): input
// planes (h, w), padded by (pad_h, pad_w), to output planes (oh, ow) of
// tiles_h by tiles_w tiles of 2x2.
struct WinogradTiles {
  int64_t h, w, pad_h, pad_w, oh, ow, tiles_h, tiles_w;
};

// v[e*es + k*vs + i*tiles_w + j] = (B^T d B)[e] for the 4x4 input d of tile
// (i, j) of channel k: rows 2i - pad_h .. and columns 2j - pad_w .. of
// x[k] (0 outside it). Each channel's row of v is also written (with
// garbage) up to 15 floats past its last tile: the caller leaves room there,
// or writes those floats again afterwards.
void winograd_input(const WinogradTiles& g, const float* x, int64_t channels, float* v, int64_t vs,
                    int64_t es);

// y[m, 2i + a, 2j + b] = (A^T q A)[a, b] + bias[m] (bias may be null) for the
// outputs of tile (i, j) inside each plane (oh, ow), q[e] = mt[e*es + m*ms + i*tiles_w + j].
// mt is read up to 15 floats past each channel's last tile.
void winograd_output(const WinogradTiles& g, const float* mt, int64_t channels, int64_t ms, int64_t es,
                     const float* bias, float* y);

// z[e*es + m*zs + i*tiles_w + j] = (A g A^T)[e] for the 2x2 output gradient g
// of tile (i, j) of channel m: rows 2i, 2i + 1 and columns 2j, 2j + 1 of
// dy[m], planes (oh, ow), 0 outside them. Rows of z are overrun like v's.
void winograd_gradient(const WinogradTiles& g, const float* dy, int64_t channels, float* z, int64_t zs,
                       int64_t es);

// out[r*os + c] = in[r*is + c] for 0 <= r < R, 0 <= c < C.
void copy_rows(const float* in, int64_t is, int64_t R, int64_t C, float* out, int64_t os);

// out[c*os + r] = in[r*is + c] for 0 <= r < R, 0 <= c < C.
void transpose(const float* in, int64_t is, int64_t R, int64_t C, float* out, int64_t os);

}  // namespace fitbench::cpu::avx512
