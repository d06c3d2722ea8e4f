// SGD, NAG and Adam with the element-wise arithmetic of MXNet 1.9's kernels
// (src/operator/optimizer_op-inl.h) in their operation order, so float results
// agree with MXNet's bit for bit on the same inputs; the per-update bookkeeping
// (update count, lr and wd multipliers, Adam's bias correction) follows
// python/mxnet/optimizer/optimizer.py in doubles.
#include "fitbench/optimizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <type_traits>

#include "fitbench/error.h"
#include "optim/python_float.h"

namespace fitbench {

namespace {

// Below this many elements a thread team costs more than it saves.
constexpr int64_t kParallelMin = int64_t{1} << 15;

// Runs body(i) for i in [0, n), threaded when n is large. `body` captures by
// value and each thread gets its own copy, so its pointers and scalars stay in
// registers and the loop vectorizes. kSimd = false for bodies calling
// std::sqrt: with errno-setting math (the default) compilers cannot vectorize
// that call, and clang warns when told to.
template <bool kSimd, class Body>
void for_each_index(int64_t n, Body body) {
  const bool threaded = n >= kParallelMin;
  // clang-format off
#pragma omp parallel for simd if(parallel: threaded) if(simd: kSimd) firstprivate(body)
  // clang-format on
  for (int64_t i = 0; i < n; ++i) body(i);
}

// mshadow_op::clip; NaN passes through.
struct BoxClip {
  float bound;
  float operator()(float x) const { return x > bound ? bound : (x < -bound ? -bound : x); }
};
struct NoClip {
  float operator()(float x) const { return x; }
};

// Calls `kernel` with the clip functor for clip_gradient (< 0: none), so each
// kernel is compiled without a per-element branch on it.
template <class Kernel>
void with_clip(float clip_gradient, const Kernel& kernel) {
  if (clip_gradient >= 0.0f)
    kernel(BoxClip{clip_gradient});
  else
    kernel(NoClip{});
}

// multi_sgd_mom_update / multi_sgd_update (MultiSGDKernel, what MXNet's SGD
// runs for dense arrays):
//   mom = momentum*mom - (lr*wd)*w - lr*clip(rescale*g)    unclipped: (lr*rescale)*g
//   w  += mom                                              without momentum mom starts at 0
template <bool kMomentum, class Clip>
void sgd_kernel(const ParamRef& p, float* mom, float momentum, float lr, float wd, float rescale, Clip clip) {
  float* w = p.weight.f32();
  const float* g = p.grad.f32();
  const float lr_wd = lr * wd;
  const float lr_rescale = lr * rescale;
  for_each_index<true>(p.weight.size(), [=](int64_t i) {
    float grad_step;
    if constexpr (std::is_same_v<Clip, NoClip>)
      grad_step = lr_rescale * g[i];
    else
      grad_step = lr * clip(rescale * g[i]);
    const float step = momentum * (kMomentum ? mom[i] : 0.0f) - lr_wd * w[i] - grad_step;
    if constexpr (kMomentum) mom[i] = step;
    w[i] = w[i] + step;
  });
}

// nag_mom_update (NAGMomKernel). MXNet runs it in place (out is the weight),
// so the last line's weight-decay term reads the updated weight; kept to match.
//   mom = momentum*mom
//   w   = w - mom + (momentum+1)*(mom - lr*(clip(rescale*g) + wd*w))
//   mom = mom - lr*(clip(rescale*g) + wd*w)
template <class Clip>
void nag_kernel(const ParamRef& p, float* mom, float momentum, float lr, float wd, float rescale, Clip clip) {
  float* w = p.weight.f32();
  const float* g = p.grad.f32();
  for_each_index<true>(p.weight.size(), [=](int64_t i) {
    const float scaled = clip(rescale * g[i]);
    const float m = momentum * mom[i];
    w[i] = w[i] - m + (momentum + 1) * (m - lr * (scaled + wd * w[i]));
    mom[i] = m - lr * (scaled + wd * w[i]);
  });
}

// adam_update (AdamUpdateKernel); lr_t already carries the bias correction.
//   g' = clip(rescale*g + wd*w)
//   mean = beta1*mean + (1-beta1)*g';  var = beta2*var + (1-beta2)*g'*g'
//   w   -= lr_t*mean / (sqrt(var) + epsilon)
template <class Clip>
void adam_kernel(const ParamRef& p, float* mean, float* var, const OptimizerParams& o, float lr_t, float wd,
                 Clip clip) {
  float* w = p.weight.f32();
  const float* g = p.grad.f32();
  const float beta1 = o.beta1, beta2 = o.beta2, epsilon = o.epsilon, rescale = o.rescale_grad;
  for_each_index<false>(p.weight.size(), [=](int64_t i) {
    const float scaled = clip(g[i] * rescale + w[i] * wd);
    mean[i] = beta1 * mean[i] + (1.0f - beta1) * scaled;
    var[i] = beta2 * var[i] + (1.0f - beta2) * scaled * scaled;
    w[i] = w[i] - lr_t * mean[i] / (std::sqrt(var[i]) + epsilon);
  });
}

void check_param(const ParamRef& p) {
  if (!p.weight.defined() || !p.grad.defined())
    fail("parameter '", p.name, "' has no weight or gradient array for the optimizer");
  if (p.weight.dtype() != DType::Float32 || p.grad.dtype() != DType::Float32)
    fail("parameter '", p.name, "' is ", dtype_name(p.weight.dtype()), " with a ", dtype_name(p.grad.dtype()),
         " gradient: the optimizer updates float32 parameters only (multi-precision training is not "
         "implemented yet)");
  if (!p.weight.device().is_cpu() || !p.grad.device().is_cpu())
    fail("parameter '", p.name, "' is on ", p.weight.device().str(),
         ": the optimizer runs on the CPU only for now");
  if (p.weight.size() != p.grad.size())
    fail("parameter '", p.name, "' has shape ", p.weight.shape().str(), " but its gradient has shape ",
         p.grad.shape().str());
}

// Optimizers whose states are arrays shaped like the weights (`slots` of them
// per parameter, each named "<param><slot>"). All of them live in one zeroed
// buffer, so one write saves them.
class ArrayStateOptimizer : public Optimizer {
 public:
  void create_states(const std::vector<ParamRef>& params) final {
    int64_t total = 0;
    for (const ParamRef& p : params) {
      check_param(p);
      total += p.weight.size() * static_cast<int64_t>(slots_.size());
    }
    const Tensor buffer = Tensor::zeros(Shape{std::max<int64_t>(total, 1)});
    names_.clear();
    states_.clear();
    size_t offset = 0;
    for (const ParamRef& p : params) {
      names_.push_back(p.name);
      for (size_t s = 0; s < slots_.size(); ++s) {
        states_.emplace_back(buffer.storage(), offset, p.weight.shape(), DType::Float32);
        offset += p.weight.bytes();
      }
    }
  }

  std::vector<std::pair<std::string, Tensor>> states() const final {
    std::vector<std::pair<std::string, Tensor>> named;
    for (size_t i = 0; i < states_.size(); ++i)
      named.emplace_back(names_[i / slots_.size()] + slots_[i % slots_.size()], states_[i]);
    return named;
  }

 protected:
  ArrayStateOptimizer(OptimizerParams params, std::vector<std::string> slots)
      : Optimizer(std::move(params)), slots_(std::move(slots)) {
    if (params_.momentum < 0.0f) fail("momentum must be 0 or more (got ", params_.momentum, ")");
  }

  float* state(size_t index, size_t slot) const { return states_[index * slots_.size() + slot].f32(); }

 private:
  // The parameter list must be the one create_states saw.
  void update_one(size_t index, const ParamRef& p, double lr, float wd) final {
    FB_ASSERT(index < names_.size() && names_[index] == p.name);
    FB_ASSERT(slots_.empty() || states_[index * slots_.size()].size() == p.weight.size());
    apply(index, p, lr, wd);
  }
  virtual void apply(size_t index, const ParamRef& p, double lr, float wd) = 0;

  std::vector<std::string> slots_;
  std::vector<std::string> names_;
  std::vector<Tensor> states_;
};

std::vector<std::string> momentum_slots(const OptimizerParams& params) {
  return params.momentum > 0.0f ? std::vector<std::string>{"_mom"} : std::vector<std::string>{};
}

// SGD's step; also NAG's without momentum, where MXNet calls sgd_update, which
// groups the same step as (1 - lr*wd)*w - ..., so the last bit may differ.
void sgd_step(const ParamRef& p, float* mom, const OptimizerParams& o, float lr, float wd) {
  with_clip(o.clip_gradient, [&](auto clip) {
    if (mom)
      sgd_kernel<true>(p, mom, o.momentum, lr, wd, o.rescale_grad, clip);
    else
      sgd_kernel<false>(p, nullptr, 0.0f, lr, wd, o.rescale_grad, clip);
  });
}

class Sgd final : public ArrayStateOptimizer {
 public:
  explicit Sgd(const OptimizerParams& params) : ArrayStateOptimizer(params, momentum_slots(params)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    sgd_step(p, params_.momentum > 0.0f ? state(index, 0) : nullptr, params_, static_cast<float>(lr), wd);
  }
};

class Nag final : public ArrayStateOptimizer {
 public:
  explicit Nag(const OptimizerParams& params) : ArrayStateOptimizer(params, momentum_slots(params)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    if (params_.momentum <= 0.0f) {
      sgd_step(p, nullptr, params_, static_cast<float>(lr), wd);
      return;
    }
    with_clip(params_.clip_gradient, [&](auto clip) {
      nag_kernel(p, state(index, 0), params_.momentum, static_cast<float>(lr), wd, params_.rescale_grad, clip);
    });
  }
};

class Adam final : public ArrayStateOptimizer {
 public:
  explicit Adam(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_mean", "_var"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    // Python's bias correction: t is the parameter's update count, which is
    // num_update since every parameter is updated every step.
    const double t = static_cast<double>(num_update_);
    const double coef1 = 1.0 - std::pow(python_double(params_.beta1), t);
    const double coef2 = 1.0 - std::pow(python_double(params_.beta2), t);
    const auto lr_t = static_cast<float>(lr * (std::sqrt(coef2) / coef1));
    with_clip(params_.clip_gradient,
              [&](auto clip) { adam_kernel(p, state(index, 0), state(index, 1), params_, lr_t, wd, clip); });
  }
};

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::unique_ptr<Optimizer> Optimizer::create(const std::string& name, const OptimizerParams& params) {
  const std::string key = lowercase(name);
  if (key == "sgd") return std::make_unique<Sgd>(params);
  if (key == "nag") return std::make_unique<Nag>(params);
  if (key == "adam") return std::make_unique<Adam>(params);
  std::string choices;
  for (const std::string& s : supported()) choices += (choices.empty() ? "" : ", ") + s;
  fail("optimizer '", name, "' is not available: fitbench implements ", choices,
       "; MXNet's other optimizers are not implemented yet");
}

std::vector<std::string> Optimizer::supported() { return {"sgd", "nag", "adam"}; }

void Optimizer::update(const std::vector<ParamRef>& params) {
  ++num_update_;
  last_lr_ = params_.lr_scheduler ? (*params_.lr_scheduler)(num_update_) : params_.learning_rate;
  // Python multiplies the multipliers in as doubles; the kernels take floats.
  const double lr = last_lr_;
  const double wd = python_double(params_.wd);
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamRef& p = params[i];
    update_one(i, p, lr * python_double(p.lr_mult),
               static_cast<float>(wd * python_double(p.wd_mult) * default_wd_mult(p.name)));
  }
}

double Optimizer::learning_rate() const {
  return params_.lr_scheduler ? params_.lr_scheduler->peek(num_update_ + 1) : params_.learning_rate;
}

void Optimizer::set_learning_rate(double lr) {
  if (!params_.lr_scheduler) {
    params_.learning_rate = lr;
    return;
  }
  // Take any step due at the next update first, so a step schedule's next rate is `lr`, not lr * factor.
  (*params_.lr_scheduler)(num_update_ + 1);
  params_.lr_scheduler->set_base_lr(lr);
}

float default_wd_mult(const std::string& name) {
  return name.ends_with("_weight") || name.ends_with("_gamma") ? 1.0f : 0.0f;
}

}  // namespace fitbench
