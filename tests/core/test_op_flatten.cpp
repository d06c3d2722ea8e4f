#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Shape infer(const Shape& data, Shape out = {}) {
  auto op = create_operator("Flatten", {});
  std::vector<Shape> in{data}, outs{out}, aux;
  op->infer_shape(in, outs, aux);
  return outs[0];
}

TEST(FlattenOp, InfersBatchByProduct) {
  EXPECT_EQ(infer(Shape{8, 3, 4, 5}), (Shape{8, 60}));
  EXPECT_EQ(infer(Shape{8, 7}), (Shape{8, 7}));
  EXPECT_EQ(infer(Shape{8}), (Shape{8, 1}));
  EXPECT_EQ(create_operator("flatten", {})->type(), std::string("Flatten"));
}

TEST(FlattenOp, ForwardKeepsValuesInOrder) {
  auto op = create_operator("Flatten", {});
  Tensor x({2, 2, 3});
  for (int i = 0; i < 12; ++i) x.f32()[i] = static_cast<float>(i);
  Tensor y = Tensor::zeros({2, 6});
  op->forward({}, {x}, {y}, {});
  for (int i = 0; i < 12; ++i) EXPECT_EQ(y.f32()[i], static_cast<float>(i));
}

TEST(FlattenOp, GradientMatchesFiniteDifferences) {
  testing::check_gradient("Flatten", {}, {Shape{3, 2, 2, 2}});
}

TEST(FlattenOp, NullRequestLeavesGradientAlone) {
  auto op = create_operator("Flatten", {});
  Tensor dx = Tensor::full({2, 2}, 7.0f);
  op->backward({}, {Tensor::full({2, 2}, 1.0f)}, {Tensor::zeros({2, 2})}, {Tensor::zeros({2, 2})}, {dx},
               {GradReq::Null}, {});
  EXPECT_EQ(dx.f32()[3], 7.0f);
}

TEST(FlattenOp, ShapeMismatchNamesBothShapes) {
  const auto mismatch = [] { infer(Shape{8, 3, 4}, Shape{8, 10}); };
  EXPECT_THAT(test::error_message(mismatch), AllOf(HasSubstr("(8, 3, 4)"), HasSubstr("(8, 10)")));
  EXPECT_THROW(create_operator("Flatten", {{"axis", "1"}}), Error);
}

}  // namespace
}  // namespace fitbench
