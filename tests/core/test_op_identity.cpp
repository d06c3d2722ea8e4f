#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(IdentityOp, CopiesInput) {
  auto op = create_operator("identity", {});
  EXPECT_EQ(op->type(), std::string("_copy"));
  Tensor x({3});
  for (int i = 0; i < 3; ++i) x.f32()[i] = static_cast<float>(i) - 1.5f;
  Tensor y = Tensor::zeros({3});
  op->forward({}, {x}, {y}, {});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(y.f32()[i], x.f32()[i]);
  EXPECT_NE(y.raw(), x.raw());
}

TEST(IdentityOp, GradientMatchesFiniteDifferences) { testing::check_gradient("_copy", {}, {Shape{2, 5}}); }

TEST(IdentityOp, NullRequestLeavesGradientAlone) {
  auto op = create_operator("_copy", {});
  Tensor dx = Tensor::full({2}, 7.0f);
  op->backward({}, {Tensor::full({2}, 1.0f)}, {Tensor::zeros({2})}, {Tensor::zeros({2})}, {dx},
               {GradReq::Null}, {});
  EXPECT_EQ(dx.f32()[1], 7.0f);
}

TEST(IdentityOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("_copy", {});
  std::vector<Shape> in{Shape{2, 5}}, out{Shape{5, 2}}, aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("(2, 5)"), HasSubstr("(5, 2)")));
}

}  // namespace
}  // namespace fitbench
