// Float exp, expm1, tanh and sigmoid that GCC can vectorize: straight-line
// arithmetic and selects, no libm calls, so a loop over them compiles to SIMD
// code (glibc's scalar tanhf/expf were a third of LeNet's step).
//
//   exp:   n = round(x / ln2), r = x - n*ln2 (Cody-Waite: ln2 = C1 + C2, C1
//          with few bits so that n*C1 is exact), |r| <= ln2/2;
//          e^r - 1 = r + r^2 * P(r), P of degree 5 (Cephes expf minimax);
//          e^x = 2^n * (1 + (e^r - 1)), 2^n built from exponent bits.
//   expm1: 2^n * (e^r - 1) + (2^n - 1): for |x| < ln2/2 (n = 0) this is the
//          polynomial alone, without the cancellation of e^x - 1.
//   tanh:  t = expm1(2|x|), tanh|x| = t / (t + 2), sign of x restored; |x| is
//          capped at 9.1, past which tanh rounds to 1 in float.
//   sigmoid: 1 / (1 + e^-x).
//
// Max relative error against the exact result is a few ulp (the tests bound
// it by 2e-7); subnormal results of exp are kept, overflow gives inf as in
// libm, and NaN in gives NaN out.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace fitbench::cpu::fast {

// c ? a : b on the bits, for loops that must vectorize. A plain ?: does not
// always survive GCC's optimizers as a select: with a constant arm, PRE may
// specialize the code after it per arm, and an arm computed only for that arm
// stays in a branch (the default -ftrapping-math forbids speculating it);
// either way the loop stops vectorizing.
inline float select(bool c, float a, float b) {
  const uint32_t mask = 0u - static_cast<uint32_t>(c);
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & mask) | (std::bit_cast<uint32_t>(b) & ~mask));
}

namespace detail {

// x = n*ln2 + r with p1 = e^r - 1, and 2^n = s1 * s2 as two normal floats
// (n spans [-150, 128] where 2^n itself may not be normal).
struct Reduced {
  float p1, s1, s2;
};

// Clamping x, rather than replacing the result afterwards, keeps the domain
// edges in the arithmetic itself. A NaN x passes and comes out NaN.
inline float clamp(float x, float lo, float hi) {
  const float above = select(x < lo, lo, x);
  return select(above > hi, hi, above);
}

// x in [-104, 89]: n = round(x / ln2) in [-150, 128].
inline Reduced reduce(float x) {
  // Adding 1.5 * 2^23 rounds to an integer (to nearest even) and leaves it in
  // the low mantissa bits: vectorizable without SSE4.1's roundps.
  constexpr float shifter = 12582912.0f;
  const float t = x * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  const float p =
      ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
       1.6666665459e-1f) *
          r +
      5.0000001201e-1f;
  const int32_t n_int = static_cast<int32_t>(std::bit_cast<uint32_t>(t) - std::bit_cast<uint32_t>(shifter));
  const int32_t n1 = n_int >> 1;
  // 2^k from its exponent bits, k in [-126, 127].
  auto pow2 = [](int32_t k) { return std::bit_cast<float>(static_cast<uint32_t>(k + 127) << 23); };
  return {r * r * p + r, pow2(n1), pow2(n_int - n1)};
}

}  // namespace detail

inline float exp(float x) {
  // e^89 overflows to inf and e^-104 rounds to 0, as for any x beyond them.
  const detail::Reduced v = detail::reduce(detail::clamp(x, -104.0f, 89.0f));
  return (v.p1 + 1.0f) * v.s1 * v.s2;
}

inline float expm1(float x) {
  // expm1(-18) rounds to -1. From x = 88.38 (n = 128) s1 * s2 = 2^128 is inf
  // and so is the result, a little before the exact overflow at 88.72.
  const detail::Reduced v = detail::reduce(detail::clamp(x, -18.0f, 89.0f));
  return v.s1 * (v.s2 * v.p1) + (v.s1 * v.s2 - 1.0f);
}

inline float tanh(float x) {
  // Past |x| = 9.1 tanh rounds to 1; the cap keeps t / (t + 2) finite.
  const float a = std::fabs(x);
  const float t = expm1(2.0f * select(a > 9.1f, 9.1f, a));
  return std::copysign(t / (t + 2.0f), x);
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

}  // namespace fitbench::cpu::fast
