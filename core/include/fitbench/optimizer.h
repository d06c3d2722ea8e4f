// Optimizers with MXNet 1.9.1's update rules (src/operator/optimizer_op-inl.h
// and python/mxnet/optimizer/optimizer.py): every one fit.py can name.
//
// Parameters are handed over as a list of ParamRef whose weights and
// gradients are views into contiguous buffers; states are allocated once per
// parameter in the same order. All parameters of one optimizer live on one
// device (the CPU or one GPU): the states are allocated there and the update
// rules run there. Weight decay applies only to names ending in
// "_weight" or "_gamma" (MXNet's set_wd_mult rule) unless wd_mult says otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/lr_scheduler.h"
#include "fitbench/tensor.h"

namespace fitbench {

// MXNet's weight-decay rule: 1 for "*_weight" and "*_gamma", else 0.
float default_wd_mult(const std::string& name);

struct ParamRef {
  std::string name;
  Tensor weight;
  Tensor grad;
  float lr_mult = 1.0f;
  float wd_mult = 1.0f;  // multiplied with the name rule above
};

// One of an optimizer's own hyper-parameters: MXNet's keyword argument.
struct OptimizerSetting {
  std::string name;          // "beta1"
  std::string default_text;  // as MXNet's signature writes it: "0.9", "False", "None"
  std::string help;
};

// An optimizer's own hyper-parameters by keyword, as Python floats; a flag is
// 1 or 0 and None (off) is -1. A keyword left out takes its default.
using OptimizerSettings = std::map<std::string, double>;

// LBSGD's large-batch warmup, which fit.py sets from --macrobatch-size,
// --warmup-epochs and --warmup-strategy.
struct LargeBatchParams {
  int batch_scale = 1;  // updates whose gradients one step averages
  int warmup_epochs = 5;
  int64_t updates_per_epoch = 32;
  std::string warmup_strategy = "linear";  // linear, power2, sqrt, lars; anything else: no warmup
};

struct OptimizerParams {
  double learning_rate = 0.01;  // a Python float, as MXNet's schedulers compute it
  float wd = 0.0f;
  float momentum = 0.0f;  // what fit.py passes as momentum (--mom): sgd, ccsgd, nag, signum, dcasgd, lbsgd
  float rescale_grad = 1.0f;
  float clip_gradient = -1.0f;  // < 0: no clipping
  OptimizerSettings settings;   // checked by Optimizer::create
  LargeBatchParams large_batch;
  std::shared_ptr<LRScheduler> lr_scheduler;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // A name of supported() (case-insensitive). Throws Error listing them for
  // anything else, and for a negative momentum; SettingError
  // ("optimizer_params") for a setting the optimizer does not take.
  static std::unique_ptr<Optimizer> create(const std::string& name, const OptimizerParams& params);
  // MXNet 1.9.1's registered optimizers, in alphabetical order.
  static std::vector<std::string> supported();
  // The own hyper-parameters of optimizer `name` (one of supported()).
  static const std::vector<OptimizerSetting>& settings_of(const std::string& name);

  // Allocates zeroed states for `params` on the device of the first one (call
  // once, before the first update; update() must then get the same list).
  // Throws Error unless every weight and gradient is float32 with matching
  // sizes, on the first parameter's device.
  virtual void create_states(const std::vector<ParamRef>& params) = 0;
  // Floats create_states() allocates for weights of `weight_sizes` floats each.
  virtual int64_t state_floats(const std::vector<int64_t>& weight_sizes) const = 0;
  // One step for every parameter: increments the update count, reads the
  // learning rate (scheduler or fixed), applies the rule on the parameters'
  // device (made current for the call). Throws Error for a parameter that is
  // no longer on the states' device.
  void update(const std::vector<ParamRef>& params);

  // The learning rate the next update will use (without advancing anything).
  double learning_rate() const;
  // The learning rate the last update used, before lr_mult (0 before the first).
  double last_learning_rate() const { return last_lr_; }
  // Changes the learning rate from now on. With a scheduler it sets the
  // scheduler's base after taking any step due at the next update (logging it),
  // so a step schedule's next rate is `lr` and later steps scale it.
  void set_learning_rate(double lr);
  int64_t num_update() const { return num_update_; }
  void set_num_update(int64_t n) { num_update_ = n; }
  // An update another process applied for this one (dist_async's server):
  // its count and rate become this optimizer's, for the logs, the charts and
  // the checkpoints; nothing is applied here.
  void record_remote_update(int64_t num_update, double learning_rate) {
    num_update_ = num_update;
    last_lr_ = learning_rate;
  }
  const OptimizerParams& params() const { return params_; }

  // State tensors for checkpoints, in a fixed order: each parameter's
  // ("<param>_mom", ...), then the optimizer's own float32 scalars where it
  // keeps any ("nadam_m_schedule"). Writing into them (a loaded checkpoint)
  // sets the state.
  virtual std::vector<std::pair<std::string, Tensor>> states() const = 0;

 protected:
  explicit Optimizer(OptimizerParams params) : params_(std::move(params)) {}
  // Applies the rule to one parameter with the effective lr and wd.
  virtual void update_one(size_t index, const ParamRef& p, double lr, float wd) = 0;
  // The weight-decay multiplier of a parameter's name (MXNet's set_wd_mult).
  virtual float name_wd_mult(const std::string& name) const { return default_wd_mult(name); }

  OptimizerParams params_;
  int64_t num_update_ = 0;
  double last_lr_ = 0.0;
};

// "beta1=0.8,epsilon=1e-7" (--optimizer-params) for optimizer `name`: each
// keyword one it takes, each value a finite number (True / False for a flag,
// None where MXNet's default is None). Throws SettingError("optimizer_params")
// naming the optimizer and the keywords it takes.
OptimizerSettings parse_optimizer_settings(const std::string& name, const std::string& text);

}  // namespace fitbench
