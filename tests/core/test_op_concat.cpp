#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Shape infer(const Attrs& attrs, std::vector<Shape> in) {
  auto op = create_operator("Concat", attrs);
  std::vector<Shape> out(1), aux;
  op->infer_shape(in, out, aux);
  return out[0];
}

TEST(ConcatOp, NamesItsArguments) {
  EXPECT_EQ(create_operator("Concat", {{"num_args", "3"}})->arguments(),
            (std::vector<std::string>{"arg0", "arg1", "arg2"}));
  EXPECT_EQ(create_operator("concat", {{"num_args", "1"}})->type(), std::string("Concat"));
  EXPECT_THROW(create_operator("Concat", {}), Error);
  EXPECT_THROW(create_operator("Concat", {{"num_args", "0"}}), Error);
  EXPECT_THROW(create_operator("Concat", {{"num_args", "2"}, {"axis", "1"}}), Error);
}

TEST(ConcatOp, InfersTheJoinedShape) {
  EXPECT_EQ(infer({{"num_args", "2"}}, {Shape{2, 3, 4}, Shape{2, 5, 4}}), (Shape{2, 8, 4}));
  EXPECT_EQ(infer({{"num_args", "2"}, {"dim", "0"}}, {Shape{2, 3}, Shape{4, 3}}), (Shape{6, 3}));
  EXPECT_EQ(infer({{"num_args", "3"}, {"dim", "-1"}}, {Shape{2, 1}, Shape{2, 2}, Shape{2, 3}}),
            (Shape{2, 6}));
}

TEST(ConcatOp, ForwardInterleavesRows) {
  auto op = create_operator("Concat", {{"num_args", "2"}});
  Tensor a({2, 1}), b({2, 2});
  a.f32()[0] = 1, a.f32()[1] = 2;
  for (int i = 0; i < 4; ++i) b.f32()[i] = 10.0f + static_cast<float>(i);
  Tensor y = Tensor::zeros({2, 3});
  op->forward({}, {a, b}, {y}, {});
  const std::vector<float> expected = {1, 10, 11, 2, 12, 13};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y.f32()[i], expected[static_cast<size_t>(i)]);
}

TEST(ConcatOp, GradientMatchesFiniteDifferences) {
  testing::check_gradient("Concat", {{"num_args", "3"}}, {Shape{2, 1, 3}, Shape{2, 2, 3}, Shape{2, 3, 3}});
  testing::check_gradient("Concat", {{"num_args", "2"}, {"dim", "0"}}, {Shape{1, 4}, Shape{2, 4}});
  testing::check_gradient("Concat", {{"num_args", "2"}, {"dim", "2"}}, {Shape{2, 2, 1}, Shape{2, 2, 3}});
}

TEST(ConcatOp, NullRequestSkipsThatInput) {
  auto op = create_operator("Concat", {{"num_args", "2"}});
  Tensor dy({1, 3});
  for (int i = 0; i < 3; ++i) dy.f32()[i] = static_cast<float>(i + 1);
  Tensor da = Tensor::full({1, 1}, 7.0f), db = Tensor::zeros({1, 2});
  op->backward({}, {dy}, {Tensor::zeros({1, 1}), Tensor::zeros({1, 2})}, {Tensor::zeros({1, 3})}, {da, db},
               {GradReq::Null, GradReq::Write}, {});
  EXPECT_EQ(da.f32()[0], 7.0f);
  EXPECT_EQ(db.f32()[0], 2.0f);
  EXPECT_EQ(db.f32()[1], 3.0f);
}

TEST(ConcatOp, ShapeMismatchNamesBothShapes) {
  const auto mismatch = [] { infer({{"num_args", "2"}}, {Shape{2, 3, 4}, Shape{2, 3, 5}}); };
  EXPECT_THAT(test::error_message(mismatch), AllOf(HasSubstr("(2, 3, 4)"), HasSubstr("(2, 3, 5)")));
  EXPECT_THROW(infer({{"num_args", "2"}}, {Shape{2, 3}, Shape{2, 3, 1}}), Error);
  EXPECT_THROW(infer({{"num_args", "2"}, {"dim", "2"}}, {Shape{2, 3}, Shape{2, 3}}), Error);
}

}  // namespace
}  // namespace fitbench
