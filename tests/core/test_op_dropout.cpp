#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "file_test_util.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using testing::check_gradient;
using testing::GradCheckOptions;

struct DropoutRun {
  std::unique_ptr<Operator> op;
  Tensor x, y;
  std::mt19937_64 rng{42};

  DropoutRun(const Attrs& attrs, Shape shape)
      : op(create_operator("Dropout", attrs)), x(shape), y(Tensor::zeros(shape)) {
    for (int64_t i = 0; i < x.size(); ++i) x.f32()[i] = 1.0f + static_cast<float>(i % 7);
  }
  void forward(bool is_train) { op->forward({is_train, &rng, nullptr}, {x}, {y}, {}); }
  Tensor backward(const Tensor& dy) {
    Tensor dx = Tensor::zeros(x.shape());
    op->backward({true, &rng, nullptr}, {dy}, {x}, {y}, {dx}, {GradReq::Write}, {});
    return dx;
  }
};

TEST(DropoutOp, InferenceIsIdentity) {
  DropoutRun run({{"p", "0.5"}}, Shape{10, 10});
  run.forward(false);
  Tensor dy = Tensor::full({10, 10}, 3.0f);
  Tensor dx = run.backward(dy);
  for (int64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(run.y.f32()[i], run.x.f32()[i]);
    EXPECT_EQ(dx.f32()[i], 3.0f);
  }
}

TEST(DropoutOp, TrainingDropsAndScalesKeptValues) {
  const float p = 0.3f;
  DropoutRun run({{"p", "0.3"}}, Shape{200, 500});
  run.forward(true);
  int64_t kept = 0;
  for (int64_t i = 0; i < run.x.size(); ++i) {
    const float y = run.y.f32()[i];
    if (y == 0.0f) continue;
    ++kept;
    EXPECT_FLOAT_EQ(y, run.x.f32()[i] / (1.0f - p));
  }
  EXPECT_NEAR(static_cast<double>(kept) / static_cast<double>(run.x.size()), 1.0 - p, 0.01);
  // Backward applies the same mask.
  Tensor dx = run.backward(Tensor::full(run.x.shape(), 1.0f));
  for (int64_t i = 0; i < run.x.size(); ++i)
    EXPECT_FLOAT_EQ(dx.f32()[i], run.y.f32()[i] == 0.0f ? 0.0f : 1.0f / (1.0f - p));
}

TEST(DropoutOp, AlwaysModeDropsAtInference) {
  DropoutRun run({{"p", "0.5"}, {"mode", "always"}}, Shape{1000});
  run.forward(false);
  int64_t dropped = 0;
  for (int64_t i = 0; i < 1000; ++i) dropped += run.y.f32()[i] == 0.0f;
  EXPECT_GT(dropped, 400);
  EXPECT_LT(dropped, 600);
}

TEST(DropoutOp, ZeroProbabilityIsIdentityInTraining) {
  DropoutRun run({{"p", "0"}}, Shape{50});
  run.forward(true);
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(run.y.f32()[i], run.x.f32()[i]);
}

TEST(DropoutOp, SameSeedSameMask) {
  DropoutRun a({}, Shape{64}), b({}, Shape{64});
  a.forward(true);
  b.forward(true);
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(a.y.f32()[i], b.y.f32()[i]);
}

struct GradCase {
  const char* p;
  const char* mode;
  bool is_train;
};

class DropoutGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(DropoutGradient, MatchesFiniteDifferences) {
  GradCheckOptions opt;
  opt.is_train = GetParam().is_train;
  check_gradient("Dropout", {{"p", GetParam().p}, {"mode", GetParam().mode}}, {Shape{4, 6}}, opt);
}

INSTANTIATE_TEST_SUITE_P(AllModes, DropoutGradient,
                         ::testing::Values(GradCase{"0.5", "training", true},
                                           GradCase{"0.2", "training", true},
                                           GradCase{"0.5", "training", false},
                                           GradCase{"0.5", "always", false},
                                           GradCase{"0.7", "always", true}));

TEST(DropoutOp, NullRequestLeavesGradientAlone) {
  DropoutRun run({}, Shape{8});
  run.forward(true);
  Tensor dx = Tensor::full({8}, 7.0f);
  run.op->backward({true, &run.rng, nullptr}, {Tensor::full({8}, 1.0f)}, {run.x}, {run.y}, {dx},
                   {GradReq::Null}, {});
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(dx.f32()[i], 7.0f);
}

TEST(DropoutOp, AttributeChecks) {
  EXPECT_THROW(create_operator("Dropout", {{"axes", "(2, 3)"}}), Error);
  EXPECT_NO_THROW(create_operator("Dropout", {{"axes", "()"}, {"cudnn_off", "False"}}));
  EXPECT_THROW(create_operator("Dropout", {{"p", "1.5"}}), Error);
  EXPECT_THROW(create_operator("Dropout", {{"mode", "sometimes"}}), Error);
  EXPECT_THROW(create_operator("Dropout", {{"rate", "0.5"}}), Error);
}

TEST(DropoutOp, ShapeMismatchNamesBothShapes) {
  auto op = create_operator("Dropout", {});
  std::vector<Shape> in{Shape{2, 8}}, out{Shape{16}}, aux;
  EXPECT_THAT(test::error_message([&] { op->infer_shape(in, out, aux); }),
              AllOf(HasSubstr("(2, 8)"), HasSubstr("(16,)")));
}

}  // namespace
}  // namespace fitbench
