// Initializers: MXNet's name rules and scales, statistics of the random
// fills, determinism for a seed, and the --initializer choices of fit.py.
// Statistical tolerances are 6 or more standard errors of the estimate.
#include "fitbench/initializer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/error.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

struct Moments {
  double mean;
  double stddev;
  float min;
  float max;
};

Moments moments(const Tensor& t) {
  double sum = 0.0, sum_sq = 0.0;
  float lo = t.f32()[0], hi = t.f32()[0];
  for (int64_t i = 0; i < t.size(); ++i) {
    const float v = t.f32()[i];
    sum += v;
    sum_sq += static_cast<double>(v) * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double n = static_cast<double>(t.size());
  const double mean = sum / n;
  return {mean, std::sqrt(sum_sq / n - mean * mean), lo, hi};
}

bool same_values(const Tensor& a, const Tensor& b) {
  if (a.size() != b.size()) return false;
  for (int64_t i = 0; i < a.size(); ++i)
    if (a.f32()[i] != b.f32()[i]) return false;
  return true;
}

// Xavier(uniform, avg, 3) on a (64, 32, 3, 3) convolution weight:
// fan_in = 32*9 = 288, fan_out = 64*9 = 576, scale = sqrt(3 / 432);
// U(-scale, scale) has standard deviation scale / sqrt(3).
TEST(Xavier, UniformAvgStaysInBoundsWithTheRightSpread) {
  Tensor w(Shape{64, 32, 3, 3});
  std::mt19937_64 rng(7);
  (*make_xavier("uniform", "avg", 3))("conv0_weight", w, rng);
  const double scale = std::sqrt(3.0 / 432.0);
  const Moments m = moments(w);
  EXPECT_GE(m.min, -scale);
  EXPECT_LE(m.max, scale);
  EXPECT_GT(m.max, 0.99 * scale);  // the whole range is used
  EXPECT_NEAR(m.mean, 0.0, 0.03 * scale);
  EXPECT_NEAR(m.stddev, scale / std::sqrt(3.0), 0.02 * scale);
}

// Xavier(gaussian, in, 2), fit.py's default: N(0, sqrt(2 / fan_in)) with fan_in = 128.
TEST(Xavier, GaussianInHasStddevSqrtTwoOverFanIn) {
  Tensor w(Shape{256, 128});
  std::mt19937_64 rng(11);
  (*make_xavier("gaussian", "in", 2))("fc1_weight", w, rng);
  const Moments m = moments(w);
  EXPECT_NEAR(m.mean, 0.0, 0.005);
  EXPECT_NEAR(m.stddev, 0.125, 0.003);
}

// factor out: fan_out = 10 -> N(0, sqrt(2 / 10)).
TEST(Xavier, GaussianOutUsesFanOut) {
  Tensor w(Shape{10, 2000});
  std::mt19937_64 rng(3);
  (*make_xavier("gaussian", "out", 2))("fc_weight", w, rng);
  EXPECT_NEAR(moments(w).stddev, std::sqrt(0.2), 0.015);
}

TEST(Xavier, RejectsVectorsAndBadSettings) {
  std::mt19937_64 rng(1);
  auto xavier = make_xavier("uniform", "avg", 3);
  Tensor vector(Shape{10});
  EXPECT_THROW((*xavier)("fc_weight", vector, rng), Error);
  EXPECT_THROW(make_xavier("cauchy", "avg", 3), Error);
  EXPECT_THROW(make_xavier("uniform", "sum", 3), Error);
}

// MSRAPrelu(avg, 0.25) is Xavier(gaussian, avg, 2 / 1.0625): fan avg = (100 + 400) / 2.
TEST(Msra, IsXavierGaussianWithThePreluMagnitude) {
  auto msra = make_msra();
  EXPECT_EQ(msra->describe(), "MSRAPrelu(factor_type=avg, slope=0.25)");
  Tensor w(Shape{400, 100});
  std::mt19937_64 rng(5);
  (*msra)("fc_weight", w, rng);
  EXPECT_NEAR(moments(w).stddev, std::sqrt(2.0 / 1.0625 / 250.0), 0.002);
}

TEST(Initializer, NormalUniformAndConstantWeights) {
  std::mt19937_64 rng(9);
  Tensor w(Shape{100, 100});
  (*make_normal(0.5f))("fc_weight", w, rng);
  EXPECT_NEAR(moments(w).stddev, 0.5, 0.025);
  (*make_uniform(0.07f))("fc_weight", w, rng);
  EXPECT_GE(moments(w).min, -0.07f);
  EXPECT_LE(moments(w).max, 0.07f);
  (*make_constant(1.0f))("fc_weight", w, rng);
  EXPECT_EQ(moments(w).min, 1.0f);
  EXPECT_EQ(moments(w).max, 1.0f);
}

// Only the weight is random; the rest follow MXNet's suffix rules whatever the initializer.
TEST(Initializer, NameRules) {
  auto init = make_xavier("gaussian", "in", 2);
  std::mt19937_64 rng(1);
  const std::vector<std::pair<std::string, float>> fixed = {
      {"fc1_bias", 0.0f},        {"bn1_gamma", 1.0f},      {"bn1_beta", 0.0f},
      {"bn1_moving_mean", 0.0f}, {"bn1_moving_var", 1.0f},
  };
  for (const auto& [name, value] : fixed) {
    Tensor t = Tensor::full(Shape{4}, 0.5f);
    (*init)(name, t, rng);
    EXPECT_EQ(moments(t).min, value) << name;
    EXPECT_EQ(moments(t).max, value) << name;
  }
  Tensor w = Tensor::zeros(Shape{4, 4});
  (*init)("embedweight", w, rng);  // MXNet matches the ending "weight", underscore or not
  EXPECT_GT(moments(w).stddev, 0.0);
}

TEST(Initializer, UnknownNamesAndArraysAreErrors) {
  auto init = make_normal();
  std::mt19937_64 rng(1);
  Tensor t(Shape{4});
  EXPECT_THAT(test::error_message([&] { (*init)("fc1_scale", t, rng); }), HasSubstr("fc1_scale"));
  Tensor ints(Shape{4}, DType::Int32);
  EXPECT_THROW((*init)("fc1_bias", ints, rng), Error);
}

TEST(Initializer, ValuesDependOnlyOnTheSeed) {
  auto init = make_xavier("uniform", "avg", 3);
  Tensor a(Shape{8, 8}), b(Shape{8, 8}), c(Shape{8, 8});
  std::mt19937_64 rng_a(42), rng_b(42), rng_c(43);
  (*init)("fc_weight", a, rng_a);
  (*init)("fc_weight", b, rng_b);
  (*init)("fc_weight", c, rng_c);
  EXPECT_TRUE(same_values(a, b));
  EXPECT_FALSE(same_values(a, c));
}

// initialize_sorted draws in name order whatever the listing order.
TEST(Initializer, SortedOrderIgnoresListingOrder) {
  auto init = make_normal(1.0f);
  const std::vector<std::string> names = {"fc2_weight", "fc1_bias", "fc1_weight"};
  auto fresh = [&] {
    std::vector<std::pair<std::string, Tensor>> arrays;
    for (const auto& n : names) arrays.emplace_back(n, Tensor(Shape{3, 5}));
    return arrays;
  };
  auto listed = fresh();
  std::mt19937_64 rng_listed(123);
  initialize_sorted(*init, listed, rng_listed);

  auto reversed = fresh();
  std::mt19937_64 rng_reversed(123);
  initialize_sorted(*init, {reversed.rbegin(), reversed.rend()}, rng_reversed);

  auto by_hand = fresh();  // fc1_bias, fc1_weight, fc2_weight
  std::mt19937_64 rng_hand(123);
  (*init)("fc1_bias", by_hand[1].second, rng_hand);
  (*init)("fc1_weight", by_hand[2].second, rng_hand);
  (*init)("fc2_weight", by_hand[0].second, rng_hand);

  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_TRUE(same_values(listed[i].second, reversed[i].second)) << names[i];
    EXPECT_TRUE(same_values(listed[i].second, by_hand[i].second)) << names[i];
  }
}

TEST(CreateInitializer, FollowsFitPy) {
  EXPECT_EQ(create_initializer("default", "alexnet")->describe(), "Normal(sigma=0.01)");
  EXPECT_EQ(create_initializer("default", "vgg16")->describe(),
            "Xavier(rnd_type=uniform, factor_type=avg, magnitude=3)");
  EXPECT_EQ(create_initializer("default", "resnet")->describe(),
            "Xavier(rnd_type=gaussian, factor_type=in, magnitude=2)");
  EXPECT_EQ(create_initializer("xavier", "resnet")->describe(),
            "Xavier(rnd_type=uniform, factor_type=avg, magnitude=3)");
  EXPECT_EQ(create_initializer("msra", "mlp")->describe(), "MSRAPrelu(factor_type=avg, slope=0.25)");
  EXPECT_EQ(create_initializer("normal", "mlp")->describe(), "Normal(sigma=0.01)");
  EXPECT_EQ(create_initializer("uniform", "mlp")->describe(), "Uniform(scale=0.07)");
  EXPECT_EQ(create_initializer("zero", "mlp")->describe(), "Zero()");
  EXPECT_EQ(create_initializer("one", "mlp")->describe(), "One()");
}

TEST(CreateInitializer, RejectsOrthogonalAndUnknownNames) {
  EXPECT_THAT(test::error_message([&] { create_initializer("orthogonal", "mlp"); }),
              HasSubstr("not supported yet"));
  try {
    create_initializer("glorot", "mlp");
    FAIL() << "glorot was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--initializer"), std::string::npos) << message;
    EXPECT_NE(message.find("xavier"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace fitbench
