// Learning-rate schedulers with MXNet's arithmetic (python/mxnet/lr_scheduler.py).
//
// A scheduler is called with the optimizer's update count, which starts at 1
// and is incremented before the learning rate is read.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fitbench {

struct Warmup {
  int64_t steps = 0;        // warmup_steps
  double begin_lr = 0.0;    // warmup_begin_lr
  std::string mode = "linear";  // "linear" or "constant"
};

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  // The learning rate for update `num_update` (>= 1). Advances the schedule
  // (a step that has passed stays taken) and logs each change.
  virtual double operator()(int64_t num_update) = 0;
  // What operator() would return for `num_update`, changing nothing and logging nothing.
  virtual double peek(int64_t num_update) const = 0;
  // The rate the schedule currently starts from (what set_lr changes).
  virtual double base_lr() const = 0;
  virtual void set_base_lr(double lr) = 0;
  // Where "Update[%d]: Change learning rate to %0.5e" lines go.
  void set_logger(std::function<void(const std::string&)> log) { log_ = std::move(log); }

 protected:
  std::function<void(const std::string&)> log_;
};

// Every factory throws Error for arguments MXNet rejects (steps not increasing
// integers >= 1, factor > 1, warmup_begin_lr above base_lr, an unknown warmup
// mode, max_update not above warmup steps).
//
// MultiFactorScheduler(step, factor): lr *= factor once num_update > step[i].
std::unique_ptr<LRScheduler> make_multi_factor_scheduler(std::vector<int64_t> steps, double factor,
                                                         double base_lr, Warmup warmup = {});
// FactorScheduler(step, factor, stop_factor_lr).
std::unique_ptr<LRScheduler> make_factor_scheduler(int64_t step, double factor, double base_lr,
                                                   double stop_factor_lr = 1e-8, Warmup warmup = {});
// PolyScheduler(max_update, base_lr, pwr, final_lr): final_lr once num_update > max_update.
std::unique_ptr<LRScheduler> make_poly_scheduler(int64_t max_update, double base_lr, double pwr = 2.0,
                                                 double final_lr = 0.0, Warmup warmup = {});
// CosineScheduler(max_update, base_lr, final_lr).
std::unique_ptr<LRScheduler> make_cosine_scheduler(int64_t max_update, double base_lr,
                                                   double final_lr = 0.0, Warmup warmup = {});

}  // namespace fitbench
