// AVX-512 2x2 max pooling at stride 2: 16 outputs per step. Each input row's
// 32 columns load as two vectors and split into the windows' left (even) and
// right (odd) columns by two permutes; backward merges them back the same way.
// The generic kernels in pooling.cpp fold column by column in scalar code,
// and their backward compares each output's window in a loop of its own.
#include "ops/cpu/pooling_avx512.h"

#include <cfloat>

#include "ops/cpu/avx512.h"

namespace fitbench::cpu::avx512 {

namespace {

// The left and right columns of 16 windows along one input row.
struct Columns {
  __m512 left, right;
};

// From row, whose first `columns` floats belong to the windows (at most 32).
[[FITBENCH_AVX512]] inline Columns load_columns(const float* row, int64_t columns, __m512i even,
                                                __m512i odd) {
  const __m512 a = _mm512_maskz_loadu_ps(first_lanes(columns), row);
  const __m512 b = _mm512_maskz_loadu_ps(first_lanes(columns - 16), row + 16);
  return {_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)};
}

// pooling.cpp's max fold: b where a < b, else a (a NaN b loses, a NaN a stays).
[[FITBENCH_AVX512]] inline __m512 fold(__m512 a, __m512 b) { return _mm512_max_ps(b, a); }

// The left and right columns back into row order, `columns` floats of row.
[[FITBENCH_AVX512]] inline void store_columns(float* row, int64_t columns, __m512 left, __m512 right,
                                              __m512i low, __m512i high) {
  const __m512 first = _mm512_permutex2var_ps(left, low, right),
               second = _mm512_permutex2var_ps(left, high, right);
  if (columns == 32) {
    _mm512_storeu_ps(row, first);
    _mm512_storeu_ps(row + 16, second);
    return;
  }
  _mm512_mask_storeu_ps(row, first_lanes(columns), first);
  _mm512_mask_storeu_ps(row + 16, first_lanes(columns - 16), second);
}

}  // namespace

[[FITBENCH_AVX512]] void max_pool_2x2(const float* x, int64_t w, int64_t oh, int64_t ow, float* y) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512 lowest = _mm512_set1_ps(-FLT_MAX);
  for (int64_t oy = 0; oy < oh; ++oy) {
    const float* top = x + 2 * oy * w;
    for (int64_t ox = 0; ox < ow; ox += 16) {
      const int64_t columns = 2 * (ow - ox < 16 ? ow - ox : 16);
      const Columns a = load_columns(top + 2 * ox, columns, even, odd);
      const Columns b = load_columns(top + w + 2 * ox, columns, even, odd);
      // As pooling.cpp: down each column first, then across the window.
      const __m512 left = fold(fold(lowest, a.left), b.left), right = fold(fold(lowest, a.right), b.right);
      _mm512_mask_storeu_ps(y + oy * ow + ox, first_lanes(columns / 2), fold(fold(lowest, left), right));
    }
  }
}

[[FITBENCH_AVX512]] void max_pool_2x2_backward(const float* x, int64_t h, int64_t w, const float* y,
                                               const float* dy, int64_t oh, int64_t ow, float* dx) {
  const __m512i even = even_lanes(), odd = odd_lanes();
  const __m512i low = interleaved_lanes(), high = interleaved_high_lanes();
  for (int64_t oy = 0; oy < oh; ++oy) {
    const float* top = x + 2 * oy * w;
    float* dtop = dx + 2 * oy * w;
    for (int64_t ox = 0; ox < ow; ox += 16) {
      const int64_t columns = 2 * (ow - ox < 16 ? ow - ox : 16);
      const __mmask16 outputs = first_lanes(columns / 2);
      const __m512 target = _mm512_maskz_loadu_ps(outputs, y + oy * ow + ox);
      const __m512 grad = _mm512_maskz_loadu_ps(outputs, dy + oy * ow + ox);
      const Columns a = load_columns(top + 2 * ox, columns, even, odd);
      const Columns b = load_columns(top + w + 2 * ox, columns, even, odd);
      // The window's cells in row-major order; each takes dy where it equals
      // y and no cell before it did.
      const __mmask16 top_left = _mm512_cmp_ps_mask(a.left, target, _CMP_EQ_OQ);
      __mmask16 taken = top_left;
      const __mmask16 top_right = _mm512_cmp_ps_mask(a.right, target, _CMP_EQ_OQ) & ~taken;
      taken |= top_right;
      const __mmask16 bottom_left = _mm512_cmp_ps_mask(b.left, target, _CMP_EQ_OQ) & ~taken;
      taken |= bottom_left;
      const __mmask16 bottom_right = _mm512_cmp_ps_mask(b.right, target, _CMP_EQ_OQ) & ~taken;
      store_columns(dtop + 2 * ox, columns, _mm512_maskz_mov_ps(top_left, grad),
                    _mm512_maskz_mov_ps(top_right, grad), low, high);
      store_columns(dtop + w + 2 * ox, columns, _mm512_maskz_mov_ps(bottom_left, grad),
                    _mm512_maskz_mov_ps(bottom_right, grad), low, high);
    }
    // A last odd column belongs to no window.
    for (int64_t col = 2 * ow; col < w; ++col) dtop[col] = dtop[w + col] = 0.0f;
  }
  for (int64_t row = 2 * oh; row < h; ++row)
    for (int64_t col = 0; col < w; ++col) dx[row * w + col] = 0.0f;
}

}  // namespace fitbench::cpu::avx512
