// Learning-rate schedulers, following python/mxnet/lr_scheduler.py of MXNet 1.9
// operation for operation, in doubles as Python computes them.
#include "fitbench/lr_scheduler.h"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <utility>

#include "fitbench/error.h"

namespace fitbench {

namespace {

// Warmup, the base rate and logging: what MXNet's LRScheduler base class holds.
class Schedule : public LRScheduler {
 public:
  Schedule(double base_lr, Warmup warmup)
      : base_(base_lr),
        warmup_(std::move(warmup)),
        warmup_begin_(warmup_.begin_lr) {
    if (warmup_.steps < 0) fail("warmup steps must be 0 or more (got ", warmup_.steps, ")");
    if (warmup_.mode != "linear" && warmup_.mode != "constant")
      fail("warmup mode must be \"linear\" or \"constant\" (got \"", warmup_.mode, "\")");
    if (warmup_begin_ > base_)
      fail("the warmup begin learning rate (", warmup_.begin_lr, ") must not exceed the base learning rate (",
           base_lr, ")");
  }

  double operator()(int64_t num_update) final {
    return num_update < warmup_.steps ? warmup_lr(num_update) : advance(num_update);
  }
  double peek(int64_t num_update) const final {
    return num_update < warmup_.steps ? warmup_lr(num_update) : look_ahead(num_update);
  }
  double base_lr() const final { return base_; }
  void set_base_lr(double lr) final { base_ = lr; }

 protected:
  // The rate after warmup; advance() may move the schedule on and log, look_ahead() may not.
  virtual double advance(int64_t num_update) = 0;
  virtual double look_ahead(int64_t num_update) const = 0;

  void write_log(const char* format, int64_t num_update, double lr) const {
    if (!log_) return;
    char line[128];
    std::snprintf(line, sizeof line, format, static_cast<long long>(num_update), lr);
    log_(line);
  }

  // MXNet's base_lr: the current rate for the step schedules, the starting one for poly and cosine.
  double base_;
  int64_t warmup_steps() const { return warmup_.steps; }

 private:
  // MXNet ramps towards warmup_final_lr, the base rate given at construction;
  // using base_ instead also follows a set_base_lr made during warmup (the
  // step schedules change base_ only after warmup).
  double warmup_lr(int64_t num_update) const {
    if (warmup_.mode == "constant") return warmup_begin_;
    const double increase =
        (base_ - warmup_begin_) * static_cast<double>(num_update) / static_cast<double>(warmup_.steps);
    return warmup_begin_ + increase;
  }

  Warmup warmup_;
  double warmup_begin_;
};

void check_factor(double factor) {
  if (factor > 1.0)
    fail("the learning-rate factor must be at most 1 so the rate decreases (got ", factor, ")");
}

constexpr const char* kChangeLine = "Update[%lld]: Change learning rate to %0.5e";

class MultiFactorScheduler final : public Schedule {
 public:
  MultiFactorScheduler(std::vector<int64_t> steps, double factor, double base_lr, Warmup warmup)
      : Schedule(base_lr, std::move(warmup)), steps_(std::move(steps)), factor_(factor) {
    if (steps_.empty()) fail("a multi-factor learning-rate schedule needs at least one step");
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i] < 1) fail("learning-rate schedule steps must be 1 or more (got ", steps_[i], ")");
      if (i > 0 && steps_[i] <= steps_[i - 1])
        fail("learning-rate schedule steps must increase (got ", steps_[i - 1], " then ", steps_[i], ")");
    }
    check_factor(factor);
  }

 private:
  struct Position {
    double lr;
    size_t next_step;
  };

  // A while loop rather than an if, as in MXNet, so a resumed run takes every passed step at once.
  Position step_to(int64_t num_update, bool logged) const {
    Position p{base_, next_step_};
    while (p.next_step < steps_.size() && num_update > steps_[p.next_step]) {
      p.lr *= factor_;
      ++p.next_step;
      if (logged) write_log(kChangeLine, num_update, p.lr);
    }
    return p;
  }

  double advance(int64_t num_update) override {
    const Position p = step_to(num_update, true);
    base_ = p.lr;
    next_step_ = p.next_step;
    return base_;
  }
  double look_ahead(int64_t num_update) const override { return step_to(num_update, false).lr; }

  std::vector<int64_t> steps_;
  double factor_;
  size_t next_step_ = 0;
};

class FactorScheduler final : public Schedule {
 public:
  FactorScheduler(int64_t step, double factor, double base_lr, double stop_factor_lr, Warmup warmup)
      : Schedule(base_lr, std::move(warmup)),
        step_(step),
        factor_(factor),
        stop_lr_(stop_factor_lr) {
    if (step < 1) fail("the learning-rate schedule step must be 1 or more (got ", step, ")");
    check_factor(factor);
  }

 private:
  struct Position {
    double lr;
    int64_t count;
  };

  Position step_to(int64_t num_update, bool logged) const {
    Position p{base_, count_};
    while (num_update > p.count + step_) {
      p.count += step_;
      p.lr *= factor_;
      if (p.lr < stop_lr_) {
        p.lr = stop_lr_;
        if (logged)
          write_log("Update[%lld]: now learning rate arrived at %0.5e, will not change in the future",
                    num_update, p.lr);
      } else if (logged) {
        write_log(kChangeLine, num_update, p.lr);
      }
    }
    return p;
  }

  double advance(int64_t num_update) override {
    const Position p = step_to(num_update, true);
    base_ = p.lr;
    count_ = p.count;
    return base_;
  }
  double look_ahead(int64_t num_update) const override { return step_to(num_update, false).lr; }

  int64_t step_;
  double factor_;
  double stop_lr_;
  int64_t count_ = 0;
};

// Poly and cosine decay from base_ to final_lr over max_update - warmup steps.
// MXNet keeps returning the last rate it computed once num_update passes
// max_update; called every update that is final_lr, which we return directly.
class DecayScheduler : public Schedule {
 public:
  DecayScheduler(int64_t max_update, double base_lr, double final_lr, Warmup warmup)
      : Schedule(base_lr, std::move(warmup)), max_update_(max_update), final_(final_lr) {
    if (max_update < 1) fail("the maximum number of updates must be 1 or more (got ", max_update, ")");
    if (max_update <= warmup_steps())
      fail("the maximum number of updates (", max_update, ") must exceed the warmup steps (", warmup_steps(),
           ")");
  }

 protected:
  double max_steps() const { return static_cast<double>(max_update_ - warmup_steps()); }
  double decayed_steps(int64_t num_update) const { return static_cast<double>(num_update - warmup_steps()); }
  double final_lr() const { return final_; }

 private:
  virtual double decay(int64_t num_update) const = 0;

  double advance(int64_t num_update) override { return look_ahead(num_update); }
  double look_ahead(int64_t num_update) const override {
    return num_update <= max_update_ ? decay(num_update) : final_;
  }

  int64_t max_update_;
  double final_;
};

class PolyScheduler final : public DecayScheduler {
 public:
  PolyScheduler(int64_t max_update, double base_lr, double pwr, double final_lr, Warmup warmup)
      : DecayScheduler(max_update, base_lr, final_lr, std::move(warmup)), power_(pwr) {}

 private:
  double decay(int64_t num_update) const override {
    return final_lr() + (base_ - final_lr()) * std::pow(1 - decayed_steps(num_update) / max_steps(), power_);
  }

  double power_;
};

class CosineScheduler final : public DecayScheduler {
 public:
  using DecayScheduler::DecayScheduler;

 private:
  double decay(int64_t num_update) const override {
    return final_lr() + (base_ - final_lr()) *
                            (1 + std::cos(std::numbers::pi * decayed_steps(num_update) / max_steps())) / 2;
  }
};

}  // namespace

std::unique_ptr<LRScheduler> make_multi_factor_scheduler(std::vector<int64_t> steps, double factor,
                                                         double base_lr, Warmup warmup) {
  return std::make_unique<MultiFactorScheduler>(std::move(steps), factor, base_lr, std::move(warmup));
}

std::unique_ptr<LRScheduler> make_factor_scheduler(int64_t step, double factor, double base_lr,
                                                   double stop_factor_lr, Warmup warmup) {
  return std::make_unique<FactorScheduler>(step, factor, base_lr, stop_factor_lr, std::move(warmup));
}

std::unique_ptr<LRScheduler> make_poly_scheduler(int64_t max_update, double base_lr, double pwr, double final_lr,
                                                 Warmup warmup) {
  return std::make_unique<PolyScheduler>(max_update, base_lr, pwr, final_lr, std::move(warmup));
}

std::unique_ptr<LRScheduler> make_cosine_scheduler(int64_t max_update, double base_lr, double final_lr,
                                                   Warmup warmup) {
  return std::make_unique<CosineScheduler>(max_update, base_lr, final_lr, std::move(warmup));
}

}  // namespace fitbench
