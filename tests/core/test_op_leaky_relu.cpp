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

std::vector<float> leaky(const Attrs& attrs, const std::vector<float>& x) {
  return testing::forward_values("LeakyReLU", attrs, x);
}

void expect_values(const std::vector<float>& actual, const std::vector<float>& expected) {
  testing::expect_values(actual, expected, 1e-6f);
}

TEST(LeakyReluOp, DefaultIsLeakyWithQuarterSlope) {
  expect_values(leaky({}, {-2.0f, -0.4f, 0.0f, 1.5f}), {-0.5f, -0.1f, 0.0f, 1.5f});
}

TEST(LeakyReluOp, LeakyUsesSlope) {
  expect_values(leaky({{"act_type", "leaky"}, {"slope", "0.1"}}, {-2.0f, 3.0f}), {-0.2f, 3.0f});
}

TEST(LeakyReluOp, EluUsesSlopeAsAlpha) {
  expect_values(leaky({{"act_type", "elu"}, {"slope", "0.5"}}, {-1.0f, -3.0f, 2.0f}),
                {0.5f * (std::exp(-1.0f) - 1.0f), 0.5f * (std::exp(-3.0f) - 1.0f), 2.0f});
}

struct GradCase {
  const char* act_type;
  const char* slope;
};

class LeakyReluGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(LeakyReluGradient, MatchesFiniteDifferences) {
  GradCheckOptions opt;
  // Keep inputs away from the kink at 0.
  opt.fill = [](std::vector<Tensor>& in, std::mt19937_64&) {
    for (int64_t i = 0; i < in[0].size(); ++i) {
      float& x = in[0].f32()[i];
      x = x >= 0 ? x + 0.05f : x - 0.05f;
    }
  };
  check_gradient("LeakyReLU", {{"act_type", GetParam().act_type}, {"slope", GetParam().slope}},
                 {Shape{2, 3, 4}}, opt);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, LeakyReluGradient,
                         ::testing::Values(GradCase{"leaky", "0.25"}, GradCase{"leaky", "0.01"},
                                           GradCase{"elu", "1.0"}, GradCase{"elu", "0.3"}));

TEST(LeakyReluOp, UnsupportedTypesSayNotSupportedYet) {
  for (const char* t : {"prelu", "rrelu", "selu", "gelu"}) {
    const auto make = [&] { create_operator("LeakyReLU", {{"act_type", t}}); };
    EXPECT_THAT(test::error_message(make), AllOf(HasSubstr("not supported yet"), HasSubstr(t)));
  }
  EXPECT_THROW(create_operator("LeakyReLU", {{"act_type", "swish"}}), Error);
  EXPECT_THROW(create_operator("LeakyReLU", {{"alpha", "0.1"}}), Error);
  EXPECT_NO_THROW(create_operator("LeakyReLU", {{"lower_bound", "0.125"}, {"upper_bound", "0.334"}}));
}

TEST(LeakyReluOp, NullRequestLeavesGradientAlone) {
  auto op = create_operator("LeakyReLU", {});
  Tensor x = Tensor::full({3}, -1.0f), y = Tensor::zeros({3}), dy = Tensor::full({3}, 1.0f);
  Tensor dx = Tensor::full({3}, 7.0f);
  op->forward({}, {x}, {y}, {});
  op->backward({}, {dy}, {x}, {y}, {dx}, {GradReq::Null}, {});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dx.f32()[i], 7.0f);
}

TEST(LeakyReluOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("LeakyReLU", {});
  std::vector<Shape> in{Shape{4, 5}}, out{Shape{5, 4}}, aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("(4, 5)"), HasSubstr("(5, 4)")));
}

}  // namespace
}  // namespace fitbench
