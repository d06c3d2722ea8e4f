// Activation, elementwise over n values (any shape): x, y, dy, dx are (n,).
//
//   relu      y = max(x, 0)            dx = dy * [y > 0]
//   sigmoid   y = 1 / (1 + e^-x)       dx = dy * y * (1 - y)
//   tanh      y = tanh(x)              dx = dy * (1 - y^2)
//   softrelu  y = log(1 + e^x)         dx = dy * (1 - e^-y)      (= sigmoid(x))
//   softsign  y = x / (1 + |x|)        dx = dy / (1 + |x|)^2
//
// Like MXNet, the derivative is taken from the output y, except for softsign,
// whose derivative MXNet computes from the input x. Sigmoid and tanh use the
// vectorizable fast_math.h (a few ulp from libm); every slope is a select or
// arithmetic, so all loops but softrelu's (libm log1p) vectorize.
#include "ops/kernels/activation.h"

#include <cmath>

#include "ops/cpu/elementwise.h"
#include "ops/cpu/fast_math.h"

namespace fitbench::cpu {

namespace {

struct Relu {
  static float value(float x) { return x > 0.0f ? x : 0.0f; }
  static float slope(float, float y) { return y > 0.0f ? 1.0f : 0.0f; }
};

struct Sigmoid {
  static float value(float x) { return fast::sigmoid(x); }
  static float slope(float, float y) { return y * (1.0f - y); }
};

struct Tanh {
  static float value(float x) { return fast::tanh(x); }
  static float slope(float, float y) { return 1.0f - y * y; }
};

struct SoftRelu {
  // Above 20, log1p(e^x) equals x in float32; MXNet cuts there to avoid overflow.
  static float value(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
  static float slope(float, float y) { return -std::expm1(-y); }
};

struct SoftSign {
  static float value(float x) { return x / (1.0f + std::fabs(x)); }
  static float slope(float x, float) {
    const float d = 1.0f + std::fabs(x);
    return 1.0f / (d * d);
  }
};

template <class F>
void with_act(ActType type, F f) {
  switch (type) {
    case ActType::Relu:
      return f(Relu{});
    case ActType::Sigmoid:
      return f(Sigmoid{});
    case ActType::Tanh:
      return f(Tanh{});
    case ActType::SoftRelu:
      return f(SoftRelu{});
    case ActType::SoftSign:
      return f(SoftSign{});
  }
}

}  // namespace

void activation_forward(ActType type, const float* x, float* y, int64_t n) {
  with_act(type, [&](auto act) { elementwise(n, [&](int64_t i) { y[i] = act.value(x[i]); }); });
}

void activation_backward(ActType type, const float* dy, const float* x, const float* y, float* dx,
                         int64_t n) {
  with_act(type,
           [&](auto act) { elementwise(n, [&](int64_t i) { dx[i] = dy[i] * act.slope(x[i], y[i]); }); });
}

}  // namespace fitbench::cpu
