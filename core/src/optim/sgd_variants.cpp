// MXNet 1.9.1's momentum-SGD relatives: Signum (signsgd without momentum),
// DCASGD, SGLD, LARS and LBSGD, with python/mxnet/optimizer/optimizer.py's
// bookkeeping in doubles and the element-wise rules of optim/kernels/update_math.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "fitbench/error.h"
#include "optim/array_state_optimizer.h"
#include "optim/python_float.h"

namespace fitbench::optim {

namespace {

using namespace update_math;

std::vector<std::string> momentum_slots(float momentum, std::vector<std::string> others = {}) {
  if (momentum > 0.0f) others.insert(others.begin(), "_mom");
  return others;
}

class Signum final : public ArrayStateOptimizer {
 public:
  explicit Signum(const OptimizerParams& params)
      : ArrayStateOptimizer(params, momentum_slots(params.momentum)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const auto lr_f = static_cast<float>(lr);
    if (params_.momentum > 0.0f)
      run_update_step(device(), SignumStep{p.weight.f32(), p.grad.f32(), state(index, 0), p.weight.size(),
                                           params_.momentum, lr_f, wd, float_setting("wd_lh"),
                                           params_.rescale_grad, params_.clip_gradient});
    else
      run_update_step(device(), SignSgdStep{p.weight.f32(), p.grad.f32(), p.weight.size(), lr_f, wd});
  }
};

// MXNet 1.9.1's DCASGD tests `if mom:` on an NDArray, which raises for more
// than one element, so with momentum it cannot run there; this runs the
// update that test means (`mom is not None`), in the same arithmetic.
class Dcasgd final : public ArrayStateOptimizer {
 public:
  explicit Dcasgd(const OptimizerParams& params)
      : ArrayStateOptimizer(params, momentum_slots(params.momentum, {"_prev"})) {}

 private:
  size_t previous_slot() const { return slot_count() - 1; }

  // MXNet's state starts as a copy of the weight.
  void init_states(const std::vector<ParamRef>& params) override {
    for (size_t i = 0; i < params.size(); ++i) state_tensor(i, previous_slot()).copy_from(params[i].weight);
  }

  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const bool momentum = params_.momentum > 0.0f;
    run_update_step(device(), DcasgdStep{p.weight.f32(), p.grad.f32(), momentum ? state(index, 0) : nullptr,
                                         state(index, previous_slot()), p.weight.size(), params_.momentum,
                                         static_cast<float>(-lr), float_setting("lamda"), wd,
                                         params_.rescale_grad, params_.clip_gradient});
  }
};

// SplitMix64's finalizer: the noise is a function of (update, parameter,
// element), so a resumed run draws what the uninterrupted one would, with no
// generator state to save.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// In (0, 1).
double unit_uniform(uint64_t key) { return (static_cast<double>(mix(key) >> 11) + 0.5) * 0x1.0p-53; }

// SGLD: MXNet's formula; MXNet draws its noise from its own generator, so
// only the distribution, N(0, sqrt(lr)) per element, is the same.
class Sgld final : public ArrayStateOptimizer {
 public:
  explicit Sgld(const OptimizerParams& params) : ArrayStateOptimizer(params, {}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const Tensor noise(p.weight.shape());
    const double stddev = std::sqrt(lr);
    const uint64_t stream = mix(mix(static_cast<uint64_t>(num_update_)) ^ index);
    for (int64_t i = 0; i < noise.size(); ++i) {
      const uint64_t key = mix(stream ^ static_cast<uint64_t>(i)) * 2;
      const double radius = std::sqrt(-2.0 * std::log(unit_uniform(key)));
      noise.f32()[i] =
          static_cast<float>(stddev * radius * std::cos(2.0 * std::numbers::pi * unit_uniform(key + 1)));
    }
    const Tensor drawn = device().is_cpu() ? noise : noise.to(device());
    run_update_step(device(),
                    SgldStep{p.weight.f32(), p.grad.f32(), drawn.f32(), p.weight.size(),
                             static_cast<float>(-lr / 2), wd, params_.rescale_grad, params_.clip_gradient});
  }
};

// LARS (aggregated, as Module updates it: multi_lars, then MultiSGDKernel).
// Each weight's lr is scaled by its trust ratio; with momentum_correction the
// momentum follows the lr's change, but MXNet applies that only to the first
// chunk of MXNET_OPTIMIZER_AGGREGATION_SIZE (4) parameters of an update: the
// later chunks see the lr unchanged.
class Lars final : public ArrayStateOptimizer {
 public:
  explicit Lars(const OptimizerParams& params)
      : ArrayStateOptimizer(params, momentum_slots(static_cast<float>(params.settings.at("momentum")))),
        previous_lr_(add_scalar("lars_previous_lr", 0.0)) {}

 private:
  static constexpr size_t kAggregate = 4;

  // MXNet's LARS decays only "*_weight".
  float name_wd_mult(const std::string& name) const override {
    return name.ends_with("_weight") ? 1.0f : 0.0f;
  }

  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const double momentum = setting("momentum");
    if (index == 0) {
      const double previous = scalar(previous_lr_);
      first_chunk_momentum_ = setting("momentum_correction") != 0.0 && previous != 0.0
                                  ? momentum * (last_lr_ / previous)
                                  : momentum;
      set_scalar(previous_lr_, last_lr_);
    }
    const auto step_momentum = static_cast<float>(index < kAggregate ? first_chunk_momentum_ : momentum);
    sgd_step(p, p.grad.f32(), momentum > 0.0 ? state(index, 0) : nullptr, step_momentum,
             trusted_lr(p, lr, wd), wd, params_);
  }

  // multi_lars: lr * eta * |w| / (|g|*rescale + wd*|w| + eps) in floats, for
  // all but "*gamma", "*beta" and "*bias".
  float trusted_lr(const ParamRef& p, double lr, float wd) const {
    const auto lr_f = static_cast<float>(lr);
    if (p.name.ends_with("gamma") || p.name.ends_with("beta") || p.name.ends_with("bias")) return lr_f;
    const Tensor w = host_copy(p.weight);
    const Tensor g = host_copy(p.grad);
    const float w_norm = std::sqrt(sequential_sum_of_squares(w.f32(), w.size()));
    const float g_sum_sq = sequential_sum_of_squares(g.f32(), g.size());
    if (!(w_norm > 0.0f && g_sum_sq > 0.0f)) return lr_f;
    const auto eta = static_cast<float>(setting("eta"));
    const auto eps = static_cast<float>(setting("eps"));
    return lr_f * eta * w_norm / (std::sqrt(g_sum_sq) * params_.rescale_grad + wd * w_norm + eps);
  }

  size_t previous_lr_;
  double first_chunk_momentum_ = 0;
};

// LBSGD: SGD whose gradients average over batch_scale updates (the weights
// move on every batch_scale-th), with the lr scaled by a warmup multiplier.
// MXNet reads the lr before counting the update, so the first parameter of an
// update gets the previous update's lr.
class Lbsgd final : public ArrayStateOptimizer {
 public:
  explicit Lbsgd(const OptimizerParams& params)
      : ArrayStateOptimizer(params,
                            momentum_slots(params.momentum, params.large_batch.batch_scale > 1
                                                                ? std::vector<std::string>{"_cum_grad"}
                                                                : std::vector<std::string>{})),
        previous_lr_(add_scalar("lbsgd_previous_lr",
                                params.lr_scheduler ? params.lr_scheduler->peek(0) : params.learning_rate)) {
    if (params_.large_batch.batch_scale < 1)
      fail("lbsgd's batch_scale must be 1 or more (got ", params_.large_batch.batch_scale, ")");
  }

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const LargeBatchParams& large = params_.large_batch;
    if (index == 0) {
      lr = scalar(previous_lr_) * python_double(p.lr_mult);
      set_scalar(previous_lr_, last_lr_);
    }
    // The gradient this update steps on: the batch's own, or the mean of the sum.
    Tensor grad = p.grad;
    if (large.batch_scale > 1) {
      grad = state_tensor(index, slot_count() - 1);
      run_update_step(device(), GradientSumStep{grad.f32(), p.grad.f32(), grad.size()});
      // MXNet's other updates run sgd_update with lr 0, which leaves a finite weight as it is.
      if (num_update_ % large.batch_scale != 0) return;
      run_update_step(device(),
                      GradientMeanStep{grad.f32(), grad.size(), static_cast<float>(large.batch_scale)});
    }
    const double multiplier =
        large.warmup_strategy == "lars" ? lars_multiplier(p.weight, grad, wd) : warmup_multiplier();
    const bool momentum = params_.momentum > 0.0f;
    sgd_step(p, grad.f32(), momentum ? state(index, 0) : nullptr, params_.momentum,
             static_cast<float>(lr * multiplier), wd, params_);
    if (large.batch_scale > 1) grad.fill(0.0f);
  }

  // _get_lbmult: from 1 to batch_scale over warmup_epochs * updates_per_epoch updates.
  double warmup_multiplier() const {
    const LargeBatchParams& large = params_.large_batch;
    const auto updates = static_cast<double>(num_update_);
    const double warmup =
        static_cast<double>(large.warmup_epochs) * static_cast<double>(large.updates_per_epoch);
    const auto top = static_cast<double>(large.batch_scale);
    if (updates >= warmup) return top;
    if (warmup <= 1) return 1.0;
    if (large.warmup_strategy == "linear") return 1.0 + (top - 1) * updates / warmup;
    if (large.warmup_strategy == "power2") return 1.0 + (top - 1) * (updates * updates) / (warmup * warmup);
    if (large.warmup_strategy == "sqrt") return 1.0 + (top - 1) * std::sqrt(updates / warmup);
    return 1.0;
  }

  // _get_lars: sqrt(|w|^2 / (|g|^2 + wd*|w|^2 + 1e-18)), within [0.01, 100].
  static double lars_multiplier(const Tensor& weight, const Tensor& grad, float wd) {
    const Tensor w = host_copy(weight);
    const Tensor g = host_copy(grad);
    // numpy float32 sums, then Python's doubles.
    const double weight_sq = numpy_sum_of_squares(w.f32(), w.size());
    const double grad_sq = numpy_sum_of_squares(g.f32(), g.size());
    const double ratio = std::sqrt(weight_sq / (grad_sq + python_double(wd) * weight_sq + 1e-18));
    return std::clamp(ratio, 0.01, 100.0);
  }

  size_t previous_lr_;
};

}  // namespace

std::unique_ptr<Optimizer> make_signum(const OptimizerParams& params) {
  return std::make_unique<Signum>(params);
}
std::unique_ptr<Optimizer> make_dcasgd(const OptimizerParams& params) {
  return std::make_unique<Dcasgd>(params);
}
std::unique_ptr<Optimizer> make_sgld(const OptimizerParams& params) { return std::make_unique<Sgld>(params); }
std::unique_ptr<Optimizer> make_lars(const OptimizerParams& params) { return std::make_unique<Lars>(params); }
std::unique_ptr<Optimizer> make_lbsgd(const OptimizerParams& params) {
  return std::make_unique<Lbsgd>(params);
}

}  // namespace fitbench::optim
