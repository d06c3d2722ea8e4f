// Learning-rate schedules against values worked out by hand from MXNet 1.9's
// lr_scheduler.py (docs/mxnet-compatibility.md section 3.2); MXNet 1.9.1 gives the same
// floats and log lines for every case here.
#include "fitbench/lr_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fitbench/error.h"

namespace fitbench {
namespace {

// Collects the scheduler's log lines.
struct LogCapture {
  std::vector<std::string> lines;
  void attach(LRScheduler& s) {
    s.set_logger([this](const std::string& line) { lines.push_back(line); });
  }
};

// train_mnist's schedule: 938 batches per epoch, lr-step-epochs 1,2, lr 0.05.
TEST(MultiFactorScheduler, DropsStrictlyAfterEachStep) {
  auto s = make_multi_factor_scheduler({938, 1876}, 0.1f, 0.05f);
  LogCapture log;
  log.attach(*s);
  EXPECT_FLOAT_EQ((*s)(1), 0.05f);
  EXPECT_FLOAT_EQ((*s)(938), 0.05f);
  EXPECT_TRUE(log.lines.empty());
  EXPECT_FLOAT_EQ((*s)(939), 0.005f);
  EXPECT_FLOAT_EQ((*s)(1876), 0.005f);
  EXPECT_FLOAT_EQ((*s)(1877), 0.0005f);
  EXPECT_FLOAT_EQ((*s)(5000), 0.0005f);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"Update[939]: Change learning rate to 5.00000e-03",
                                                 "Update[1877]: Change learning rate to 5.00000e-04"}));
}

// A resumed run asks first for a late update and takes every passed step at once.
TEST(MultiFactorScheduler, TakesAllPassedStepsOnResume) {
  auto s = make_multi_factor_scheduler({938, 1876}, 0.1f, 0.05f);
  LogCapture log;
  log.attach(*s);
  EXPECT_FLOAT_EQ((*s)(2000), 0.0005f);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"Update[2000]: Change learning rate to 5.00000e-03",
                                                 "Update[2000]: Change learning rate to 5.00000e-04"}));
}

TEST(MultiFactorScheduler, PeekChangesNothing) {
  auto s = make_multi_factor_scheduler({10}, 0.1f, 0.05f);
  LogCapture log;
  log.attach(*s);
  EXPECT_FLOAT_EQ(s->peek(11), 0.005f);
  EXPECT_TRUE(log.lines.empty());
  EXPECT_FLOAT_EQ((*s)(10), 0.05f);
  EXPECT_FLOAT_EQ(s->base_lr(), 0.05f);
}

TEST(MultiFactorScheduler, SetBaseLrContinuesTheSchedule) {
  auto s = make_multi_factor_scheduler({10, 20}, 0.1f, 0.05f);
  EXPECT_FLOAT_EQ((*s)(11), 0.005f);
  s->set_base_lr(0.01f);
  EXPECT_FLOAT_EQ(s->base_lr(), 0.01f);
  EXPECT_FLOAT_EQ((*s)(12), 0.01f);
  EXPECT_FLOAT_EQ((*s)(21), 0.001f);
}

TEST(MultiFactorScheduler, RejectsWhatMxnetRejects) {
  EXPECT_THROW(make_multi_factor_scheduler({}, 0.1f, 0.05f), Error);
  EXPECT_THROW(make_multi_factor_scheduler({0, 5}, 0.1f, 0.05f), Error);
  EXPECT_THROW(make_multi_factor_scheduler({5, 5}, 0.1f, 0.05f), Error);
  EXPECT_THROW(make_multi_factor_scheduler({5, 3}, 0.1f, 0.05f), Error);
  EXPECT_THROW(make_multi_factor_scheduler({5}, 1.5f, 0.05f), Error);
}

// lr = 0.01 + (0.05 - 0.01) * nu / 4 while nu < 4, then the schedule proper.
TEST(Warmup, LinearRampsFromBeginToBase) {
  auto s = make_multi_factor_scheduler({6}, 0.1f, 0.05f, Warmup{4, 0.01f, "linear"});
  EXPECT_FLOAT_EQ((*s)(1), 0.02f);
  EXPECT_FLOAT_EQ((*s)(2), 0.03f);
  EXPECT_FLOAT_EQ((*s)(3), 0.04f);
  EXPECT_FLOAT_EQ((*s)(4), 0.05f);
  EXPECT_FLOAT_EQ((*s)(7), 0.005f);
}

TEST(Warmup, ConstantHoldsTheBeginRate) {
  auto s = make_factor_scheduler(100, 0.5f, 0.1f, 1e-8f, Warmup{3, 0.001f, "constant"});
  EXPECT_FLOAT_EQ((*s)(1), 0.001f);
  EXPECT_FLOAT_EQ((*s)(2), 0.001f);
  EXPECT_FLOAT_EQ((*s)(3), 0.1f);
}

TEST(Warmup, RejectsBadSettings) {
  EXPECT_THROW(make_multi_factor_scheduler({6}, 0.1f, 0.05f, Warmup{4, 0.1f, "linear"}), Error);
  EXPECT_THROW(make_multi_factor_scheduler({6}, 0.1f, 0.05f, Warmup{4, 0.0f, "cubic"}), Error);
  EXPECT_THROW(make_multi_factor_scheduler({6}, 0.1f, 0.05f, Warmup{-1, 0.0f, "linear"}), Error);
}

// Every 2 updates lr halves, until it would fall under 0.02.
TEST(FactorScheduler, HalvesEveryStepDownToTheFloor) {
  auto s = make_factor_scheduler(2, 0.5f, 0.1f, 0.02f);
  LogCapture log;
  log.attach(*s);
  EXPECT_FLOAT_EQ((*s)(1), 0.1f);
  EXPECT_FLOAT_EQ((*s)(2), 0.1f);
  EXPECT_FLOAT_EQ((*s)(3), 0.05f);
  EXPECT_FLOAT_EQ((*s)(5), 0.025f);
  EXPECT_FLOAT_EQ((*s)(7), 0.02f);
  EXPECT_EQ(
      log.lines,
      (std::vector<std::string>{
          "Update[3]: Change learning rate to 5.00000e-02", "Update[5]: Change learning rate to 2.50000e-02",
          "Update[7]: now learning rate arrived at 2.00000e-02, will not change in the future"}));
  EXPECT_THROW(make_factor_scheduler(0, 0.5f, 0.1f), Error);
  EXPECT_THROW(make_factor_scheduler(2, 2.0f, 0.1f), Error);
}

// lr = final + (base - final) * (1 - nu / 10)^2, final after update 10.
TEST(PolyScheduler, DecaysToFinal) {
  auto s = make_poly_scheduler(10, 0.1f, 2.0f, 0.001f);
  EXPECT_FLOAT_EQ((*s)(5), 0.02575f);  // 0.001 + 0.099 * 0.25
  EXPECT_FLOAT_EQ((*s)(9), 0.00199f);  // 0.001 + 0.099 * 0.01
  EXPECT_FLOAT_EQ((*s)(10), 0.001f);
  EXPECT_FLOAT_EQ((*s)(11), 0.001f);
}

// With 3 warmup updates the decay spans updates 3..10 (max_steps 7).
TEST(PolyScheduler, DecayStartsAfterWarmup) {
  auto s = make_poly_scheduler(10, 0.1f, 1.0f, 0.0f, Warmup{3, 0.02f, "linear"});
  EXPECT_FLOAT_EQ((*s)(1), 0.02f + 0.08f / 3);
  EXPECT_FLOAT_EQ((*s)(3), 0.1f);
  EXPECT_FLOAT_EQ((*s)(8), 0.1f * 2 / 7);
  EXPECT_THROW(make_poly_scheduler(3, 0.1f, 2.0f, 0.0f, Warmup{3, 0.0f, "linear"}), Error);
  EXPECT_THROW(make_poly_scheduler(0, 0.1f), Error);
}

// lr = final + (base - final) * (1 + cos(pi * nu / 10)) / 2.
TEST(CosineScheduler, FollowsHalfACosine) {
  auto s = make_cosine_scheduler(10, 0.1f, 0.0f);
  EXPECT_FLOAT_EQ((*s)(5), 0.05f);
  EXPECT_NEAR((*s)(10), 0.0f, 1e-12);
  auto with_final = make_cosine_scheduler(10, 0.1f, 0.02f);
  EXPECT_FLOAT_EQ(with_final->peek(5), 0.06f);
  EXPECT_FLOAT_EQ(with_final->peek(12), 0.02f);
}

}  // namespace
}  // namespace fitbench
