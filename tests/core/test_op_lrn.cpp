#include <gtest/gtest.h>

#include <cmath>

#include "gradcheck.h"

namespace fitbench {
namespace {

using testing::check_gradient;
using testing::GradCheckOptions;

const Attrs kAttrs{{"alpha", "0.3"}, {"beta", "0.6"}, {"knorm", "1.5"}, {"nsize", "3"}};

// x = arange(84) / 10 - 4 as (2, 7, 2, 3); dy = cos(arange(84)).
struct LrnRun {
  Tensor x, y, norm, dx;
};

LrnRun run_lrn(const Attrs& attrs) {
  auto op = create_operator("LRN", attrs);
  LrnRun r{Tensor(Shape{2, 7, 2, 3}), Tensor::zeros(Shape{2, 7, 2, 3}), Tensor::zeros(Shape{2, 7, 2, 3}),
        Tensor::zeros(Shape{2, 7, 2, 3})};
  Tensor dy(r.x.shape());
  for (int64_t i = 0; i < r.x.size(); ++i) {
    r.x.f32()[i] = static_cast<float>(i) / 10.0f - 4.0f;
    dy.f32()[i] = std::cos(static_cast<float>(i));
  }
  Workspace ws;
  OpContext ctx{true, nullptr, &ws};
  op->forward(ctx, {r.x}, {r.y, r.norm}, {});
  op->backward(ctx, {dy, Tensor::zeros(r.x.shape())}, {r.x}, {r.y, r.norm}, {r.dx}, {GradReq::Write}, {});
  return r;
}

TEST(LrnOp, MatchesMxnet) {
  // Values from mxnet 1.9.1: mx.nd.LRN(x, alpha=0.3, beta=0.6, knorm=1.5, nsize=3)
  // and its gradient under autograd with head gradient dy.
  const LrnRun r = run_lrn(kAttrs);
  const int64_t at[] = {0, 5, 17, 40, 83};
  const float y[] = {-1.677486f, -1.632147f, -1.153448f, 0.0f, 1.695172f};
  const float dx[] = {0.1123721f, 0.07718542f, -0.05059978f, -0.5155262f, 0.05578397f};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(r.y.f32()[at[i]], y[i], 1e-5f) << "y[" << at[i] << "]";
    EXPECT_NEAR(r.dx.f32()[at[i]], dx[i], 1e-5f) << "dx[" << at[i] << "]";
  }
}

TEST(LrnOp, WindowIsClippedAtTheChannelEdges) {
  // Channel 0 of image 0, pixel 0: the window holds channels 0 and 1 only.
  const LrnRun r = run_lrn(kAttrs);
  const float x0 = r.x.f32()[0], x1 = r.x.f32()[6];
  EXPECT_NEAR(r.norm.f32()[0], 1.5f + 0.3f / 3.0f * (x0 * x0 + x1 * x1), 1e-5f);
}

TEST(LrnOp, HiddenNormOutputAndShape) {
  auto op = create_operator("LRN", {{"nsize", "5"}});
  EXPECT_EQ(op->num_outputs(), 2);
  EXPECT_EQ(op->num_visible_outputs(), 1);
  std::vector<Shape> in{Shape{2, 8, 3, 3}}, out(2), aux;
  op->infer_shape(in, out, aux);
  EXPECT_EQ(out[0], (Shape{2, 8, 3, 3}));
  EXPECT_EQ(out[1], (Shape{2, 8, 3, 3}));
  std::vector<Shape> flat{Shape{2, 8}}, out2(2);
  EXPECT_THROW(op->infer_shape(flat, out2, aux), Error);
}

TEST(LrnOp, BadAttributes) {
  EXPECT_THROW(create_operator("LRN", {}), Error);  // nsize is required
  EXPECT_THROW(create_operator("LRN", {{"nsize", "4"}}), Error);
  EXPECT_THROW(create_operator("LRN", {{"nsize", "5"}, {"size", "5"}}), Error);
}

struct GradCase {
  const char* nsize;
  const char* alpha;
  const char* beta;
  const char* knorm;
};

class LrnGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(LrnGradient, MatchesFiniteDifferences) {
  const GradCase& c = GetParam();
  GradCheckOptions opt;
  opt.step = 1e-2f;
  opt.tolerance = 5e-3;
  check_gradient("LRN", {{"nsize", c.nsize}, {"alpha", c.alpha}, {"beta", c.beta}, {"knorm", c.knorm}},
                 {Shape{2, 6, 3, 4}}, opt);
}

// AlexNet's settings (whose alpha barely matters at this scale), then strong
// normalization so the cross-channel term dominates.
INSTANTIATE_TEST_SUITE_P(Settings, LrnGradient,
                         ::testing::Values(GradCase{"5", "0.0001", "0.75", "2"}, GradCase{"3", "0.9", "0.75", "1"},
                                           GradCase{"5", "2.0", "0.5", "0.5"}, GradCase{"1", "1.0", "1.2", "1"},
                                           GradCase{"7", "1.5", "0.75", "2"}));

}  // namespace
}  // namespace fitbench
