// 2-bit gradient compression with error feedback, as MXNet's
// src/kvstore/gradient_compression-inl.h: 16 values per 32-bit word, so a
// gradient travels in 1/16 of its float32 size.
#include <cstdint>
#include <cstring>

#include "fitbench/kvstore.h"

namespace fitbench {

namespace {
constexpr uint32_t kPositive = 0b11;
constexpr uint32_t kNegative = 0b10;
constexpr size_t kPerWord = 16;
}  // namespace

size_t two_bit_words(size_t values) { return (values + kPerWord - 1) / kPerWord; }

void quantize_2bit(const float* grad, float* residual, uint32_t* packed, size_t n, float threshold) {
  std::memset(packed, 0, two_bit_words(n) * sizeof(uint32_t));
  for (size_t i = 0; i < n; ++i) {
    float r = residual[i] + grad[i];
    uint32_t code = 0;
    if (r >= threshold) {
      code = kPositive;
      r -= threshold;
    } else if (r <= -threshold) {
      code = kNegative;
      r += threshold;
    }
    residual[i] = r;
    packed[i / kPerWord] |= code << (2 * (i % kPerWord));
  }
}

void dequantize_2bit_add(const uint32_t* packed, float* out, size_t n, float threshold) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t code = (packed[i / kPerWord] >> (2 * (i % kPerWord))) & 0b11;
    if (code == kPositive)
      out[i] += threshold;
    else if (code == kNegative)
      out[i] -= threshold;
  }
}

}  // namespace fitbench
