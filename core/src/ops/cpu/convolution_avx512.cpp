// AVX-512 convolution kernels: register-tiled sums over every tap and channel
// at once, where OpenBLAS (run on its AVX2 kernels here) would take one small
// GEMM per tap and write the partial result back each time.
#include "ops/cpu/convolution_avx512.h"

#include "ops/cpu/avx512.h"

namespace fitbench::cpu::avx512 {

namespace {

// ---- correlate ----
//
// y[m, q] = sum_{t, k} w[t, k, m] * x[k, q + off[t]], one tile of MF rows m
// times NV vectors of 16 positions q per call: MF*NV accumulators stay in zmm
// registers over all T*K terms. Each term loads NV vectors of x (unaligned,
// at any shift) and broadcasts MF weights straight from memory ({1to16}), so
// a full tile of 8 rows by 3 vectors does 24 FMAs per 11 loads. Positions
// past Q are masked off, which also keeps the loads inside x. When y's rows
// are narrower than x's (width < row), each vector goes out in one masked
// store per row of y it meets, which drops the positions q % row >= width: a
// few stores per T*K*MF*NV FMAs instead of a separate copying pass.
//
// NV is chosen per call so that the last tile of positions wastes the
// fewest lanes (Q = 64 takes two tiles of 2 vectors, Q = 144 three of 3), and the rows are
// spread evenly over as few tiles as the largest MF allows (50 rows by 6:
// five tiles of 6 and four of 5, not eight of 6 and one of 2).

// The most rows a tile of NV vectors holds: about 24 accumulators.
constexpr int correlate_rows(int vectors) { return vectors == 2 ? 12 : vectors == 3 ? 8 : 6; }
constexpr int correlate_min_vectors = 2, correlate_max_vectors = 4;

struct Correlation {
  const float* x;
  int64_t xs, k;
  const int64_t* off;
  int64_t taps;
  const float* w;
  int64_t wt, m;
  float* y;
  int64_t ys, q, row, width;
};

template <int MF, int NV>
[[FITBENCH_AVX512]] void correlate_tile(const Correlation& a, int64_t m0, int64_t q0) {
  __mmask16 mask[NV];
  __m512 acc[MF][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    mask[v] = first_lanes(a.q - q0 - 16 * v);
#pragma GCC unroll 12
    for (int i = 0; i < MF; ++i) acc[i][v] = _mm512_setzero_ps();
  }
  for (int64_t t = 0; t < a.taps; ++t) {
    const float* xk = a.x + a.off[t] + q0;
    const float* wk = a.w + t * a.wt + m0;
    for (int64_t k = 0; k < a.k; ++k, xk += a.xs, wk += a.m) {
      __m512 xv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) xv[v] = _mm512_maskz_loadu_ps(mask[v], xk + 16 * v);
#pragma GCC unroll 12
      for (int i = 0; i < MF; ++i) {
        const __m512 weight = _mm512_set1_ps(wk[i]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(weight, xv[v], acc[i][v]);
      }
    }
  }
  if (a.width == a.row) {
#pragma GCC unroll 12
    for (int i = 0; i < MF; ++i)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        _mm512_mask_storeu_ps(a.y + (m0 + i) * a.ys + q0 + 16 * v, mask[v], acc[i][v]);
    return;
  }
  // Each vector's lanes that land in one row of y go out in one masked store,
  // addressed from where lane 0 would land in that row. Row r of the tile
  // (y's row row0 + r) starts at tile position start + r*row.
  struct Piece {
    __mmask16 lanes;
    int64_t at;
  };
  Piece pieces[17 * NV];
  int first_piece[NV + 1];
  int count = 0;
  const int64_t end = a.q - q0 < 16 * NV ? a.q - q0 : 16 * NV;
  const int64_t row0 = q0 / a.row, start = -(q0 % a.row);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    first_piece[v] = count;
    const int64_t lo = 16 * v, hi = 16 * (v + 1) < end ? 16 * (v + 1) : end;
    // Rows r of the tile whose kept positions [start + r*row, start + r*row + width) meet [lo, hi).
    for (int64_t r = lo - start < 0 ? 0 : (lo - start) / a.row; start + r * a.row < hi; ++r) {
      const int64_t from = start + r * a.row, to = from + a.width;
      const __mmask16 lanes = first_lanes((to < hi ? to : hi) - lo) & ~first_lanes(from - lo);
      if (lanes) pieces[count++] = {lanes, (row0 + r) * a.width + lo - from};
    }
  }
  first_piece[NV] = count;
#pragma GCC unroll 12
  for (int i = 0; i < MF; ++i) {
    float* yi = a.y + (m0 + i) * a.ys;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      for (int k = first_piece[v]; k < first_piece[v + 1]; ++k)
        _mm512_mask_storeu_ps(yi + pieces[k].at, pieces[k].lanes, acc[i][v]);
  }
}

using CorrelateTile = void (*)(const Correlation&, int64_t, int64_t);

// The tile of `rows` rows (1 .. correlate_rows(NV)) and NV vectors.
template <int NV, int MF = correlate_rows(NV)>
constexpr CorrelateTile correlate_tile_of(int64_t rows) {
  if constexpr (MF == 1)
    return correlate_tile<1, NV>;
  else
    return rows == MF ? correlate_tile<MF, NV> : correlate_tile_of<NV, MF - 1>(rows);
}

CorrelateTile correlate_tile_of(int vectors, int64_t rows) {
  return vectors == 2   ? correlate_tile_of<2>(rows)
         : vectors == 3 ? correlate_tile_of<3>(rows)
                        : correlate_tile_of<4>(rows);
}

// The vectors per tile that cover Q positions in the fewest vectors: 3 on a
// tie, else the fewest vectors (for Q = 64, 2 by 12 rows ran 10% faster than
// 4 by 6).
int correlate_vectors(int64_t q) {
  int best = 3;
  auto lanes = [q](int vectors) { return (q + 16 * vectors - 1) / (16 * vectors) * vectors; };
  for (int vectors = correlate_min_vectors; vectors <= correlate_max_vectors; ++vectors)
    if (lanes(vectors) < lanes(best)) best = vectors;
  return best;
}

// ---- correlate_weights ----
//
// dw[t, c, f] += sum_q xt[q + off[t], c] * dyt[q, f], with channels last in
// both inputs, one tile of NJ rows (t, c) times NV vectors of f per call: each
// position q loads NV vectors of dy and broadcasts the NJ rows' values of x,
// NJ*NV FMAs. The sums stay in vector lanes along f, so no horizontal
// reduction is needed, and each dw element is one chain of FMAs over q in
// order, whichever way the rows are chosen. The positions q % row >= width
// (dy's discarded columns, all 0) are stepped over, not summed.
//
// The rows are NJ consecutive channels of one tap (TapRows false: row i reads
// xt[i]), or, for layers with fewer channels than NJ (a first layer of 1 or 3
// channels), NJ consecutive taps of one channel (TapRows true: row i reads
// xt[tap_offset[i]]), so a tile does not spend most of its FMAs on channels
// that do not exist. A channel tile past the last channel computes rows it
// then drops, reading up to NJ - 1 floats beyond; a tap tile past the last tap
// repeats its first tap's reads. The filters past F are masked off.

template <int NJ, int NV, bool TapRows>
[[FITBENCH_AVX512]] void weight_tile(const float* xt, const int64_t* tap_offset, int64_t rows, int64_t xs,
                                     const float* dyt, int64_t dys, int64_t filters, float* dw,
                                     int64_t dw_row, int64_t q_count, int64_t row, int64_t width) {
  __mmask16 mask[NV];
  __m512 acc[NJ][NV];
  int64_t at[NJ];  // where row i reads x, from xt
#pragma GCC unroll 16
  for (int i = 0; i < NJ; ++i) at[i] = TapRows ? tap_offset[i < rows ? i : 0] : i;
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    mask[v] = first_lanes(filters - 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < NJ; ++i) acc[i][v] = _mm512_setzero_ps();
  }
  for (int64_t q0 = 0; q0 < q_count; q0 += row) {
    const int64_t kept = q_count - q0 < width ? q_count - q0 : width;
    for (int64_t q = 0; q < kept; ++q, xt += xs, dyt += dys) {
      __m512 dv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) dv[v] = _mm512_maskz_loadu_ps(mask[v], dyt + 16 * v);
#pragma GCC unroll 16
      for (int i = 0; i < NJ; ++i) {
        const __m512 x = _mm512_set1_ps(xt[at[i]]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(x, dv[v], acc[i][v]);
      }
    }
    xt += (row - kept) * xs;
    dyt += (row - kept) * dys;
  }
#pragma GCC unroll 16
  for (int i = 0; i < NJ; ++i) {
    if (i >= rows) break;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* out = dw + i * dw_row + 16 * v;
      _mm512_mask_storeu_ps(out, mask[v], _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], out), acc[i][v]));
    }
  }
}

using WeightTile = void (*)(const float*, const int64_t*, int64_t, int64_t, const float*, int64_t, int64_t,
                            float*, int64_t, int64_t, int64_t, int64_t);

// Tile shapes by the number of f vectors: about 16 to 24 accumulators. Each
// count of vectors has a first row count that suits the usual 16, 32 and 64
// channels, and a second one, taken only where it computes fewer rows, that
// fits counts such as lenet's 20 channels and 25 taps without a part-empty
// last tile.
struct WeightShape {
  int rows;
  WeightTile channel_tile, tap_tile;
};
template <int NJ, int NV>
constexpr WeightShape weight_shape{NJ, weight_tile<NJ, NV, false>, weight_tile<NJ, NV, true>};
constexpr int weight_vectors = 4, weight_choices = 2;
constexpr WeightShape weight_shapes[weight_vectors + 1][weight_choices] = {
    {},
    {weight_shape<16, 1>, weight_shape<12, 1>},
    {weight_shape<8, 2>, weight_shape<10, 2>},
    {weight_shape<8, 3>, weight_shape<6, 3>},
    {weight_shape<6, 4>, weight_shape<5, 4>}};

// ---- transpose ----
//
// One block of up to 16 x 16: rows past R and columns past C load as zeros
// and are not stored. In registers: interleave pairs of rows, then pairs of
// pairs, which leaves each 128-bit lane k of r[4i + j] holding column 4k + j
// of rows 4i..4i+3; two rounds of 128-bit lane shuffles gather those lanes.
[[FITBENCH_AVX512]] void transpose_block(const float* in, int64_t is, int64_t rows, int64_t cols, float* out,
                                         int64_t os) {
  const __mmask16 load = first_lanes(cols), store = first_lanes(rows);
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    r[i] = i < rows ? _mm512_maskz_loadu_ps(load, in + i * is) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[4 * i + h]), b = _mm512_castps_pd(t[4 * i + h + 2]);
      r[4 * i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      r[4 * i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  }
  // t[j + 4h]: lanes h and h + 2 of rows 0-3 and 4-7; t[j + 8 + 4h] the same for rows 8-15.
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    t[j + 4] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    t[j + 8] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    t[j + 12] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j)
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      // Columns 4h + j and 4(h + 2) + j.
      const int c0 = 4 * h + j, c1 = 4 * (h + 2) + j;
      if (c0 < cols)
        _mm512_mask_storeu_ps(out + c0 * os, store,
                              _mm512_shuffle_f32x4(t[j + 4 * h], t[j + 8 + 4 * h], 0x88));
      if (c1 < cols)
        _mm512_mask_storeu_ps(out + c1 * os, store,
                              _mm512_shuffle_f32x4(t[j + 4 * h], t[j + 8 + 4 * h], 0xdd));
    }
}

// ---- Winograd F(2x2, 3x3) transforms ----
//
// 16 tiles per vector (convolution_winograd.cpp states the math), taken in
// the plane's tile order, so that vectors of v, mt and z are 16 consecutive
// columns of the GEMMs.
//
// Wide planes (tile rows of 9 tiles or more) take 16 tiles of one tile row
// per vector: they read 34 input columns from column `first`, and each
// tile's columns 2j .. 2j + 3 are picked out of them by two-source permutes.
// Narrow planes (tile rows of at most 8 tiles: a 16x16 output's 8, a 14x14
// output's 7, a 7x7 output's 4) take R = 16 / tiles_w whole tile rows per
// vector instead, so that the transforms' arithmetic and stores run on full
// vectors: a tile row's columns fit one load, and two-source permutes place
// two tile rows at a time in their lanes. Tile rows of exactly 8 tiles read
// 18 input columns, two loads a row, so their input transform takes the wide
// planes' permutes with the second tile row's loads in place of the first
// row's next 16 columns.
//
// Cells outside the image load as 0: masked loads never touch them. Stores
// are whole vectors wherever the floats past the row are written again later
// (the next rows, or the caller's slack), since masked stores cost far more
// than plain ones on some CPUs.

constexpr int64_t narrow_tiles = 8;

// Columns [from, from + 16) of an image row `width` wide, 0 outside it.
[[FITBENCH_AVX512]] inline __m512 load_columns(const float* row, int64_t from, int64_t width) {
  return _mm512_maskz_loadu_ps(first_lanes(width - from) & ~first_lanes(-from), row + from);
}

// A narrow vector's tile rows 2p and 2p + 1 (pair p) are lanes
// [2p * tiles_w, (2p + 2) * tiles_w), taken from the two rows' loads a and b
// by one permute of (a, b): lane l of tile row 2p reads column
// 2 * (l - 2p * tiles_w) + c of a, lane l of tile row 2p + 1 column
// 2 * (l - (2p + 1) * tiles_w) + c of b (index 16 + that). Both are pair 0's
// index minus 4p * tiles_w.
struct NarrowPair {
  __m512i column[4];  // the permute's index for column c = 0 .. 3 of each tile
  __mmask16 lanes;
};

[[FITBENCH_AVX512]] inline NarrowPair narrow_pair(int64_t tiles_w, int64_t pair) {
  NarrowPair n;
  alignas(64) int32_t index[16];
  for (int c = 0; c < 4; ++c) {
    for (int l = 0; l < 16; ++l)
      index[l] = int32_t(2 * l + c + (l / tiles_w % 2 ? 16 - 2 * tiles_w : 0) - 4 * pair * tiles_w);
    n.column[c] = _mm512_load_si512(index);
  }
  n.lanes = first_lanes((2 * pair + 2) * tiles_w) & ~first_lanes(2 * pair * tiles_w);
  return n;
}

// A narrow plane's vectors: R tile rows each, in pairs.
struct NarrowVector {
  int64_t rows, pairs;
  NarrowPair pair[8];
};

[[FITBENCH_AVX512]] inline NarrowVector narrow_vector(int64_t tiles_w) {
  NarrowVector n;
  n.rows = 16 / tiles_w;
  n.pairs = (n.rows + 1) / 2;
  for (int64_t p = 0; p < n.pairs; ++p) n.pair[p] = narrow_pair(tiles_w, p);
  return n;
}

// v = the pair's permute of (a, b) in its lanes, v elsewhere (all of it for pair 0).
[[FITBENCH_AVX512]] inline __m512 place_pair(__m512 v, const NarrowPair& n, int64_t pair, int c, __m512 a,
                                             __m512 b) {
  const __m512 placed = _mm512_permutex2var_ps(a, n.column[c], b);
  return pair == 0 ? placed : _mm512_mask_blend_ps(n.lanes, v, placed);
}

// v[e * es + j] = (B^T d_j B)[e] for the 16 tiles j whose 4x4 inputs are
// d[r][c] (row r, column c; lane j of each vector).
[[FITBENCH_AVX512]] inline void store_input_transform(const __m512 d[4][4], float* v, int64_t es) {
  __m512 across[4][4];  // across[r] = row r of d times B
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
    across[r][0] = _mm512_sub_ps(d[r][0], d[r][2]);
    across[r][1] = _mm512_add_ps(d[r][1], d[r][2]);
    across[r][2] = _mm512_sub_ps(d[r][2], d[r][1]);
    across[r][3] = _mm512_sub_ps(d[r][1], d[r][3]);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    _mm512_storeu_ps(v + c * es, _mm512_sub_ps(across[0][c], across[2][c]));
    _mm512_storeu_ps(v + (4 + c) * es, _mm512_add_ps(across[1][c], across[2][c]));
    _mm512_storeu_ps(v + (8 + c) * es, _mm512_sub_ps(across[2][c], across[1][c]));
    _mm512_storeu_ps(v + (12 + c) * es, _mm512_sub_ps(across[1][c], across[3][c]));
  }
}

// The input transform of 16 tiles whose inputs are 34 columns: tile j < 8
// reads columns first + 2j .. first + 2j + 3 of rows[0..3], tile j >= 8 the
// same columns of second[0..3] from second_first - 16 on (null: a row
// outside the image). For a wide plane's 16 tiles of one tile row, second
// is rows and second_first is first + 16; for two tile rows of 8 tiles,
// second is the next tile row's rows and second_first is first.
[[FITBENCH_AVX512]] inline void input_tiles(const float* const rows[4], const float* const second[4],
                                            int64_t width, int64_t first, int64_t second_first, float* v,
                                            int64_t es, __m512i even, __m512i odd) {
  const __m512 zero = _mm512_setzero_ps();
  __m512 d[4][4];
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
    const __m512 a = rows[r] ? load_columns(rows[r], first, width) : zero;
    const __m512 a2 = rows[r] ? load_columns(rows[r], first + 2, width) : zero;
    const __m512 b = second[r] ? load_columns(second[r], second_first, width) : zero;
    const __m512 b2 = second[r] ? load_columns(second[r], second_first + 2, width) : zero;
    d[r][0] = _mm512_permutex2var_ps(a, even, b);
    d[r][1] = _mm512_permutex2var_ps(a, odd, b);
    d[r][2] = _mm512_permutex2var_ps(a2, even, b2);
    d[r][3] = _mm512_permutex2var_ps(a2, odd, b2);
  }
  store_input_transform(d, v, es);
}

// The input rows of tile row i of a plane (null: outside the image or past the last tile row).
[[FITBENCH_AVX512]] inline void tile_input_rows(const WinogradTiles& g, const float* plane, int64_t i,
                                                const float* rows[4]) {
  for (int r = 0; r < 4; ++r) {
    const int64_t iy = 2 * i - g.pad_h + r;
    rows[r] = i < g.tiles_h && iy >= 0 && iy < g.h ? plane + iy * g.w : nullptr;
  }
}

[[FITBENCH_AVX512]] void input_planes(const WinogradTiles& g, const float* x, int64_t channels, float* v,
                                      int64_t vs, int64_t es) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  for (int64_t k = 0; k < channels; ++k, x += g.h * g.w, v += vs)
    for (int64_t i = 0; i < g.tiles_h; ++i) {
      const float* rows[4];
      tile_input_rows(g, x, i, rows);
      for (int64_t j0 = 0; j0 < g.tiles_w; j0 += 16) {
        const int64_t first = 2 * j0 - g.pad_w;
        input_tiles(rows, rows, g.w, first, first + 16, v + i * g.tiles_w + j0, es, even, odd);
      }
    }
}

// Planes of 8 tiles a row: tile rows i and i + 1 per vector.
[[FITBENCH_AVX512]] void paired_input_planes(const WinogradTiles& g, const float* x, int64_t channels,
                                             float* v, int64_t vs, int64_t es) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  for (int64_t k = 0; k < channels; ++k, x += g.h * g.w, v += vs)
    for (int64_t i = 0; i < g.tiles_h; i += 2) {
      const float *rows[4], *next[4];
      tile_input_rows(g, x, i, rows);
      tile_input_rows(g, x, i + 1, next);
      input_tiles(rows, next, g.w, -g.pad_w, -g.pad_w, v + i * g.tiles_w, es, even, odd);
    }
}

// Input row r of tile row i of a narrow plane: columns -pad_w .. 2 * tiles_w
// + 1 - pad_w <= 15 - pad_w, one load; 0 outside the image.
[[FITBENCH_AVX512]] inline __m512 narrow_input_row(const WinogradTiles& g, const float* plane, int64_t i,
                                                   int r) {
  const int64_t iy = 2 * i - g.pad_h + r;
  return i < g.tiles_h && iy >= 0 && iy < g.h ? load_columns(plane + iy * g.w, -g.pad_w, g.w)
                                              : _mm512_setzero_ps();
}

// Narrow planes: tile rows i0 .. i0 + R - 1 per vector, two at a time.
[[FITBENCH_AVX512]] void narrow_input_planes(const WinogradTiles& g, const float* x, int64_t channels,
                                             float* v, int64_t vs, int64_t es) {
  const NarrowVector n = narrow_vector(g.tiles_w);
  for (int64_t k = 0; k < channels; ++k, x += g.h * g.w, v += vs)
    for (int64_t i0 = 0; i0 < g.tiles_h; i0 += n.rows) {
      __m512 d[4][4];
#pragma GCC unroll 16
      for (int e = 0; e < 16; ++e) d[e / 4][e % 4] = _mm512_setzero_ps();
      for (int64_t p = 0; p < n.pairs && i0 + 2 * p < g.tiles_h; ++p)
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
          const __m512 a = narrow_input_row(g, x, i0 + 2 * p, r),
                       b = narrow_input_row(g, x, i0 + 2 * p + 1, r);
#pragma GCC unroll 4
          for (int c = 0; c < 4; ++c) d[r][c] = place_pair(d[r][c], n.pair[p], p, c, a, b);
        }
      store_input_transform(d, v + i0 * g.tiles_w, es);
    }
}

// The output transform of 16 tiles: A^T q_j A + add, whose elements are
// q[e * es + j], as the outputs left (column 2j) and right (2j + 1) of the
// top row (half 0) and the bottom row (half 1) of each tile j.
[[FITBENCH_AVX512]] inline void output_transform(const float* q, int64_t es, __m512 add, __m512 left[2],
                                                 __m512 right[2]) {
  __m512 s0[4], s1[4];
#pragma GCC unroll 4
  for (int b = 0; b < 4; ++b) {
    const __m512 q0 = _mm512_loadu_ps(q + b * es), q1 = _mm512_loadu_ps(q + (4 + b) * es);
    const __m512 q2 = _mm512_loadu_ps(q + (8 + b) * es), q3 = _mm512_loadu_ps(q + (12 + b) * es);
    s0[b] = _mm512_add_ps(_mm512_add_ps(q0, q1), q2);
    s1[b] = _mm512_sub_ps(_mm512_sub_ps(q1, q2), q3);
  }
  const __m512* sums[2] = {s0, s1};
#pragma GCC unroll 2
  for (int half = 0; half < 2; ++half) {
    const __m512* s = sums[half];
    left[half] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), s[2]), add);
    right[half] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[1], s[2]), s[3]), add);
  }
}

// The outputs of 16 tiles of a wide plane's tile row, interleaved into rows
// `top` and `bottom` (null: the image has no such row), `columns` of them
// inside the image. A row gets all 32 floats where they stay inside the
// plane (`room` floats from `top`) and whatever they overrun is written
// later. `bottom` is written after `top`, so `top` may overrun into it only
// from the tile row's first vector (`first_of_row`): after that, earlier
// vectors have written the start of `bottom`. Otherwise a row gets only its `columns`.
[[FITBENCH_AVX512]] inline void output_tiles(const float* q, int64_t es, __m512 add, float* top,
                                             float* bottom, int64_t room, int64_t row, int64_t columns,
                                             bool first_of_row, __m512i low, __m512i high) {
  __m512 left[2], right[2];
  output_transform(q, es, add, left, right);
  float* out[2] = {top, bottom};
  const bool whole[2] = {room >= 32 && (first_of_row || columns >= 32), room - row >= 32};
#pragma GCC unroll 2
  for (int half = 0; half < 2; ++half) {
    if (!out[half]) continue;
    const __m512 first_half = _mm512_permutex2var_ps(left[half], low, right[half]);
    const __m512 second_half = _mm512_permutex2var_ps(left[half], high, right[half]);
    if (whole[half]) {
      _mm512_storeu_ps(out[half], first_half);
      _mm512_storeu_ps(out[half] + 16, second_half);
    } else {
      _mm512_mask_storeu_ps(out[half], first_lanes(columns), first_half);
      _mm512_mask_storeu_ps(out[half] + 16, first_lanes(columns - 16), second_half);
    }
  }
}

[[FITBENCH_AVX512]] void output_planes(const WinogradTiles& g, const float* mt, int64_t channels, int64_t ms,
                                       int64_t es, const float* bias, float* y) {
  const __m512i low = interleaved_lanes(), high = interleaved_high_lanes();
  for (int64_t m = 0; m < channels; ++m, mt += ms, y += g.oh * g.ow) {
    const __m512 add = _mm512_set1_ps(bias ? bias[m] : 0.0f);
    for (int64_t i = 0; i < g.tiles_h; ++i) {
      float* top = y + 2 * i * g.ow;
      float* bottom = 2 * i + 1 < g.oh ? top + g.ow : nullptr;
      for (int64_t j0 = 0; j0 < g.tiles_w; j0 += 16)
        output_tiles(mt + i * g.tiles_w + j0, es, add, top + 2 * j0, bottom ? bottom + 2 * j0 : nullptr,
                     g.oh * g.ow - (2 * i * g.ow + 2 * j0), g.ow, g.ow - 2 * j0, j0 == 0, low, high);
    }
  }
}

// Narrow planes: each output row of a vector's tile row t is one
// interleaving permute of lanes t * tiles_w .. of left and right, at most 16
// columns: a whole-vector store overruns into the rows below, which are
// written later, except on the plane's last row.
[[FITBENCH_AVX512]] void narrow_output_planes(const WinogradTiles& g, const float* mt, int64_t channels,
                                              int64_t ms, int64_t es, const float* bias, float* y) {
  // Lane 2b + s: lane b of left (s = 0) or of right (s = 1), from the tile row's first lane.
  const __m512i interleave = interleaved_lanes();
  const int64_t rows_per_vector = 16 / g.tiles_w, plane = g.oh * g.ow;
  for (int64_t m = 0; m < channels; ++m, mt += ms, y += plane) {
    const __m512 add = _mm512_set1_ps(bias ? bias[m] : 0.0f);
    for (int64_t i0 = 0; i0 < g.tiles_h; i0 += rows_per_vector) {
      __m512 left[2], right[2];
      output_transform(mt + i0 * g.tiles_w, es, add, left, right);
      const int64_t rows = g.tiles_h - i0 < rows_per_vector ? g.tiles_h - i0 : rows_per_vector;
      for (int64_t t = 0; t < rows; ++t) {
        const __m512i from = _mm512_add_epi32(interleave, _mm512_set1_epi32(int32_t(t * g.tiles_w)));
#pragma GCC unroll 2
        for (int half = 0; half < 2; ++half) {
          const int64_t oy = 2 * (i0 + t) + half;
          if (oy >= g.oh) continue;
          const __m512 outputs = _mm512_permutex2var_ps(left[half], from, right[half]);
          if (plane - oy * g.ow >= 16)
            _mm512_storeu_ps(y + oy * g.ow, outputs);
          else
            _mm512_mask_storeu_ps(y + oy * g.ow, first_lanes(g.ow), outputs);
        }
      }
    }
  }
}

// v's counterpart for the weight gradient: z[e * es + j] = (A g_j A^T)[e] for
// the 16 tiles j whose 2x2 output gradients g_j = [a b; c d] are lane j of
// a, b, c and d. A g A^T has rows [p, p + q, p - q, -q] for the rows [p, q]
// of A g: [a, b], [a + c, b + d], [a - c, b - d], [-c, -d].
[[FITBENCH_AVX512]] inline void store_gradient_transform(__m512 a, __m512 b, __m512 c, __m512 d, float* z,
                                                         int64_t es) {
  const __m512 zero = _mm512_setzero_ps();
  const __m512 p[4] = {a, _mm512_add_ps(a, c), _mm512_sub_ps(a, c), _mm512_sub_ps(zero, c)};
  const __m512 q[4] = {b, _mm512_add_ps(b, d), _mm512_sub_ps(b, d), _mm512_sub_ps(zero, d)};
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) {
    _mm512_storeu_ps(z + 4 * r * es, p[r]);
    _mm512_storeu_ps(z + (4 * r + 1) * es, _mm512_add_ps(p[r], q[r]));
    _mm512_storeu_ps(z + (4 * r + 2) * es, _mm512_sub_ps(p[r], q[r]));
    _mm512_storeu_ps(z + (4 * r + 3) * es, _mm512_sub_ps(zero, q[r]));
  }
}

// The gradient transform of 16 tiles of a wide plane's tile row: tile j's
// gradient is columns first + 2j and first + 2j + 1 of rows `top` and
// `bottom` (null: the image has no such row).
[[FITBENCH_AVX512]] inline void gradient_tiles(const float* top, const float* bottom, int64_t width,
                                               int64_t first, float* z, int64_t es, __m512i even,
                                               __m512i odd) {
  const __m512 t0 = load_columns(top, first, width), t1 = load_columns(top, first + 16, width);
  __m512 c = _mm512_setzero_ps(), d = c;
  if (bottom) {
    const __m512 b0 = load_columns(bottom, first, width), b1 = load_columns(bottom, first + 16, width);
    c = _mm512_permutex2var_ps(b0, even, b1);
    d = _mm512_permutex2var_ps(b0, odd, b1);
  }
  store_gradient_transform(_mm512_permutex2var_ps(t0, even, t1), _mm512_permutex2var_ps(t0, odd, t1), c, d, z,
                           es);
}

[[FITBENCH_AVX512]] void gradient_planes(const WinogradTiles& g, const float* dy, int64_t channels, float* z,
                                         int64_t zs, int64_t es) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  for (int64_t m = 0; m < channels; ++m, dy += g.oh * g.ow, z += zs)
    for (int64_t i = 0; i < g.tiles_h; ++i) {
      const float* top = dy + 2 * i * g.ow;
      const float* bottom = 2 * i + 1 < g.oh ? top + g.ow : nullptr;
      for (int64_t j0 = 0; j0 < g.tiles_w; j0 += 16)
        gradient_tiles(top, bottom, g.ow, 2 * j0, z + i * g.tiles_w + j0, es, even, odd);
    }
}

// Gradient row 2i + half of a narrow plane, at most 16 columns, one load; 0 outside the image.
[[FITBENCH_AVX512]] inline __m512 narrow_gradient_row(const WinogradTiles& g, const float* plane, int64_t i,
                                                      int half) {
  const int64_t oy = 2 * i + half;
  return i < g.tiles_h && oy < g.oh ? load_columns(plane + oy * g.ow, 0, g.ow) : _mm512_setzero_ps();
}

// Narrow planes: tile rows i0 .. i0 + R - 1 per vector, two at a time.
[[FITBENCH_AVX512]] void narrow_gradient_planes(const WinogradTiles& g, const float* dy, int64_t channels,
                                                float* z, int64_t zs, int64_t es) {
  const NarrowVector n = narrow_vector(g.tiles_w);
  for (int64_t m = 0; m < channels; ++m, dy += g.oh * g.ow, z += zs)
    for (int64_t i0 = 0; i0 < g.tiles_h; i0 += n.rows) {
      __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;  // the tiles' gradients [a b; c d]
      for (int64_t p = 0; p < n.pairs && i0 + 2 * p < g.tiles_h; ++p) {
        const int64_t i = i0 + 2 * p;
        const __m512 top0 = narrow_gradient_row(g, dy, i, 0), top1 = narrow_gradient_row(g, dy, i + 1, 0);
        const __m512 bottom0 = narrow_gradient_row(g, dy, i, 1),
                     bottom1 = narrow_gradient_row(g, dy, i + 1, 1);
        a = place_pair(a, n.pair[p], p, 0, top0, top1);
        b = place_pair(b, n.pair[p], p, 1, top0, top1);
        c = place_pair(c, n.pair[p], p, 0, bottom0, bottom1);
        d = place_pair(d, n.pair[p], p, 1, bottom0, bottom1);
      }
      store_gradient_transform(a, b, c, d, z + i0 * g.tiles_w, es);
    }
}

}  // namespace

void correlate(const float* x, int64_t xs, int64_t K, const int64_t* off, int64_t T, const float* w,
               int64_t wt, int64_t M, float* y, int64_t ys, int64_t Q, int64_t row, int64_t width) {
  const Correlation a{x, xs, K, off, T, w, wt, M, y, ys, Q, row, width};
  const int vectors = correlate_vectors(Q);
  const int64_t most_rows = correlate_rows(vectors), tiles = (M + most_rows - 1) / most_rows;
  // Row blocks outside: one block's weights (T*K*MF floats) stay in L1 while
  // the positions stream past. Block i takes its even share of the rows left.
  for (int64_t i = 0, m0 = 0; i < tiles; ++i) {
    const int64_t rows = (M - m0 + tiles - i - 1) / (tiles - i);
    const CorrelateTile tile = correlate_tile_of(vectors, rows);
    for (int64_t q0 = 0; q0 < Q; q0 += 16 * vectors) tile(a, m0, q0);
    m0 += rows;
  }
}

void correlate_weights(const float* xt, int64_t xs, int64_t C, const int64_t* off, int64_t T,
                       const float* dyt, int64_t dys, int64_t F, float* dw, int64_t dwt, int64_t Q,
                       int64_t row, int64_t width) {
  const int64_t vectors = (F + 15) / 16 < weight_vectors ? (F + 15) / 16 : weight_vectors;
  // The tile computing the fewest rows (tiles times rows); on a tie the first shape, channel rows first.
  WeightShape shape{};
  bool tap_rows = false;
  int64_t fewest = -1;
  for (const WeightShape& choice : weight_shapes[vectors])
    for (int mode = 0; mode < 2; ++mode) {
      const bool taps = mode == 1;
      const int64_t rows = taps ? C * ((T + choice.rows - 1) / choice.rows) * choice.rows
                                : T * ((C + choice.rows - 1) / choice.rows) * choice.rows;
      if (fewest < 0 || rows < fewest) fewest = rows, shape = choice, tap_rows = taps;
    }
  if (!tap_rows) {
    for (int64_t t = 0; t < T; ++t)
      for (int64_t f0 = 0; f0 < F; f0 += 16 * vectors)
        for (int64_t c0 = 0; c0 < C; c0 += shape.rows)
          shape.channel_tile(xt + off[t] * xs + c0, nullptr, C - c0, xs, dyt + f0, dys, F - f0,
                             dw + t * dwt + c0 * F + f0, F, Q, row, width);
    return;
  }
  int64_t tap_offset[16];
  for (int64_t t0 = 0; t0 < T; t0 += shape.rows) {
    const int64_t taps = T - t0 < shape.rows ? T - t0 : shape.rows;
    for (int64_t i = 0; i < taps; ++i) tap_offset[i] = off[t0 + i] * xs;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t f0 = 0; f0 < F; f0 += 16 * vectors)
        shape.tap_tile(xt + c, tap_offset, taps, xs, dyt + f0, dys, F - f0, dw + t0 * dwt + c * F + f0, dwt,
                       Q, row, width);
  }
}

// Whole vectors, then one masked vector per row: rows of a few floats (lenet's
// 8, 24) cost a load and a store each, where memcpy would cost a call.
[[FITBENCH_AVX512]] void copy_rows(const float* in, int64_t is, int64_t R, int64_t C, float* out,
                                   int64_t os) {
  if (C <= 0) return;
  const __mmask16 last = first_lanes(C % 16 == 0 ? 16 : C % 16);
  const int64_t whole = (C - 1) / 16 * 16;
  for (int64_t r = 0; r < R; ++r, in += is, out += os) {
    for (int64_t c = 0; c < whole; c += 16) _mm512_storeu_ps(out + c, _mm512_loadu_ps(in + c));
    _mm512_mask_storeu_ps(out + whole, last, _mm512_maskz_loadu_ps(last, in + whole));
  }
}

void transpose(const float* in, int64_t is, int64_t R, int64_t C, float* out, int64_t os) {
  for (int64_t r0 = 0; r0 < R; r0 += 16)
    for (int64_t c0 = 0; c0 < C; c0 += 16)
      transpose_block(in + r0 * is + c0, is, R - r0, C - c0, out + c0 * os + r0, os);
}

void winograd_input(const WinogradTiles& g, const float* x, int64_t channels, float* v, int64_t vs,
                    int64_t es) {
  if (g.tiles_w == narrow_tiles) return paired_input_planes(g, x, channels, v, vs, es);
  if (g.tiles_w < narrow_tiles) return narrow_input_planes(g, x, channels, v, vs, es);
  input_planes(g, x, channels, v, vs, es);
}

void winograd_output(const WinogradTiles& g, const float* mt, int64_t channels, int64_t ms, int64_t es,
                     const float* bias, float* y) {
  if (g.tiles_w <= narrow_tiles) return narrow_output_planes(g, mt, channels, ms, es, bias, y);
  output_planes(g, mt, channels, ms, es, bias, y);
}

void winograd_gradient(const WinogradTiles& g, const float* dy, int64_t channels, float* z, int64_t zs,
                       int64_t es) {
  if (g.tiles_w <= narrow_tiles) return narrow_gradient_planes(g, dy, channels, z, zs, es);
  gradient_planes(g, dy, channels, z, zs, es);
}

}  // namespace fitbench::cpu::avx512
