// MXNet 1.9.1's adaptive optimizers besides Adam: FTML, RMSProp (plain and
// centered), FTRL, LAMB, AdaGrad, GroupAdaGrad, AdaDelta, Adamax and Nadam,
// with python/mxnet/optimizer/optimizer.py's bookkeeping (update counts, bias
// corrections) in doubles and the element-wise rules of optim/kernels/update_math.h.
// t, a parameter's update count in MXNet, is num_update: every parameter is
// updated at every step.
#include <algorithm>
#include <cmath>

#include "fitbench/error.h"
#include "optim/array_state_optimizer.h"

namespace fitbench::optim {

namespace {

using namespace update_math;

// MXNet passes clip_weights, lower_bound and upper_bound only when Python
// finds them true (not None, not 0), and its kernels ignore negative values.
float optional_bound(double value) { return value > 0.0 ? static_cast<float>(value) : -1.0f; }

// beta^t as the kernels compute it: powf of the float beta and the float t.
float kernel_power(double beta, int64_t t) {
  return std::pow(static_cast<float>(beta), static_cast<float>(t));
}

class Ftml final : public ArrayStateOptimizer {
 public:
  explicit Ftml(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_d", "_v", "_z"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    run_update_step(device(), FtmlStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1),
                                       state(index, 2), p.weight.size(), static_cast<float>(lr),
                                       float_setting("beta1"), float_setting("beta2"),
                                       float_setting("epsilon"), kernel_power(setting("beta1"), num_update_),
                                       kernel_power(setting("beta2"), num_update_), wd, params_.rescale_grad,
                                       params_.clip_gradient});
  }
};

class Rmsprop final : public ArrayStateOptimizer {
 public:
  explicit Rmsprop(const OptimizerParams& params)
      : ArrayStateOptimizer(params, params.settings.at("centered") != 0.0
                                        ? std::vector<std::string>{"_n", "_g", "_delta"}
                                        : std::vector<std::string>{"_n"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const auto lr_f = static_cast<float>(lr);
    const float clip_weights = optional_bound(setting("clip_weights"));
    if (slot_count() == 1)
      run_update_step(device(), RmspropStep{p.weight.f32(), p.grad.f32(), state(index, 0), p.weight.size(),
                                            lr_f, float_setting("gamma1"), float_setting("epsilon"),
                                            clip_weights, wd, params_.rescale_grad, params_.clip_gradient});
    else
      run_update_step(device(),
                      RmspropCenteredStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1),
                                          state(index, 2), p.weight.size(), lr_f, float_setting("gamma1"),
                                          float_setting("gamma2"), float_setting("epsilon"), clip_weights, wd,
                                          params_.rescale_grad, params_.clip_gradient});
  }
};

class Ftrl final : public ArrayStateOptimizer {
 public:
  explicit Ftrl(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_z", "_n"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    run_update_step(device(),
                    FtrlStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1), p.weight.size(),
                             static_cast<float>(lr), float_setting("lamda1"), float_setting("beta"), wd,
                             params_.rescale_grad, params_.clip_gradient});
  }
};

// LAMB as Module updates it (multi_lamb_update): the Adam-like direction, then
// a step scaled by the trust ratio |w| / |direction|.
class Lamb final : public ArrayStateOptimizer {
 public:
  explicit Lamb(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_mean", "_var"}) {}

 private:
  // One scratch array, as long as the largest weight, for the direction.
  void init_states(const std::vector<ParamRef>& params) override {
    int64_t largest = 1;
    for (const ParamRef& p : params) largest = std::max(largest, p.weight.size());
    direction_ = Tensor::zeros(Shape{largest}, DType::Float32, device());
  }

  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const int64_t n = p.weight.size();
    run_update_step(device(),
                    LambDirectionStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1),
                                      direction_.f32(), n, float_setting("beta1"), float_setting("beta2"),
                                      float_setting("epsilon"), kernel_power(setting("beta1"), num_update_),
                                      kernel_power(setting("beta2"), num_update_), wd, params_.rescale_grad,
                                      params_.clip_gradient, setting("bias_correction") != 0.0});
    const Tensor w = host_copy(p.weight);
    const Tensor direction = host_copy(direction_);
    float r1 = std::sqrt(sequential_sum_of_squares(w.f32(), n));
    const float r2 = std::sqrt(sequential_sum_of_squares(direction.f32(), n));
    const float lower = optional_bound(setting("lower_bound"));
    const float upper = optional_bound(setting("upper_bound"));
    if (lower >= 0.0f) r1 = std::max(r1, lower);
    if (upper >= 0.0f) r1 = std::min(r1, upper);
    const float ratio = r1 == 0.0f || r2 == 0.0f ? 1.0f : r1 / r2;
    run_update_step(device(),
                    LambApplyStep{p.weight.f32(), direction_.f32(), n, static_cast<float>(lr) * ratio});
  }

  Tensor direction_;
};

class Adagrad final : public ArrayStateOptimizer {
 public:
  explicit Adagrad(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_history"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    run_update_step(device(), AdagradStep{p.weight.f32(), p.grad.f32(), state(index, 0), p.weight.size(),
                                          static_cast<float>(-lr), float_setting("eps"), wd,
                                          params_.rescale_grad, params_.clip_gradient});
  }
};

// GroupAdaGrad: one history per row (the first axis). MXNet takes 2-d weights
// only; here the rest of the axes form the row, so a 1-d weight has rows of 1.
class GroupAdagrad final : public ArrayStateOptimizer {
 public:
  explicit GroupAdagrad(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_history"}) {}

 private:
  Shape slot_shape(size_t, const Shape& weight) const override { return Shape{weight[0], 1}; }

  // MXNet asserts wd == 0; refuse before the first update rather than at it.
  void init_states(const std::vector<ParamRef>& params) override {
    for (const ParamRef& p : params)
      if (params_.wd * p.wd_mult * name_wd_mult(p.name) != 0.0f)
        fail("groupadagrad does not support weight decay, and '", p.name, "' would decay with wd ",
             params_.wd, ": give --wd 0");
  }

  void apply(size_t index, const ParamRef& p, double lr, float) override {
    const Tensor& history = state_tensor(index, 0);
    const int64_t rows = history.size();
    const int64_t row_len = p.weight.size() / rows;
    // history += mean(clip(g*rescale)^2) over each row: MXNet's CPU reduction,
    // a compensated (Kahan) float sum, divided by the row's length.
    const Tensor g = host_copy(p.grad);
    const Tensor h = host_copy(history);
    const auto scaled = [&](float x) {
      return params_.clip_gradient >= 0.0f
                 ? scaled_grad(BoxClip{params_.clip_gradient}, x, params_.rescale_grad)
                 : scaled_grad(NoClip{}, x, params_.rescale_grad);
    };
    for (int64_t r = 0; r < rows; ++r) {
      float sum = 0, residual = 0;
      for (int64_t j = 0; j < row_len; ++j) {
        const float x = scaled(g.f32()[r * row_len + j]);
        const float y = x * x - residual;
        const float t = sum + y;
        residual = (t - sum) - y;
        sum = t;
      }
      h.f32()[r] = h.f32()[r] + sum / static_cast<float>(row_len);
    }
    if (!device().is_cpu()) history.copy_from(h);
    run_update_step(device(), GroupAdagradStep{p.weight.f32(), p.grad.f32(), history.f32(), p.weight.size(),
                                               row_len, static_cast<float>(lr), float_setting("eps"),
                                               params_.rescale_grad, params_.clip_gradient});
  }
};

// AdaDelta takes no learning rate (MXNet's ignores it too).
class Adadelta final : public ArrayStateOptimizer {
 public:
  explicit Adadelta(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_acc_g", "_acc_delta"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double, float wd) override {
    run_update_step(device(), AdadeltaStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1),
                                           p.weight.size(), float_setting("rho"),
                                           static_cast<float>(1.0 - setting("rho")), float_setting("epsilon"),
                                           wd, params_.rescale_grad, params_.clip_gradient});
  }
};

class Adamax final : public ArrayStateOptimizer {
 public:
  explicit Adamax(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_mean", "_inf_norm"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const double beta1 = setting("beta1");
    const double lr_t = lr / (1.0 - std::pow(beta1, static_cast<double>(num_update_)));
    run_update_step(
        device(),
        AdamaxStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1), p.weight.size(),
                   static_cast<float>(beta1), static_cast<float>(1.0 - beta1), float_setting("beta2"),
                   static_cast<float>(lr_t), wd, params_.rescale_grad, params_.clip_gradient});
  }
};

// Nadam's momentum schedule is one product for the whole optimizer, which
// MXNet multiplies at every parameter's update (so by the number of
// parameters each step): a scalar state.
class Nadam final : public ArrayStateOptimizer {
 public:
  explicit Nadam(const OptimizerParams& params)
      : ArrayStateOptimizer(params, {"_mean", "_var"}), schedule_(add_scalar("nadam_m_schedule", 1.0)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const double beta1 = setting("beta1");
    const double beta2 = setting("beta2");
    const auto t = static_cast<double>(num_update_);
    const double decay = setting("schedule_decay");
    const double momentum_t = beta1 * (1.0 - 0.5 * std::pow(0.96, t * decay));
    const double momentum_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1) * decay));
    const double schedule = scalar(schedule_) * momentum_t;
    set_scalar(schedule_, schedule);
    const double schedule_next = schedule * momentum_next;
    run_update_step(
        device(),
        NadamStep{p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1), p.weight.size(),
                  static_cast<float>(beta1), static_cast<float>(1.0 - beta1), static_cast<float>(beta2),
                  static_cast<float>(1.0 - beta2), static_cast<float>(1.0 - schedule),
                  static_cast<float>(1.0 - schedule_next), static_cast<float>(1.0 - std::pow(beta2, t)),
                  static_cast<float>(1.0 - momentum_t), static_cast<float>(momentum_next),
                  static_cast<float>(lr), float_setting("epsilon"), wd, params_.rescale_grad,
                  params_.clip_gradient});
  }

  size_t schedule_;
};

}  // namespace

std::unique_ptr<Optimizer> make_ftml(const OptimizerParams& params) { return std::make_unique<Ftml>(params); }
std::unique_ptr<Optimizer> make_rmsprop(const OptimizerParams& params) {
  return std::make_unique<Rmsprop>(params);
}
std::unique_ptr<Optimizer> make_ftrl(const OptimizerParams& params) { return std::make_unique<Ftrl>(params); }
std::unique_ptr<Optimizer> make_lamb(const OptimizerParams& params) { return std::make_unique<Lamb>(params); }
std::unique_ptr<Optimizer> make_adagrad(const OptimizerParams& params) {
  return std::make_unique<Adagrad>(params);
}
std::unique_ptr<Optimizer> make_groupadagrad(const OptimizerParams& params) {
  return std::make_unique<GroupAdagrad>(params);
}
std::unique_ptr<Optimizer> make_adadelta(const OptimizerParams& params) {
  return std::make_unique<Adadelta>(params);
}
std::unique_ptr<Optimizer> make_adamax(const OptimizerParams& params) {
  return std::make_unique<Adamax>(params);
}
std::unique_ptr<Optimizer> make_nadam(const OptimizerParams& params) {
  return std::make_unique<Nadam>(params);
}

}  // namespace fitbench::optim
