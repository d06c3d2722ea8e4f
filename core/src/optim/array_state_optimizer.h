// What the optimizers share: the base of those whose states are arrays, with
// the optimizer-wide scalars some of them keep, and the factories of each.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/optimizer.h"
#include "optim/kernels/update_rules.h"
#include "tensor/dispatch.h"

namespace fitbench::optim {

// Optimizers whose states are arrays (`slots` of them per parameter, each
// named "<param><slot>", shaped like the weight unless slot_shape says
// otherwise), all in one zeroed buffer on the parameters' device so one write
// saves them; then the optimizer's own scalars, each a Python double kept
// exactly as three floats in a host tensor ("nadam_m_schedule"), so a
// checkpoint restores it with the arrays.
class ArrayStateOptimizer : public Optimizer {
 public:
  void create_states(const std::vector<ParamRef>& params) final;
  // At most what create_states allocates (slot_shape may give less).
  int64_t state_floats(const std::vector<int64_t>& weight_sizes) const final;
  std::vector<std::pair<std::string, Tensor>> states() const final;

 protected:
  ArrayStateOptimizer(OptimizerParams params, std::vector<std::string> slots);

  float* state(size_t index, size_t slot) const { return states_[index * slots_.size() + slot].f32(); }
  const Tensor& state_tensor(size_t index, size_t slot) const {
    return states_[index * slots_.size() + slot];
  }
  size_t slot_count() const { return slots_.size(); }
  Device device() const { return device_; }
  // The optimizer's own setting `name` (Optimizer::create filled in the defaults).
  double setting(const std::string& name) const { return params_.settings.at(name); }
  // The same as MXNet's kernels and NDArray scalars take it.
  float float_setting(const std::string& name) const { return static_cast<float>(setting(name)); }

  // A scalar state named `name` ("nadam_m_schedule"), starting at `initial`.
  // Call from the constructor.
  size_t add_scalar(std::string name, double initial);
  double scalar(size_t which) const;
  void set_scalar(size_t which, double value) const;

 private:
  void update_one(size_t index, const ParamRef& p, double lr, float wd) final;
  virtual void apply(size_t index, const ParamRef& p, double lr, float wd) = 0;
  // The shape of a slot for a weight of shape `weight`.
  virtual Shape slot_shape(size_t /*slot*/, const Shape& weight) const { return weight; }
  // After the states are zeroed (DCASGD starts from the weights).
  virtual void init_states(const std::vector<ParamRef>& /*params*/) {}

  std::vector<std::string> slots_;
  std::vector<std::string> names_;
  std::vector<Tensor> states_;
  std::vector<std::pair<std::string, Tensor>> scalars_;
  Device device_;
};

// The tensor itself on the CPU, else a host copy (for the few reductions and
// random draws the rules need besides their element-wise steps).
Tensor host_copy(const Tensor& t);

// The sums of squares of MXNet's norms, each in its own order, so the results
// match to the bit: multi_sum_sq on the CPU (LARS, LAMB) adds the float
// squares one by one into a float; numpy's float32 sum of the squares
// (LBSGD's `lars` warmup) adds them pairwise, in blocks of 8 accumulators.
float sequential_sum_of_squares(const float* x, int64_t n);
float numpy_sum_of_squares(const float* x, int64_t n);

// Runs an element-wise step of optim/kernels/update_math.h on `device`.
inline void run_update_step(Device device, const UpdateStep& step) {
  FB_DISPATCH_ON(device, update_step(step));
}

// MXNet's SGD step (also NAG's without momentum, and LARS's and LBSGD's);
// mom null without momentum.
void sgd_step(const ParamRef& p, const float* grad, float* mom, float momentum, float lr, float wd,
              const OptimizerParams& o);

std::unique_ptr<Optimizer> make_sgd(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_nag(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_adam(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_signum(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_dcasgd(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_sgld(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_lars(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_lbsgd(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_ftml(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_rmsprop(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_ftrl(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_lamb(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_adagrad(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_groupadagrad(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_adadelta(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_adamax(const OptimizerParams& params);
std::unique_ptr<Optimizer> make_nadam(const OptimizerParams& params);

}  // namespace fitbench::optim
