// FullyConnected: forward against direct loops, finite-difference gradients,
// flatten semantics and shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fitbench/operator.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using testing::check_gradient;
using testing::random_tensor;

std::vector<Shape> infer(const Attrs& attrs, std::vector<Shape>& in) {
  auto op = create_operator("FullyConnected", attrs);
  std::vector<Shape> out(1), aux;
  op->infer_shape(in, out, aux);
  return out;
}

// Forward and backward of (rows, in) -> (rows, hidden) against double loops.
void check_against_reference(int64_t rows, int64_t in, int64_t hidden, bool bias) {
  const Attrs attrs = {{"num_hidden", std::to_string(hidden)}, {"no_bias", bias ? "False" : "True"}};
  auto op = create_operator("FullyConnected", attrs);
  std::vector<Shape> shapes = {{rows, in}, {}}, out(1), aux;
  if (bias) shapes.emplace_back();
  op->infer_shape(shapes, out, aux);
  ASSERT_EQ(out[0], (Shape{rows, hidden}));
  std::mt19937_64 rng(3);
  std::vector<Tensor> inputs, grads;
  for (const auto& s : shapes) {
    inputs.push_back(random_tensor(s, rng));
    grads.push_back(Tensor::zeros(s));
  }
  const Tensor dy = random_tensor(out[0], rng);
  Tensor y = Tensor::zeros(out[0]);
  Workspace ws;
  const OpContext ctx{true, &rng, &ws};
  op->forward(ctx, inputs, {y}, {});
  op->backward(ctx, {dy}, inputs, {y}, grads, std::vector<GradReq>(inputs.size(), GradReq::Write), {});
  const float* x = inputs[0].f32();
  const float* w = inputs[1].f32();
  const double tolerance = 1e-5 * static_cast<double>(std::max(in, std::max(rows, hidden)));
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t m = 0; m < hidden; ++m) {
      double expected = bias ? inputs[2].f32()[m] : 0.0;
      for (int64_t k = 0; k < in; ++k) expected += double(x[n * in + k]) * w[m * in + k];
      ASSERT_NEAR(y.f32()[n * hidden + m], expected, tolerance) << "y " << n << ", " << m;
    }
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t k = 0; k < in; ++k) {
      double expected = 0;
      for (int64_t m = 0; m < hidden; ++m) expected += double(dy.f32()[n * hidden + m]) * w[m * in + k];
      ASSERT_NEAR(grads[0].f32()[n * in + k], expected, tolerance) << "dx " << n << ", " << k;
    }
  for (int64_t m = 0; m < hidden; ++m) {
    double db = 0;
    for (int64_t n = 0; n < rows; ++n) db += dy.f32()[n * hidden + m];
    if (bias) {
      ASSERT_NEAR(grads[2].f32()[m], db, tolerance) << "dbias " << m;
    }
    for (int64_t k = 0; k < in; ++k) {
      double expected = 0;
      for (int64_t n = 0; n < rows; ++n) expected += double(dy.f32()[n * hidden + m]) * x[n * in + k];
      ASSERT_NEAR(grads[1].f32()[m * in + k], expected, tolerance) << "dw " << m << ", " << k;
    }
  }
}

TEST(FullyConnected, MatchesDirectLoops) {
  check_against_reference(5, 12, 7, true);
  check_against_reference(5, 12, 7, false);
  // Enough work to split across threads.
  check_against_reference(64, 200, 101, true);
}

TEST(FullyConnected, FlattenFalseActsOnTheLastAxis) {
  std::vector<Shape> in = {{2, 3, 4}, {}, {}};
  EXPECT_EQ(infer({{"num_hidden", "6"}, {"flatten", "False"}}, in)[0], (Shape{2, 3, 6}));
  EXPECT_EQ(in[1], (Shape{6, 4}));
  std::vector<Shape> flat = {{2, 3, 4}, {}, {}};
  EXPECT_EQ(infer({{"num_hidden", "6"}}, flat)[0], (Shape{2, 6}));
  EXPECT_EQ(flat[1], (Shape{6, 12}));
}

TEST(FullyConnected, GradientBasic) {
  check_gradient("FullyConnected", {{"num_hidden", "4"}}, {{3, 5}, {4, 5}, {4}});
}

TEST(FullyConnected, GradientFlattensData) {
  check_gradient("FullyConnected", {{"num_hidden", "3"}}, {{2, 2, 2, 3}, {3, 12}, {3}});
}

TEST(FullyConnected, GradientNoBias) {
  check_gradient("FullyConnected", {{"num_hidden", "4"}, {"no_bias", "True"}}, {{3, 6}, {4, 6}});
}

TEST(FullyConnected, GradientFlattenFalse) {
  check_gradient("FullyConnected", {{"num_hidden", "3"}, {"flatten", "False"}}, {{2, 3, 4}, {3, 4}, {3}});
}

TEST(FullyConnected, NullRequestLeavesGradientAlone) {
  auto op = create_operator("FullyConnected", {{"num_hidden", "3"}});
  std::mt19937_64 rng(1);
  std::vector<Tensor> in = {random_tensor({4, 5}, rng), random_tensor({3, 5}, rng), random_tensor({3}, rng)};
  Tensor y = Tensor::zeros({4, 3});
  Workspace ws;
  const OpContext ctx{true, &rng, &ws};
  op->forward(ctx, in, {y}, {});
  std::vector<Tensor> grads = {Tensor::full({4, 5}, 42.0f), Tensor::zeros({3, 5}), Tensor::zeros({3})};
  op->backward(ctx, {random_tensor({4, 3}, rng)}, in, {y}, grads,
               {GradReq::Null, GradReq::Write, GradReq::Write}, {});
  for (int64_t i = 0; i < grads[0].size(); ++i) ASSERT_EQ(grads[0].f32()[i], 42.0f);
}

TEST(FullyConnected, ShapeErrorsNameBothShapes) {
  std::vector<Shape> in = {{8, 3, 4, 5}, {10, 12}, {}};
  try {
    infer({{"num_hidden", "10"}}, in);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "weight shape (10, 12) does not match expected (10, 60) (num_hidden, input features)");
  }
  std::vector<Shape> bad_bias = {{8, 60}, {}, {9}};
  EXPECT_THROW(infer({{"num_hidden", "10"}}, bad_bias), Error);
  EXPECT_THROW(create_operator("FullyConnected", {}), Error);
  EXPECT_THROW(create_operator("FullyConnected", {{"num_hidden", "0"}}), Error);
  EXPECT_THROW(create_operator("FullyConnected", {{"num_hidden", "3"}, {"kernel", "(3, 3)"}}), Error);
}

}  // namespace
}  // namespace fitbench
