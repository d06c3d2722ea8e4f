// The optimizers' element-wise update rules over (n,) arrays, with the
// arithmetic of MXNet 1.9's kernels (src/operator/optimizer_op-inl.h) in their
// operation order, so float results agree with MXNet's bit for bit on the same
// inputs. w is updated in place; mom, mean and var are the optimizer states.
// The one copy of that arithmetic for the CPU kernels (optim/cpu/update_rules.cpp)
// and the CUDA ones (optim/cuda/update_rules.cu); each supplies only its loop.
//
// sgd_update (MultiSGDKernel, what MXNet's SGD runs for dense arrays):
//   mom = momentum*mom - (lr*wd)*w - lr*clip(rescale*g)    unclipped: (lr*rescale)*g
//   w  += mom                                              without momentum mom starts at 0
// nag_update (NAGMomKernel, run in place, so the last line's weight-decay term
// reads the updated weight):
//   mom = momentum*mom
//   w   = w - mom + (momentum+1)*(mom - lr*(clip(rescale*g) + wd*w))
//   mom = mom - lr*(clip(rescale*g) + wd*w)
// adam_update (AdamUpdateKernel):
//   g' = clip(rescale*g + wd*w)
//   mean = beta1*mean + (1-beta1)*g';  var = beta2*var + (1-beta2)*g'*g'
//   w   -= lr_t*mean / (sqrt(var) + epsilon)
//
// Plain C++, compiled by g++ and by nvcc, so it includes no CUDA header. The
// per-element rules are functors rather than lambdas: one type serves both the
// CPU loop and the CUDA kernel, with none of the rules of nvcc's extended lambdas.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#ifdef __CUDACC__
#define FB_HD __host__ __device__
#else
#define FB_HD
#endif

namespace fitbench::update_math {

// nvcc contracts a*b + c into one FMA by default, which rounds once where the
// host rounds twice. In device code every product is therefore __fmul_rn, which
// nvcc never merges into an FMA; the division and the square root are __fdiv_rn
// and __fsqrt_rn, correctly rounded like the host's whatever -prec-div and
// -prec-sqrt say. (Sums stay plain: only a product can be contracted.)
FB_HD inline float mul(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
FB_HD inline float div(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
FB_HD inline float sqrt(float x) {
#ifdef __CUDA_ARCH__
  return __fsqrt_rn(x);
#else
  return std::sqrt(x);
#endif
}

// mshadow_op::clip; NaN passes through.
struct BoxClip {
  float bound;
  FB_HD float operator()(float x) const { return x > bound ? bound : (x < -bound ? -bound : x); }
};
struct NoClip {
  FB_HD float operator()(float x) const { return x; }
};

// Calls `kernel` with the clip functor for clip (< 0: none), so each rule is
// compiled without a per-element branch on it.
template <class Kernel>
void with_clip(float clip, const Kernel& kernel) {
  if (clip >= 0.0f)
    kernel(BoxClip{clip});
  else
    kernel(NoClip{});
}

// The rules for element i. Members are copied into each CPU thread and into
// the CUDA kernel's parameters, so the pointers and scalars stay in registers.
template <bool kMomentum, class Clip>
struct SgdElement {
  float* w;
  const float* g;
  float* mom;  // null without momentum
  float momentum, lr, lr_wd, lr_rescale, rescale;
  Clip clip;

  FB_HD void operator()(int64_t i) const {
    float grad_step;
    if constexpr (std::is_same_v<Clip, NoClip>)
      grad_step = mul(lr_rescale, g[i]);
    else
      grad_step = mul(lr, clip(mul(rescale, g[i])));
    const float step = mul(momentum, kMomentum ? mom[i] : 0.0f) - mul(lr_wd, w[i]) - grad_step;
    if constexpr (kMomentum) mom[i] = step;
    w[i] = w[i] + step;
  }
};

template <class Clip>
struct NagElement {
  float* w;
  const float* g;
  float* mom;
  float momentum, lr, wd, rescale;
  Clip clip;

  FB_HD void operator()(int64_t i) const {
    const float scaled = clip(mul(rescale, g[i]));
    const float m = mul(momentum, mom[i]);
    const float w_new = w[i] - m + mul(momentum + 1.0f, m - mul(lr, scaled + mul(wd, w[i])));
    w[i] = w_new;
    mom[i] = m - mul(lr, scaled + mul(wd, w_new));
  }
};

template <class Clip>
struct AdamElement {
  float* w;
  const float* g;
  float* mean;
  float* var;
  float beta1, beta2, epsilon, lr_t, wd, rescale;
  Clip clip;

  FB_HD void operator()(int64_t i) const {
    const float scaled = clip(mul(g[i], rescale) + mul(w[i], wd));
    const float m = mul(beta1, mean[i]) + mul(1.0f - beta1, scaled);
    const float v = mul(beta2, var[i]) + mul(mul(1.0f - beta2, scaled), scaled);
    mean[i] = m;
    var[i] = v;
    w[i] = w[i] - div(mul(lr_t, m), sqrt(v) + epsilon);
  }
};

// The updates, each running its rule with loop(n, element), which calls
// element(i) for every i in [0, n) (a CPU loop or a CUDA launch). Parameters
// are those of cpu::sgd_update, cpu::nag_update and cpu::adam_update.
template <class Loop>
void sgd_update(const Loop& loop, float* w, const float* g, float* mom, int64_t n, float momentum, float lr,
                float wd, float rescale, float clip) {
  // Host products, the same on either device.
  const float lr_wd = lr * wd;
  const float lr_rescale = lr * rescale;
  with_clip(clip, [&](auto box) {
    using Clip = decltype(box);
    // Without momentum the step starts from 0*0 = +0, whatever `momentum` holds.
    if (mom)
      loop(n, SgdElement<true, Clip>{w, g, mom, momentum, lr, lr_wd, lr_rescale, rescale, box});
    else
      loop(n, SgdElement<false, Clip>{w, g, nullptr, 0.0f, lr, lr_wd, lr_rescale, rescale, box});
  });
}

template <class Loop>
void nag_update(const Loop& loop, float* w, const float* g, float* mom, int64_t n, float momentum, float lr,
                float wd, float rescale, float clip) {
  with_clip(clip, [&](auto box) {
    loop(n, NagElement<decltype(box)>{w, g, mom, momentum, lr, wd, rescale, box});
  });
}

template <class Loop>
void adam_update(const Loop& loop, float* w, const float* g, float* mean, float* var, int64_t n, float beta1,
                 float beta2, float epsilon, float lr_t, float wd, float rescale, float clip) {
  with_clip(clip, [&](auto box) {
    loop(n, AdamElement<decltype(box)>{w, g, mean, var, beta1, beta2, epsilon, lr_t, wd, rescale, box});
  });
}

}  // namespace fitbench::update_math
