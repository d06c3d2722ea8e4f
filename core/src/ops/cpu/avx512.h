// What the AVX-512 kernel files share (convolution_avx512.cpp,
// pooling_avx512.cpp): the intrinsics, the attribute each of their functions
// carries and lane helpers; and for their callers, supported(), to ask
// before calling in.
//
// Each function carries its own target attribute instead of the files being
// built with -mavx512f, so that nothing the compiler emits there for shared
// use (inline functions, template instances) can end up running on CPUs
// without AVX-512. For the same reason those files use no standard-library
// templates.
#pragma once

#include <cstdint>

// GCC 12 reports the _mm512_undefined_ps() inside its own unpack intrinsics
// as uninitialized (GCC bug 105593, fixed in 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#pragma GCC diagnostic pop

#define FITBENCH_AVX512 gnu::target("avx512f")

namespace fitbench::cpu::avx512 {

// Whether this CPU runs AVX-512F code.
inline bool supported() { return __builtin_cpu_supports("avx512f"); }

// Mask of the first n lanes of a vector (none for n <= 0, all for n >= 16).
[[FITBENCH_AVX512]] inline __mmask16 first_lanes(int64_t n) {
  if (n <= 0) return 0;
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
}

// 0, 2, .., 30: the permute index of the even lanes of two vectors.
[[FITBENCH_AVX512]] inline __m512i even_lanes() {
  return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}

// 1, 3, .., 31: the odd lanes.
[[FITBENCH_AVX512]] inline __m512i odd_lanes() {
  return _mm512_add_epi32(even_lanes(), _mm512_set1_epi32(1));
}

// 0, 16, 1, 17, .., 7, 23: the permute index that interleaves the first
// halves of two vectors.
[[FITBENCH_AVX512]] inline __m512i interleaved_lanes() {
  return _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

// 8, 24, 9, 25, .., 15, 31: the second halves.
[[FITBENCH_AVX512]] inline __m512i interleaved_high_lanes() {
  return _mm512_add_epi32(interleaved_lanes(), _mm512_set1_epi32(8));
}

}  // namespace fitbench::cpu::avx512
