// The optimizers' element-wise update rules over (n,) arrays on the CPU. The
// math, shared with the CUDA kernels, is in optim/kernels/update_math.h; this file
// supplies the loop that runs it.
#include "optim/kernels/update_rules.h"

#include "optim/kernels/update_math.h"

namespace fitbench::cpu {

namespace {

// Below this many elements a thread team costs more than it saves.
constexpr int64_t kParallelMin = int64_t{1} << 15;

// Runs body(i) for i in [0, n), threaded when n is large. `body` is copied
// into each thread (firstprivate), so its pointers and scalars stay in
// registers and the loop vectorizes. kSimd = false for bodies calling
// std::sqrt: with errno-setting math (the default) compilers cannot vectorize
// that call, and clang warns when told to.
template <bool kSimd>
struct ForEachIndex {
  template <class Body>
  void operator()(int64_t n, Body body) const {
    const bool threaded = n >= kParallelMin;
    // clang-format off
#pragma omp parallel for simd if(parallel: threaded) if(simd: kSimd) firstprivate(body)
    // clang-format on
    for (int64_t i = 0; i < n; ++i) body(i);
  }
};

}  // namespace

void sgd_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip) {
  update_math::sgd_update(ForEachIndex<true>{}, w, g, mom, n, momentum, lr, wd, rescale, clip);
}

void nag_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip) {
  update_math::nag_update(ForEachIndex<true>{}, w, g, mom, n, momentum, lr, wd, rescale, clip);
}

// Not vectorized: Adam's rule calls std::sqrt (see ForEachIndex).
void adam_update(float* w, const float* g, float* mean, float* var, int64_t n, float beta1, float beta2,
                 float epsilon, float lr_t, float wd, float rescale, float clip) {
  update_math::adam_update(ForEachIndex<false>{}, w, g, mean, var, n, beta1, beta2, epsilon, lr_t, wd,
                           rescale, clip);
}

void update_step(const UpdateStep& step) {
  std::visit(
      [](const auto& s) { update_math::run_step(ForEachIndex<std::decay_t<decltype(s)>::kVectorizes>{}, s); },
      step);
}

}  // namespace fitbench::cpu
