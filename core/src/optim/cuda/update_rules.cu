// The optimizers' element-wise update rules over (n,) device arrays. The math,
// shared with the CPU kernels so both agree with MXNet bit for bit, is in
// optim/kernels/update_math.h, with why its products cannot become FMAs here; this
// file supplies the launch that runs it on the current stream.
#include "cuda/context.h"
#include "optim/kernels/update_math.h"
#include "optim/kernels/update_rules.h"

namespace fitbench::cuda {

namespace {

// The loop of the shared rules: element(i) for i in [0, n) in one kernel.
struct Launch {
  template <class Element>
  void operator()(int64_t n, Element element) const {
    elementwise(n, element);
  }
};

}  // namespace

void sgd_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip) {
  update_math::sgd_update(Launch{}, w, g, mom, n, momentum, lr, wd, rescale, clip);
}

void nag_update(float* w, const float* g, float* mom, int64_t n, float momentum, float lr, float wd,
                float rescale, float clip) {
  update_math::nag_update(Launch{}, w, g, mom, n, momentum, lr, wd, rescale, clip);
}

void adam_update(float* w, const float* g, float* mean, float* var, int64_t n, float beta1, float beta2,
                 float epsilon, float lr_t, float wd, float rescale, float clip) {
  update_math::adam_update(Launch{}, w, g, mean, var, n, beta1, beta2, epsilon, lr_t, wd, rescale, clip);
}

void update_step(const UpdateStep& step) {
  std::visit([](const auto& s) { update_math::run_step(Launch{}, s); }, step);
}

}  // namespace fitbench::cuda
