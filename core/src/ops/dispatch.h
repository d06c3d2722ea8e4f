// FB_DISPATCH(tensor, kernel(args...)): the one place where an operator picks
// the backend. It calls cpu::kernel(args...) or its CUDA twin
// cuda::kernel(args...) (same name, same parameters) by the device of
// `tensor`. Builds without CUDA only have the CPU kernels.
#pragma once

#include "fitbench/tensor.h"

#if FITBENCH_HAVE_CUDA
#define FB_DISPATCH(tensor, ...) \
  ((tensor).device().is_cpu() ? ::fitbench::cpu::__VA_ARGS__ : ::fitbench::cuda::__VA_ARGS__)
#else
#define FB_DISPATCH(tensor, ...) ::fitbench::cpu::__VA_ARGS__
#endif
