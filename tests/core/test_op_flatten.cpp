#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"
#include "op_test_util.h"

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
  std::vector<float> values(12);
  for (int i = 0; i < 12; ++i) values[static_cast<size_t>(i)] = static_cast<float>(i);
  const testing::OpRun r = testing::run_forward("Flatten", {}, {testing::tensor_of(values, {2, 2, 3})});
  EXPECT_EQ(r.out[0].shape(), (Shape{2, 6}));
  EXPECT_EQ(testing::values_of(r.out[0]), values);
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
