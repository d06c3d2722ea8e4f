#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"
#include "op_test_util.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(IdentityOp, CopiesInput) {
  const testing::OpRun r = testing::run_forward("identity", {}, {testing::tensor_of({-1.5f, -0.5f, 0.5f})});
  EXPECT_EQ(r.op->type(), std::string("_copy"));
  EXPECT_EQ(testing::values_of(r.out[0]), testing::values_of(r.in[0]));
  EXPECT_NE(r.out[0].raw(), r.in[0].raw());
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
