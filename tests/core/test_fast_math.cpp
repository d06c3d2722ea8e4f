// fast::exp, expm1, tanh, sigmoid against double-precision libm over a sweep
// of float bit patterns (every size from subnormal to huge, both signs), and
// at the edges of their domains.
#include "ops/cpu/fast_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace fitbench {
namespace {

namespace fast = cpu::fast;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr double kMaxRelError = 2e-7;

// Every 509th positive float bit pattern, then its negation; with 0 and the
// smallest subnormal. About 8 million values.
template <class Check>
void for_sweep(Check check) {
  check(0.0f);
  check(-0.0f);
  for (uint32_t bits = 1; bits < 0x7f800000u; bits += 509) {
    const float x = std::bit_cast<float>(bits);
    check(x);
    check(-x);
  }
}

// Error at most kMaxRelError relative, or one step where the exact result is
// subnormal (a subnormal has fewer significant bits). Reports the worst ratio
// of error to that allowance.
template <class Fast, class Exact>
void expect_accurate(const std::string& name, Fast f, Exact exact, float lo, float hi) {
  double worst = 0;
  float worst_x = 0;
  int64_t checked = 0;
  for_sweep([&](float x) {
    if (x < lo || x > hi) return;
    const double want = exact(static_cast<double>(x));
    const double allowed = std::max(kMaxRelError * std::fabs(want),
                                    static_cast<double>(std::numeric_limits<float>::denorm_min()));
    const double got = f(x);
    const double ratio = std::isnan(got) ? kInf : std::fabs(got - want) / allowed;
    if (ratio > worst) {
      worst = ratio;
      worst_x = x;
    }
    ++checked;
  });
  EXPECT_GT(checked, 100000) << name;
  EXPECT_LE(worst, 1.0) << name << " at x = " << worst_x;
}

TEST(FastMath, ExpIsAccurate) {
  expect_accurate(
      "exp", fast::exp, [](double x) { return std::exp(x); }, -103.9f, 88.72f);
}

TEST(FastMath, Expm1IsAccurate) {
  expect_accurate(
      "expm1", fast::expm1, [](double x) { return std::expm1(x); }, -kInf, 88.37f);
}

TEST(FastMath, TanhIsAccurate) {
  expect_accurate(
      "tanh", fast::tanh, [](double x) { return std::tanh(x); }, -kInf, kInf);
}

TEST(FastMath, SigmoidIsAccurate) {
  expect_accurate(
      "sigmoid", fast::sigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -87.0f, kInf);
}

TEST(FastMath, DomainEdges) {
  EXPECT_EQ(fast::exp(0.0f), 1.0f);
  EXPECT_EQ(fast::exp(88.73f), kInf);
  EXPECT_EQ(fast::exp(1e30f), kInf);
  EXPECT_EQ(fast::exp(kInf), kInf);
  EXPECT_EQ(fast::exp(-104.0f), 0.0f);
  EXPECT_EQ(fast::exp(-kInf), 0.0f);
  EXPECT_EQ(fast::expm1(0.0f), 0.0f);
  EXPECT_EQ(fast::expm1(1e-30f), 1e-30f);
  EXPECT_EQ(fast::expm1(-20.0f), -1.0f);
  EXPECT_EQ(fast::expm1(-kInf), -1.0f);
  EXPECT_EQ(fast::expm1(88.4f), kInf);
  EXPECT_EQ(fast::tanh(1e-30f), 1e-30f);
  EXPECT_TRUE(std::signbit(fast::tanh(-0.0f)));
  EXPECT_EQ(fast::tanh(10.0f), 1.0f);
  EXPECT_EQ(fast::tanh(-1e30f), -1.0f);
  EXPECT_EQ(fast::tanh(-kInf), -1.0f);
  EXPECT_EQ(fast::sigmoid(0.0f), 0.5f);
  EXPECT_EQ(fast::sigmoid(100.0f), 1.0f);
  EXPECT_EQ(fast::sigmoid(-100.0f), 0.0f);
  EXPECT_EQ(fast::sigmoid(-kInf), 0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(fast::exp(nan)));
  EXPECT_TRUE(std::isnan(fast::expm1(nan)));
  EXPECT_TRUE(std::isnan(fast::tanh(nan)));
  EXPECT_TRUE(std::isnan(fast::sigmoid(nan)));
}

}  // namespace
}  // namespace fitbench
