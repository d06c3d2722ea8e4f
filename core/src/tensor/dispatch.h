// FB_DISPATCH(tensor, kernel(args...)): the one place where a kernel's caller
// (an operator, an optimizer, the gradient sum) picks the backend. It calls
// cpu::kernel(args...) or, for a tensor on a GPU, its CUDA twin (same name,
// same parameters) through the GPU module's table.
#pragma once

#include "fitbench/tensor.h"
#include "gpu/gpu_backend.h"

#define FB_DISPATCH(tensor, ...) FB_DISPATCH_ON((tensor).device(), __VA_ARGS__)
// The same for a Device: what a kernel would need there (workspace sizes), before any tensor exists.
#define FB_DISPATCH_ON(device, ...) \
  ((device).is_cpu() ? ::fitbench::cpu::__VA_ARGS__ : ::fitbench::gpu_backend().__VA_ARGS__)
