// Optimizers with MXNet's update rules (src/operator/optimizer_op-inl.h).
//
// Parameters are handed over as a list of ParamRef whose weights and
// gradients are views into contiguous buffers; states are allocated once per
// parameter in the same order. All parameters of one optimizer live on one
// device (the CPU or one GPU): the states are allocated there and the update
// rules run there. Weight decay applies only to names ending in
// "_weight" or "_gamma" (MXNet's set_wd_mult rule) unless wd_mult says otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/lr_scheduler.h"
#include "fitbench/tensor.h"

namespace fitbench {

struct ParamRef {
  std::string name;
  Tensor weight;
  Tensor grad;
  float lr_mult = 1.0f;
  float wd_mult = 1.0f;  // multiplied with the name rule above
};

struct OptimizerParams {
  double learning_rate = 0.01;  // a Python float, as MXNet's schedulers compute it
  float wd = 0.0f;
  float momentum = 0.0f;
  float rescale_grad = 1.0f;
  float clip_gradient = -1.0f;  // < 0: no clipping
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // adam
  std::shared_ptr<LRScheduler> lr_scheduler;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // "sgd", "nag", "adam" (case-insensitive). Throws Error listing the
  // supported names for anything else, and for a negative momentum.
  static std::unique_ptr<Optimizer> create(const std::string& name, const OptimizerParams& params);
  static std::vector<std::string> supported();

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

  // State tensors for checkpoints, in a fixed order ("<param>_mom", ...).
  virtual std::vector<std::pair<std::string, Tensor>> states() const = 0;

 protected:
  explicit Optimizer(OptimizerParams params) : params_(std::move(params)) {}
  // Applies the rule to one parameter with the effective lr and wd.
  virtual void update_one(size_t index, const ParamRef& p, double lr, float wd) = 0;

  OptimizerParams params_;
  int64_t num_update_ = 0;
  double last_lr_ = 0.0;
};

// MXNet's weight-decay rule: 1 for "*_weight" and "*_gamma", else 0.
float default_wd_mult(const std::string& name);

}  // namespace fitbench
