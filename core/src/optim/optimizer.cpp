// SGD, NAG and Adam as MXNet 1.9 runs them: the element-wise rules are the
// kernels of optim/kernels/update_rules.h (CPU and CUDA twins), which agree with
// MXNet's bit for bit; the per-update bookkeeping (update count, lr and wd
// multipliers, Adam's bias correction) follows python/mxnet/optimizer/optimizer.py
// in doubles. The rules run on the device of the weights, where the states live.
#include "fitbench/optimizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "fitbench/error.h"
#include "gpu/dispatch.h"
#include "gpu/gpu_backend.h"
#include "optim/kernels/update_rules.h"
#include "optim/python_float.h"

namespace fitbench {

namespace {

// `device` is where the optimizer's states are: the first parameter's device.
void check_param(const ParamRef& p, Device device) {
  if (!p.weight.defined() || !p.grad.defined())
    fail("parameter '", p.name, "' has no weight or gradient array for the optimizer");
  if (p.weight.dtype() != DType::Float32 || p.grad.dtype() != DType::Float32)
    fail("parameter '", p.name, "' is ", dtype_name(p.weight.dtype()), " with a ", dtype_name(p.grad.dtype()),
         " gradient: the optimizer updates float32 parameters only (multi-precision training is not "
         "implemented yet)");
  if (p.grad.device() != p.weight.device())
    fail("parameter '", p.name, "' is on ", p.weight.device().str(), " but its gradient is on ",
         p.grad.device().str(), ": the optimizer updates a weight on the device of its gradient");
  if (p.weight.device() != device)
    fail("parameter '", p.name, "' is on ", p.weight.device().str(), " but the optimizer's states are on ",
         device.str(), ": all parameters of one optimizer must live on one device");
  if (p.weight.size() != p.grad.size())
    fail("parameter '", p.name, "' has shape ", p.weight.shape().str(), " but its gradient has shape ",
         p.grad.shape().str());
}

// Optimizers whose states are arrays shaped like the weights (`slots` of them
// per parameter, each named "<param><slot>"). All of them live in one zeroed
// buffer on the parameters' device, so one write saves them.
class ArrayStateOptimizer : public Optimizer {
 public:
  void create_states(const std::vector<ParamRef>& params) final {
    device_ = params.empty() ? Device::cpu() : params.front().weight.device();
    std::vector<int64_t> sizes;
    for (const ParamRef& p : params) {
      check_param(p, device_);
      sizes.push_back(p.weight.size());
    }
    const Tensor buffer = Tensor::zeros(Shape{state_floats(sizes)}, DType::Float32, device_);
    names_.clear();
    states_.clear();
    size_t offset = 0;
    for (const ParamRef& p : params) {
      names_.push_back(p.name);
      for (size_t s = 0; s < slots_.size(); ++s) {
        states_.emplace_back(buffer.storage(), offset, p.weight.shape(), DType::Float32);
        offset += static_cast<size_t>(padded_view_floats(p.weight.size())) * sizeof(float);
      }
    }
  }

  int64_t state_floats(const std::vector<int64_t>& weight_sizes) const final {
    int64_t total = 0;
    for (int64_t size : weight_sizes) total += padded_view_floats(size) * static_cast<int64_t>(slots_.size());
    return std::max<int64_t>(total, 1);
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
  // The parameter list must be the one create_states saw, still on the states' device.
  void update_one(size_t index, const ParamRef& p, double lr, float wd) final {
    FB_ASSERT(index < names_.size() && names_[index] == p.name);
    FB_ASSERT(slots_.empty() || states_[index * slots_.size()].size() == p.weight.size());
    check_param(p, device_);
    apply(index, p, lr, wd);
  }
  virtual void apply(size_t index, const ParamRef& p, double lr, float wd) = 0;

  std::vector<std::string> slots_;
  std::vector<std::string> names_;
  std::vector<Tensor> states_;
  Device device_;
};

std::vector<std::string> momentum_slots(const OptimizerParams& params) {
  return params.momentum > 0.0f ? std::vector<std::string>{"_mom"} : std::vector<std::string>{};
}

// SGD's step; also NAG's without momentum, where MXNet calls sgd_update, which
// groups the same step as (1 - lr*wd)*w - ..., so the last bit may differ.
void sgd_step(const ParamRef& p, float* mom, const OptimizerParams& o, float lr, float wd) {
  FB_DISPATCH(p.weight, sgd_update(p.weight.f32(), p.grad.f32(), mom, p.weight.size(), o.momentum, lr, wd,
                                   o.rescale_grad, o.clip_gradient));
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
    FB_DISPATCH(p.weight,
                nag_update(p.weight.f32(), p.grad.f32(), state(index, 0), p.weight.size(), params_.momentum,
                           static_cast<float>(lr), wd, params_.rescale_grad, params_.clip_gradient));
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
    const OptimizerParams& o = params_;
    FB_DISPATCH(p.weight,
                adam_update(p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1), p.weight.size(),
                            o.beta1, o.beta2, o.epsilon, lr_t, wd, o.rescale_grad, o.clip_gradient));
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
  // The CUDA rules run on the current device; make it the parameters' one,
  // whatever device the caller left current.
  const DeviceScope scope(params.empty() ? Device::cpu() : params.front().weight.device());
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
