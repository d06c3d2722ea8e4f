#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "file_test_util.h"
#include "gradcheck.h"
#include "op_test_util.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using testing::check_gradient;
using testing::GradCheckOptions;

const std::vector<float> kInputs = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f, 30.0f};

std::vector<float> activate(const std::string& act_type, const std::vector<float>& x) {
  return testing::forward_values("Activation", {{"act_type", act_type}}, x);
}

void expect_values(const std::vector<float>& actual, const std::vector<float>& expected) {
  testing::expect_values(actual, expected, 1e-5f);
}

TEST(ActivationOp, ForwardValues) {
  expect_values(activate("relu", kInputs), {0, 0, 0, 0.5f, 2, 30});
  expect_values(activate("sigmoid", kInputs),
                {0.11920292f, 0.37754067f, 0.5f, 0.62245933f, 0.88079708f, 1.0f});
  expect_values(activate("tanh", kInputs), {-0.96402758f, -0.46211716f, 0, 0.46211716f, 0.96402758f, 1.0f});
  expect_values(activate("softrelu", kInputs),
                {0.12692801f, 0.47407698f, 0.69314718f, 0.97407698f, 2.12692801f, 30});
  expect_values(activate("softsign", kInputs), {-2.0f / 3, -1.0f / 3, 0, 1.0f / 3, 2.0f / 3, 30.0f / 31});
}

// Long enough to run threaded through the vectorized loops: tanh and sigmoid
// stay within a few ulp of libm, relu's slope selects dy or 0.
TEST(ActivationOp, LongInputsMatchLibm) {
  const int64_t n = 100003;
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = -12.0f + 24.0f * static_cast<float>(i) / n;
  const std::vector<float> t = activate("tanh", x), s = activate("sigmoid", x), r = activate("relu", x);
  for (size_t i = 0; i < x.size(); ++i) {
    const double tanh = std::tanh(static_cast<double>(x[i])), sigmoid = 1.0 / (1.0 + std::exp(-double{x[i]}));
    ASSERT_NEAR(t[i], tanh, 2e-7 * std::fabs(tanh)) << x[i];
    ASSERT_NEAR(s[i], sigmoid, 2e-7 * sigmoid) << x[i];
  }
  auto op = create_operator("Activation", {{"act_type", "relu"}});
  Tensor in({n}), out({n}), dy({n}), dx({n});
  std::copy(x.begin(), x.end(), in.f32());
  std::copy(r.begin(), r.end(), out.f32());
  for (int64_t i = 0; i < n; ++i) dy.f32()[i] = static_cast<float>(i % 7) - 3.0f;
  op->backward({}, {dy}, {in}, {out}, {dx}, {GradReq::Write}, {});
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(dx.f32()[i], x[static_cast<size_t>(i)] > 0.0f ? dy.f32()[i] : 0.0f) << i;
}

class ActivationGradient : public ::testing::TestWithParam<const char*> {};

TEST_P(ActivationGradient, MatchesFiniteDifferences) {
  GradCheckOptions opt;
  // Keep inputs away from relu's kink, where finite differences are meaningless.
  opt.fill = [](std::vector<Tensor>& in, std::mt19937_64&) {
    for (int64_t i = 0; i < in[0].size(); ++i) {
      float& x = in[0].f32()[i];
      x = x >= 0 ? x + 0.05f : x - 0.05f;
    }
  };
  check_gradient("Activation", {{"act_type", GetParam()}}, {Shape{3, 4, 5}}, opt);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ActivationGradient,
                         ::testing::Values("relu", "sigmoid", "tanh", "softrelu", "softsign"));

TEST(ActivationOp, NullRequestLeavesGradientAlone) {
  auto op = create_operator("Activation", {{"act_type", "tanh"}});
  Tensor x = Tensor::full({4}, 0.5f), y = Tensor::zeros({4}), dy = Tensor::full({4}, 1.0f);
  Tensor dx = Tensor::full({4}, 7.0f);
  op->forward({}, {x}, {y}, {});
  op->backward({}, {dy}, {x}, {y}, {dx}, {GradReq::Null}, {});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(dx.f32()[i], 7.0f);
}

TEST(ActivationOp, InfersShapeBothWays) {
  auto op = create_operator("Activation", {{"act_type", "relu"}});
  std::vector<Shape> in{Shape{2, 3}}, out(1), aux;
  op->infer_shape(in, out, aux);
  EXPECT_EQ(out[0], (Shape{2, 3}));
  in = {Shape{}};
  op->infer_shape(in, out, aux);
  EXPECT_EQ(in[0], (Shape{2, 3}));
}

TEST(ActivationOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("Activation", {{"act_type", "relu"}});
  std::vector<Shape> in{Shape{2, 3}}, out{Shape{3, 2}}, aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("(2, 3)"), HasSubstr("(3, 2)")));
}

TEST(ActivationOp, RejectsBadAttributes) {
  EXPECT_THROW(create_operator("Activation", {}), Error);
  EXPECT_THROW(create_operator("Activation", {{"act_type", "swish"}}), Error);
  EXPECT_THROW(create_operator("Activation", {{"act_type", "relu"}, {"slope", "0.1"}}), Error);
  EXPECT_NO_THROW(create_operator("Activation", {{"act_type", "relu"}, {"__lr_mult__", "2"}}));
}

}  // namespace
}  // namespace fitbench
