// clip: values, the gradient at and beyond the bounds, and a finite-difference check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"
#include "op_test_util.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

const Attrs relu6{{"a_min", "0"}, {"a_max", "6"}};

TEST(ClipOp, ClampsToTheBounds) {
  testing::expect_values(testing::forward_values("clip", relu6, {-3.0f, 0.0f, 2.5f, 6.0f, 6.5f, 100.0f}),
                         {0.0f, 0.0f, 2.5f, 6.0f, 6.0f, 6.0f}, 0.0f);
}

TEST(ClipOp, GradientPassesInsideAndAtTheBoundsOnly) {
  auto op = create_operator("clip", relu6);
  Tensor x({5}), y = Tensor::zeros({5}), dy = Tensor::full({5}, 2.0f), dx = Tensor::zeros({5});
  const float values[] = {-0.5f, 0.0f, 3.0f, 6.0f, 7.0f};
  std::copy(std::begin(values), std::end(values), x.f32());
  op->forward({}, {x}, {y}, {});
  op->backward({}, {dy}, {x}, {y}, {dx}, {GradReq::Write}, {});
  const float expected[] = {0.0f, 2.0f, 2.0f, 2.0f, 0.0f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(dx.f32()[i], expected[i]) << "element " << i;
}

TEST(ClipOp, MatchesFiniteDifferences) {
  testing::GradCheckOptions opt;
  // Inputs in [-1, 1] scaled to [-2, 2] around bounds -0.5 and 0.5, kept
  // a step away from the kinks.
  opt.fill = [](std::vector<Tensor>& in, std::mt19937_64&) {
    for (int64_t i = 0; i < in[0].size(); ++i) {
      float& x = in[0].f32()[i];
      x *= 2.0f;
      if (std::abs(std::abs(x) - 0.5f) < 0.05f) x += 0.1f;
    }
  };
  testing::check_gradient("clip", {{"a_min", "-0.5"}, {"a_max", "0.5"}}, {Shape{2, 3, 5}}, opt);
}

TEST(ClipOp, NeedsBothBoundsInOrder) {
  EXPECT_THAT(test::error_message([] { create_operator("clip", {{"a_min", "0"}}); }), HasSubstr("a_max"));
  EXPECT_THAT(test::error_message([] { create_operator("clip", {{"a_min", "2"}, {"a_max", "1"}}); }),
              HasSubstr("larger than"));
  EXPECT_THROW(create_operator("clip", {{"a_min", "0"}, {"a_max", "6"}, {"a_mid", "3"}}), Error);
}

}  // namespace
}  // namespace fitbench
