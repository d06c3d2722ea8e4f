#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"
#include "op_test_util.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ElemwiseAddOp, AddsElementwise) {
  const testing::OpRun r = testing::run_forward(
      "elemwise_add", {}, {testing::tensor_of({0, 1, 2, 3}, {2, 2}), testing::tensor_of({0, 10, 20, 30}, {2, 2})});
  EXPECT_EQ(r.op->arguments(), (std::vector<std::string>{"lhs", "rhs"}));
  EXPECT_EQ(r.out[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(testing::values_of(r.out[0]), (std::vector<float>{0, 11, 22, 33}));
}

TEST(ElemwiseAddOp, GradientMatchesFiniteDifferences) {
  testing::check_gradient("elemwise_add", {}, {Shape{3, 4}, Shape{3, 4}});
}

TEST(ElemwiseAddOp, AliasesAndOneSidedRequests) {
  for (const char* alias : {"_Plus", "_plus", "_add"})
    EXPECT_EQ(create_operator(alias, {})->type(), std::string("elemwise_add"));
  auto op = create_operator("elemwise_add", {});
  Tensor dy = Tensor::full({3}, 2.0f), dl = Tensor::full({3}, 7.0f), dr = Tensor::zeros({3});
  op->backward({}, {dy}, {Tensor::zeros({3}), Tensor::zeros({3})}, {Tensor::zeros({3})}, {dl, dr},
               {GradReq::Null, GradReq::Write}, {});
  EXPECT_EQ(dl.f32()[0], 7.0f);
  EXPECT_EQ(dr.f32()[2], 2.0f);
}

// Large enough for the threaded pass that writes both gradients at once.
TEST(ElemwiseAddOp, LargeGradientReachesBothSides) {
  auto op = create_operator("elemwise_add", {});
  const int64_t n = 50001;
  Tensor dy({n}), dl = Tensor::zeros({n}), dr = Tensor::zeros({n});
  for (int64_t i = 0; i < n; ++i) dy.f32()[i] = static_cast<float>(i % 97) - 40.0f;
  op->backward({}, {dy}, {Tensor::zeros({n}), Tensor::zeros({n})}, {Tensor::zeros({n})}, {dl, dr},
               {GradReq::Write, GradReq::Write}, {});
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(dl.f32()[i], dy.f32()[i]) << "lhs at " << i;
    ASSERT_EQ(dr.f32()[i], dy.f32()[i]) << "rhs at " << i;
  }
}

TEST(ElemwiseAddOp, InfersTheUnknownSide) {
  auto op = create_operator("elemwise_add", {});
  std::vector<Shape> in{Shape{}, Shape{5, 6}}, out(1), aux;
  op->infer_shape(in, out, aux);
  EXPECT_EQ(in[0], (Shape{5, 6}));
  EXPECT_EQ(out[0], (Shape{5, 6}));
}

TEST(ElemwiseAddOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("elemwise_add", {});
  std::vector<Shape> in{Shape{5, 6}, Shape{6, 5}}, out(1), aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("lhs (5, 6)"), HasSubstr("rhs (6, 5)")));
}

}  // namespace
}  // namespace fitbench
