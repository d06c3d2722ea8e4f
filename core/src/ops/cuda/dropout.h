// CUDA kernels of Dropout (twins of ops/cpu/dropout.h).
#pragma once

#include <cstdint>
#include <random>

namespace fitbench::cuda {

// mask[i] = 1 / (1 - p) with probability 1 - p, else 0. Takes one seed from
// rng; the mask's values then come from a counter-based generator on the
// device, so they differ from the CPU kernel's for the same rng.
void dropout_draw_mask(std::mt19937_64& rng, float p, float* mask, int64_t n);
// y = x * mask; the same product carries dy back to dx.
void dropout_apply(const float* x, const float* mask, float* y, int64_t n);

}  // namespace fitbench::cuda
