// Dropout (inverted) kernels, elementwise over n values (any shape): x, y,
// mask are n floats.
//
//   keep ~ Bernoulli(1 - p)
//   mask = keep / (1 - p)          (0 everywhere when p = 1)
//   y    = x * mask                dx = dy * mask
//
// CPU kernels in fitbench::cpu (ops/cpu/dropout.cpp), their CUDA twins in
// fitbench::cuda (ops/cuda/dropout.cu) on device pointers; rng is the host's.
#pragma once

#include <cstdint>
#include <random>

namespace fitbench::cpu {

// mask[i] = 1 / (1 - p) with probability 1 - p, else 0.
void dropout_draw_mask(std::mt19937_64& rng, float p, float* mask, int64_t n);
// y = x * mask; the same product carries dy back to dx.
void dropout_apply(const float* x, const float* mask, float* y, int64_t n);

}  // namespace fitbench::cpu

// The same kernels on the GPU (comments above), typed as their CPU twins. dropout_draw_mask takes one
// seed from rng; the mask's values then come from a counter-based generator
// on the device, so they differ from the CPU kernel's for the same rng.
namespace fitbench::cuda {

decltype(cpu::dropout_draw_mask) dropout_draw_mask;
decltype(cpu::dropout_apply) dropout_apply;

}  // namespace fitbench::cuda
