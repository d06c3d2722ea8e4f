// clip on the GPU, elementwise over n values (any shape): x, y, dy, dx are (n,).
//
//   y  = min(max(x, a_min), a_max)
//   dx = dy * [a_min <= x <= a_max]
//
// As in MXNet's clip_grad, only inputs strictly outside [a_min, a_max] stop
// the gradient; an input equal to a bound passes it.
#include "ops/kernels/clip.h"

#include "cuda/context.h"

namespace fitbench::cuda {

void clip_forward(float a_min, float a_max, const float* x, float* y, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) {
    const float low = x[i] < a_min ? a_min : x[i];
    y[i] = low > a_max ? a_max : low;
  });
}

void clip_backward(float a_min, float a_max, const float* dy, const float* x, float* dx, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) { dx[i] = x[i] < a_min || x[i] > a_max ? 0.0f : dy[i]; });
}

}  // namespace fitbench::cuda
