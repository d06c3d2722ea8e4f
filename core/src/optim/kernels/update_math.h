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
// MXNet 1.9's other optimizers follow, each as a *Step (its arrays and the
// scalars of one update) with its formula above it, and run by run_step(loop,
// step). Those whose Python update is a chain of NDArray operations (AdaGrad,
// AdaDelta, DCASGD, SGLD, Adamax, Nadam) round after every operation, as those
// operations do; a Python scalar reaches them as the float of its double.
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

// Double square root (correctly rounded on both), for LAMB's direction.
FB_HD inline double sqrt_double(double x) {
#ifdef __CUDA_ARCH__
  return __dsqrt_rn(x);
#else
  return std::sqrt(x);
#endif
}

FB_HD inline float abs(float x) {
#ifdef __CUDA_ARCH__
  return fabsf(x);
#else
  return std::fabs(x);
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

// clip(rescale*g + wd*w): the gradient with the weight decay folded in (Adam,
// FTML, RMSProp, Adamax, Nadam; rescale*g and g*rescale are the same float).
template <class Clip>
FB_HD float decayed_grad(const Clip& clip, float g, float w, float rescale, float wd) {
  return clip(mul(rescale, g) + mul(wd, w));
}
// clip(rescale*g) (FTRL, LAMB, AdaGrad, GroupAdaGrad, AdaDelta, DCASGD, SGLD).
template <class Clip>
FB_HD float scaled_grad(const Clip& clip, float g, float rescale) {
  return clip(mul(rescale, g));
}
// mshadow_op::sign: -1, 0 or 1.
FB_HD inline float sign(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); }

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
    const float scaled = decayed_grad(clip, g[i], w[i], rescale, wd);
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

// ---- MXNet 1.9's other optimizers -----------------------------------------
// Each *Step holds the arrays (n floats each, unless it says otherwise) and the
// scalars of one update of one parameter; element(i, clip) is its rule for
// element i, with clip the functor for its `clip` field (steps without one
// ignore it). kVectorizes is false for rules that call sqrt (see the CPU loop).

// signum_update (SignumKernel), momentum > 0; k = 1 - momentum:
//   mom = momentum*mom - (k*wd)*w - k*clip(rescale*g)     unclipped: (k*rescale)*g
//   w   = (1 - lr*wd_lh)*w + lr*sign(mom)
struct SignumStep {
  float* w;
  const float* g;
  float* mom;
  int64_t n;
  float momentum, lr, wd, wd_lh, rescale, clip;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float keep = 1.0f - momentum;
    float grad_part;
    if constexpr (std::is_same_v<Clip, NoClip>)
      grad_part = mul(mul(keep, rescale), g[i]);
    else
      grad_part = mul(keep, box(mul(rescale, g[i])));
    mom[i] = mul(momentum, mom[i]) - mul(mul(keep, wd), w[i]) - grad_part;
    w[i] = mul(1.0f - mul(lr, wd_lh), w[i]) + mul(lr, sign(mom[i]));
  }
};

// signsgd_update (SignSGDKernel), Signum without momentum; no rescale, no clip:
//   w = (1 - lr*wd)*w - lr*sign(g)
struct SignSgdStep {
  float* w;
  const float* g;
  int64_t n;
  float lr, wd;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip&) const {
    w[i] = mul(1.0f - mul(lr, wd), w[i]) - mul(lr, sign(g[i]));
  }
};

// ftml_update (FTMLKernel); beta1_t = beta1^t and beta2_t = beta2^t (powf):
//   g' = clip(rescale*g + wd*w)
//   v  = beta2*v + (1-beta2)*g'^2
//   d_t = (1-beta1_t)/lr * (sqrt(v/(1-beta2_t)) + epsilon)
//   z  = beta1*z + (1-beta1)*g' - (d_t - beta1*d)*w;   d = d_t;   w = -z/d_t
struct FtmlStep {
  float* w;
  const float* g;
  float* d;
  float* v;
  float* z;
  int64_t n;
  float lr, beta1, beta2, epsilon, beta1_t, beta2_t, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = decayed_grad(box, g[i], w[i], rescale, wd);
    v[i] = mul(beta2, v[i]) + mul(1.0f - beta2, mul(grad, grad));
    const float d_t = mul(div(1.0f - beta1_t, lr), sqrt(div(v[i], 1.0f - beta2_t)) + epsilon);
    z[i] = mul(beta1, z[i]) + mul(1.0f - beta1, grad) - mul(d_t - mul(beta1, d[i]), w[i]);
    d[i] = d_t;
    w[i] = div(-z[i], d_t);
  }
};

// rmsprop_update (RMSPropUpdateKernel); clip_weights < 0: none:
//   g' = clip(rescale*g + wd*w)
//   n  = (1-gamma1)*(g'*g') + gamma1*n
//   w  = clip_weights(w - lr*(g' / sqrt(n + epsilon)))
struct RmspropStep {
  float* w;
  const float* g;
  float* n_avg;
  int64_t n;
  float lr, gamma1, epsilon, clip_weights, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = decayed_grad(box, g[i], w[i], rescale, wd);
    n_avg[i] = mul(1.0f - gamma1, mul(grad, grad)) + mul(gamma1, n_avg[i]);
    const float updated = w[i] - mul(lr, div(grad, sqrt(n_avg[i] + epsilon)));
    w[i] = clip_weights >= 0.0f ? BoxClip{clip_weights}(updated) : updated;
  }
};

// rmspropalex_update (RMSPropAlexUpdateKernel), RMSProp with centered=True:
//   g' = clip(rescale*g + wd*w)
//   n  = ((1-gamma1)*g')*g' + gamma1*n;   g_avg = (1-gamma1)*g' + gamma1*g_avg
//   delta = gamma2*delta - (lr*g') / sqrt(n - g_avg*g_avg + epsilon)
//   w  = clip_weights(w + delta)
struct RmspropCenteredStep {
  float* w;
  const float* g;
  float* n_avg;
  float* g_avg;
  float* delta;
  int64_t n;
  float lr, gamma1, gamma2, epsilon, clip_weights, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = decayed_grad(box, g[i], w[i], rescale, wd);
    n_avg[i] = mul(mul(1.0f - gamma1, grad), grad) + mul(gamma1, n_avg[i]);
    g_avg[i] = mul(1.0f - gamma1, grad) + mul(gamma1, g_avg[i]);
    delta[i] = mul(gamma2, delta[i]) - div(mul(lr, grad), sqrt(n_avg[i] - mul(g_avg[i], g_avg[i]) + epsilon));
    const float updated = w[i] + delta[i];
    w[i] = clip_weights >= 0.0f ? BoxClip{clip_weights}(updated) : updated;
  }
};

// ftrl_update (FtrlUpdateKernel):
//   g' = clip(rescale*g)
//   z += g' - ((sqrt(n + g'^2) - sqrt(n))*w) / lr;   n += g'^2
//   w  = (sign(z)*lamda1 - z) / ((beta + sqrt(n))/lr + wd) * (|z| > lamda1)
struct FtrlStep {
  float* w;
  const float* g;
  float* z;
  float* n_sum;
  int64_t n;
  float lr, lamda1, beta, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    const float grad_sq = mul(grad, grad);
    z[i] = z[i] + (grad - div(mul(sqrt(n_sum[i] + grad_sq) - sqrt(n_sum[i]), w[i]), lr));
    n_sum[i] = n_sum[i] + grad_sq;
    const float shrunk = div(mul(sign(z[i]), lamda1) - z[i], div(beta + sqrt(n_sum[i]), lr) + wd);
    w[i] = mul(shrunk, abs(z[i]) > lamda1 ? 1.0f : 0.0f);
  }
};

// LAMB's first phase (multi_lamb_update, MultiLAMBKernelStep1), into `out`;
// beta1_t = beta1^t and beta2_t = beta2^t (powf):
//   g' = clip(rescale*g)
//   mean = beta1*mean + (1-beta1)*g';   var = beta2*var + ((1-beta2)*g')*g'
//   out = mean^ / (sqrt(var^) + epsilon) + wd*w,  mean^ = mean/(1-beta1_t), var^ = var/(1-beta2_t)
//         (mean and var themselves without bias correction)
// MXNet's kernel calls the C library's sqrt, a double, so that line runs in
// doubles (wd*w stays a float product) and rounds to float once.
struct LambDirectionStep {
  const float* w;
  const float* g;
  float* mean;
  float* var;
  float* out;
  int64_t n;
  float beta1, beta2, epsilon, beta1_t, beta2_t, wd, rescale, clip;
  bool bias_correction;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    const float m = mul(beta1, mean[i]) + mul(1.0f - beta1, grad);
    const float v = mul(beta2, var[i]) + mul(mul(1.0f - beta2, grad), grad);
    mean[i] = m;
    var[i] = v;
    const float m_hat = bias_correction ? div(m, 1.0f - beta1_t) : m;
    const float v_hat = bias_correction ? div(v, 1.0f - beta2_t) : v;
    out[i] = static_cast<float>(m_hat / (sqrt_double(v_hat) + epsilon) + mul(wd, w[i]));
  }
};

// LAMB's second phase (MultiLAMBKernelStep2); lr_trust = lr * r1/r2, the trust
// ratio of the norms of w and of the direction, computed by the caller:
//   w -= lr_trust * direction
struct LambApplyStep {
  float* w;
  const float* direction;
  int64_t n;
  float lr_trust;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip&) const {
    w[i] = w[i] - mul(lr_trust, direction[i]);
  }
};

// AdaGrad (Python, dense gradients):
//   g' = clip(g*rescale);   history += g'^2
//   w += (g'/sqrt(history + eps) + w*wd) * -lr
struct AdagradStep {
  float* w;
  const float* g;
  float* history;
  int64_t n;
  float neg_lr, eps, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    history[i] = history[i] + mul(grad, grad);
    w[i] = w[i] + mul(div(grad, sqrt(history[i] + eps)) + mul(w[i], wd), neg_lr);
  }
};

// GroupAdaGrad's weight step (Python, dense), rows of row_len elements whose
// history (one float per row) the caller has already raised by the row's
// mean(g'^2):
//   g' = clip(g*rescale);   w -= (g'*lr) / sqrt(history[row] + eps)
struct GroupAdagradStep {
  float* w;
  const float* g;
  const float* history;
  int64_t n, row_len;
  float lr, eps, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    w[i] = w[i] - div(mul(grad, lr), sqrt(history[i / row_len] + eps));
  }
};

// AdaDelta (Python), which takes no learning rate; k = 1 - rho:
//   g' = clip(g*rescale)
//   acc_g = acc_g*rho;  acc_g += (g'*k)*g'
//   delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g'
//   acc_delta = acc_delta*rho;  acc_delta += (delta*k)*delta
//   w -= delta + w*wd
struct AdadeltaStep {
  float* w;
  const float* g;
  float* acc_g;
  float* acc_delta;
  int64_t n;
  float rho, one_minus_rho, epsilon, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    const float ag = mul(acc_g[i], rho);
    acc_g[i] = ag + mul(mul(grad, one_minus_rho), grad);
    const float delta = mul(div(sqrt(acc_delta[i] + epsilon), sqrt(acc_g[i] + epsilon)), grad);
    const float ad = mul(acc_delta[i], rho);
    acc_delta[i] = ad + mul(mul(delta, one_minus_rho), delta);
    w[i] = w[i] - (delta + mul(w[i], wd));
  }
};

// DCASGD (Python); mom is null without momentum:
//   g' = clip(g*rescale)
//   step = ((g' + w*wd) + ((g'*lamda)*g')*(w - previous)) * -lr
//   mom = mom*momentum + step  (without momentum: step);   previous = w;   w += mom
struct DcasgdStep {
  float* w;
  const float* g;
  float* mom;
  float* previous;
  int64_t n;
  float momentum, neg_lr, lamda, wd, rescale, clip;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    const float compensated = (grad + mul(w[i], wd)) + mul(mul(mul(grad, lamda), grad), w[i] - previous[i]);
    const float step = mul(compensated, neg_lr);
    float m = step;
    if (mom) {
      m = mul(mom[i], momentum) + step;
      mom[i] = m;
    }
    previous[i] = w[i];
    w[i] = w[i] + m;
  }
};

// SGLD (Python); noise holds the draws from N(0, sqrt(lr)):
//   g' = clip(g*rescale);   w += (g' + w*wd) * (-lr/2);   w += noise
struct SgldStep {
  float* w;
  const float* g;
  const float* noise;
  int64_t n;
  float neg_half_lr, wd, rescale, clip;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = scaled_grad(box, g[i], rescale);
    const float drifted = w[i] + mul(grad + mul(w[i], wd), neg_half_lr);
    w[i] = drifted + noise[i];
  }
};

// Adamax (Python); lr_t = lr / (1 - beta1^t):
//   g' = clip(g*rescale + wd*w)
//   mean = mean*beta1;  mean += g'*(1-beta1);   u = max(u*beta2, |g'|)
//   w -= (mean*lr_t) / u
struct AdamaxStep {
  float* w;
  const float* g;
  float* mean;
  float* inf_norm;
  int64_t n;
  float beta1, one_minus_beta1, beta2, lr_t, wd, rescale, clip;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = decayed_grad(box, g[i], w[i], rescale, wd);
    const float m = mul(mean[i], beta1);
    mean[i] = m + mul(grad, one_minus_beta1);
    const float decayed = mul(inf_norm[i], beta2);
    const float magnitude = abs(grad);
    inf_norm[i] = decayed > magnitude ? decayed : magnitude;
    w[i] = w[i] - div(mul(mean[i], lr_t), inf_norm[i]);
  }
};

// Nadam (Python); the schedule terms are the Python doubles' floats:
//   g' = clip(g*rescale + wd*w)
//   mean = mean*beta1;  mean += g'*(1-beta1);   var = var*beta2;  var += (g'*(1-beta2))*g'
//   m_bar = (g'/(1-schedule))*(1-momentum_t) + (mean/(1-schedule_next))*momentum_next
//   w -= (m_bar*lr) / (sqrt(var/(1-beta2^t)) + epsilon)
struct NadamStep {
  float* w;
  const float* g;
  float* mean;
  float* var;
  int64_t n;
  float beta1, one_minus_beta1, beta2, one_minus_beta2, one_minus_schedule, one_minus_schedule_next,
      one_minus_beta2_t, one_minus_momentum_t, momentum_next, lr, epsilon, wd, rescale, clip;
  static constexpr bool kVectorizes = false;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip& box) const {
    const float grad = decayed_grad(box, g[i], w[i], rescale, wd);
    const float m = mul(mean[i], beta1);
    mean[i] = m + mul(grad, one_minus_beta1);
    const float v = mul(var[i], beta2);
    var[i] = v + mul(mul(grad, one_minus_beta2), grad);
    const float grad_prime = div(grad, one_minus_schedule);
    const float mean_prime = div(mean[i], one_minus_schedule_next);
    const float var_prime = div(var[i], one_minus_beta2_t);
    const float m_bar = mul(grad_prime, one_minus_momentum_t) + mul(mean_prime, momentum_next);
    w[i] = w[i] - div(mul(m_bar, lr), sqrt(var_prime) + epsilon);
  }
};

// LBSGD's gradient sum over the updates of one large batch, and its mean:
//   sum += g              (MXNet's cum_grad + grad; the first after a reset is 0 + g)
struct GradientSumStep {
  float* sum;
  const float* g;
  int64_t n;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip&) const {
    sum[i] = sum[i] + g[i];
  }
};
//   sum /= count
struct GradientMeanStep {
  float* sum;
  int64_t n;
  float count;
  static constexpr bool kVectorizes = true;

  template <class Clip>
  FB_HD void element(int64_t i, const Clip&) const {
    sum[i] = div(sum[i], count);
  }
};

// Binds a step to its clip functor: the loop's element(i).
template <class Step, class Clip>
struct ClippedElement {
  Step step;
  Clip clip;
  FB_HD void operator()(int64_t i) const { step.template element<Clip>(i, clip); }
};

// Runs `step` with loop(n, element), choosing the clip functor once.
template <class Loop, class Step>
void run_step(const Loop& loop, const Step& step) {
  if constexpr (requires { step.clip; }) {
    with_clip(step.clip, [&](auto box) { loop(step.n, ClippedElement<Step, decltype(box)>{step, box}); });
  } else {
    loop(step.n, ClippedElement<Step, NoClip>{step, NoClip{}});
  }
}

}  // namespace fitbench::update_math
