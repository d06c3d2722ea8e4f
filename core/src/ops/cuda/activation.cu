// Activation on the GPU, elementwise over n values (any shape): x, y, dy, dx are (n,).
//
//   relu      y = max(x, 0)            dx = dy * [y > 0]
//   sigmoid   y = 1 / (1 + e^-x)       dx = dy * y * (1 - y)
//   tanh      y = tanh(x)              dx = dy * (1 - y^2)
//   softrelu  y = log(1 + e^x)         dx = dy * (1 - e^-y)      (= sigmoid(x))
//   softsign  y = x / (1 + |x|)        dx = dy / (1 + |x|)^2
//
// As on the CPU (and in MXNet) the derivative is taken from the output y,
// except for softsign, whose derivative comes from the input x. The device's
// own expf, tanhf, log1pf and expm1f replace the CPU's fast_math.h, so the two
// backends agree to a few ulp.
#include "ops/kernels/activation.h"

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

struct Relu {
  __device__ static float value(float x) { return x > 0.0f ? x : 0.0f; }
  __device__ static float slope(float, float y) { return y > 0.0f ? 1.0f : 0.0f; }
};

struct Sigmoid {
  __device__ static float value(float x) { return 1.0f / (1.0f + expf(-x)); }
  __device__ static float slope(float, float y) { return y * (1.0f - y); }
};

struct Tanh {
  __device__ static float value(float x) { return tanhf(x); }
  __device__ static float slope(float, float y) { return 1.0f - y * y; }
};

struct SoftRelu {
  // Above 20, log1p(e^x) equals x in float32; MXNet cuts there to avoid overflow.
  __device__ static float value(float x) { return x > 20.0f ? x : log1pf(expf(x)); }
  __device__ static float slope(float, float y) { return -expm1f(-y); }
};

struct SoftSign {
  __device__ static float value(float x) { return x / (1.0f + fabsf(x)); }
  __device__ static float slope(float x, float) {
    const float d = 1.0f + fabsf(x);
    return 1.0f / (d * d);
  }
};

template <class Act>
void forward_as(const float* x, float* y, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) { y[i] = Act::value(x[i]); });
}

template <class Act>
void backward_as(const float* dy, const float* x, const float* y, float* dx, int64_t n) {
  elementwise(n, [=] __device__(int64_t i) { dx[i] = dy[i] * Act::slope(x[i], y[i]); });
}

}  // namespace

void activation_forward(ActType type, const float* x, float* y, int64_t n) {
  switch (type) {
    case ActType::Relu:
      return forward_as<Relu>(x, y, n);
    case ActType::Sigmoid:
      return forward_as<Sigmoid>(x, y, n);
    case ActType::Tanh:
      return forward_as<Tanh>(x, y, n);
    case ActType::SoftRelu:
      return forward_as<SoftRelu>(x, y, n);
    case ActType::SoftSign:
      return forward_as<SoftSign>(x, y, n);
  }
}

void activation_backward(ActType type, const float* dy, const float* x, const float* y, float* dx,
                         int64_t n) {
  switch (type) {
    case ActType::Relu:
      return backward_as<Relu>(dy, x, y, dx, n);
    case ActType::Sigmoid:
      return backward_as<Sigmoid>(dy, x, y, dx, n);
    case ActType::Tanh:
      return backward_as<Tanh>(dy, x, y, dx, n);
    case ActType::SoftRelu:
      return backward_as<SoftRelu>(dy, x, y, dx, n);
    case ActType::SoftSign:
      return backward_as<SoftSign>(dy, x, y, dx, n);
  }
}

}  // namespace fitbench::cuda
