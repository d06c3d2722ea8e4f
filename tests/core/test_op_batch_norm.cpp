#include <gtest/gtest.h>

#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "gradcheck.h"
#include "ops/kernels/batch_norm.h"

namespace fitbench {
namespace {

using testing::check_gradient;
using testing::GradCheckOptions;

// data (N=2, C=2, H=1, W=2): channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 10, 20, 20.
const std::vector<float> kData = {1, 2, 10, 10, 3, 4, 20, 20};
const float kEps = 1e-3f;

struct BatchNormRun {
  std::unique_ptr<Operator> op;
  std::vector<Tensor> in, out, aux;

  BatchNormRun(const Attrs& attrs, float gamma, float beta, float moving_mean, float moving_var)
      : op(create_operator("BatchNorm", attrs)) {
    Tensor data({2, 2, 1, 2});
    std::copy(kData.begin(), kData.end(), data.f32());
    in = {data, Tensor::full({2}, gamma), Tensor::full({2}, beta)};
    aux = {Tensor::full({2}, moving_mean), Tensor::full({2}, moving_var)};
    out = {Tensor::zeros(data.shape()), Tensor::zeros({2}), Tensor::zeros({2})};
  }
  void forward(bool is_train) { op->forward({is_train, nullptr, nullptr}, in, out, aux); }
  float y(int i) const { return out[0].f32()[i]; }
};

TEST(BatchNormOp, TrainingNormalizesWithBatchStatistics) {
  BatchNormRun run({{"fix_gamma", "False"}}, 2.0f, 0.5f, 0.0f, 1.0f);
  run.forward(true);
  // Channel 0: mean 2.5, biased variance 1.25. Channel 1: mean 15, variance 25.
  const float s0 = 2.0f / std::sqrt(1.25f + kEps), s1 = 2.0f / std::sqrt(25.0f + kEps);
  const std::vector<float> expected = {
      (1 - 2.5f) * s0 + 0.5f, (2 - 2.5f) * s0 + 0.5f, (10 - 15.0f) * s1 + 0.5f, (10 - 15.0f) * s1 + 0.5f,
      (3 - 2.5f) * s0 + 0.5f, (4 - 2.5f) * s0 + 0.5f, (20 - 15.0f) * s1 + 0.5f, (20 - 15.0f) * s1 + 0.5f};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(run.y(i), expected[static_cast<size_t>(i)], 1e-5f) << i;
  // The hidden outputs hold the batch mean and 1/sqrt(var + eps), as MXNet's do.
  EXPECT_NEAR(run.out[1].f32()[0], 2.5f, 1e-6f);
  EXPECT_NEAR(run.out[1].f32()[1], 15.0f, 1e-6f);
  EXPECT_NEAR(run.out[2].f32()[0], 1.0f / std::sqrt(1.25f + kEps), 1e-6f);
}

TEST(BatchNormOp, TrainingMovesTheMovingStatistics) {
  BatchNormRun run({{"momentum", "0.9"}}, 1.0f, 0.0f, 0.5f, 2.0f);
  run.forward(true);
  EXPECT_NEAR(run.aux[0].f32()[0], 0.5f * 0.9f + 2.5f * 0.1f, 1e-6f);
  EXPECT_NEAR(run.aux[0].f32()[1], 0.5f * 0.9f + 15.0f * 0.1f, 1e-5f);
  EXPECT_NEAR(run.aux[1].f32()[0], 2.0f * 0.9f + 1.25f * 0.1f, 1e-6f);
  EXPECT_NEAR(run.aux[1].f32()[1], 2.0f * 0.9f + 25.0f * 0.1f, 1e-5f);
}

TEST(BatchNormOp, InferenceUsesMovingStatisticsAndLeavesThem) {
  for (const Attrs& attrs :
       {Attrs{{"fix_gamma", "False"}}, Attrs{{"fix_gamma", "False"}, {"use_global_stats", "True"}}}) {
    for (bool is_train : {false, true}) {
      if (is_train && !attrs.count("use_global_stats")) continue;  // that is batch statistics
      BatchNormRun run(attrs, 3.0f, -1.0f, 2.0f, 4.0f);
      run.forward(is_train);
      const float scale = 3.0f / std::sqrt(4.0f + kEps);
      for (int i = 0; i < 8; ++i)
        EXPECT_NEAR(run.y(i), (kData[static_cast<size_t>(i)] - 2.0f) * scale - 1.0f, 1e-5f) << i;
      EXPECT_EQ(run.aux[0].f32()[0], 2.0f);
      EXPECT_EQ(run.aux[1].f32()[1], 4.0f);
    }
  }
}

TEST(BatchNormOp, FixGammaTreatsGammaAsOneAndZeroesItsGradient) {
  BatchNormRun run({}, 5.0f, 0.0f, 0.0f, 1.0f);
  run.forward(true);
  EXPECT_NEAR(run.y(0), (1 - 2.5f) / std::sqrt(1.25f + kEps), 1e-5f);
  // MXNet writes 1 into gamma, so checkpoints hold 1 whatever weight decay did.
  EXPECT_EQ(run.in[1].f32()[0], 1.0f);
  std::vector<Tensor> grads = {Tensor::zeros({2, 2, 1, 2}), Tensor::full({2}, 9.0f), Tensor::zeros({2})};
  Tensor dy = Tensor::full({2, 2, 1, 2}, 1.0f);
  run.op->backward({true, nullptr, nullptr}, {dy, Tensor::zeros({2}), Tensor::zeros({2})}, run.in, run.out,
                   grads, {GradReq::Write, GradReq::Write, GradReq::Write}, run.aux);
  EXPECT_EQ(grads[1].f32()[0], 0.0f);
  EXPECT_EQ(grads[1].f32()[1], 0.0f);
  EXPECT_NEAR(grads[2].f32()[0], 4.0f, 1e-6f);  // dbeta = sum(dy)
}

TEST(BatchNormOp, NullRequestsLeaveGradientsAlone) {
  BatchNormRun run({{"fix_gamma", "False"}}, 1.5f, 0.0f, 0.0f, 1.0f);
  run.forward(true);
  std::vector<Tensor> grads = {Tensor::full({2, 2, 1, 2}, 7.0f), Tensor::full({2}, 7.0f), Tensor::zeros({2})};
  Tensor dy = Tensor::full({2, 2, 1, 2}, 1.0f);
  run.op->backward({true, nullptr, nullptr}, {dy, Tensor::zeros({2}), Tensor::zeros({2})}, run.in, run.out,
                   grads, {GradReq::Null, GradReq::Null, GradReq::Write}, run.aux);
  EXPECT_EQ(grads[0].f32()[3], 7.0f);
  EXPECT_EQ(grads[1].f32()[1], 7.0f);
  EXPECT_NEAR(grads[2].f32()[1], 4.0f, 1e-6f);
}

TEST(BatchNormOp, BackwardFollowsTheLastForward) {
  // The Executor runs backward with is_train set; after an inference forward
  // the gradient must still be that of the moving-statistics normalization.
  BatchNormRun run({{"fix_gamma", "False"}}, 2.0f, 0.0f, 1.0f, 4.0f);
  run.forward(false);
  std::vector<Tensor> grads = {Tensor::zeros({2, 2, 1, 2}), Tensor::zeros({2}), Tensor::zeros({2})};
  Tensor dy = Tensor::full({2, 2, 1, 2}, 1.0f);
  run.op->backward({true, nullptr, nullptr}, {dy, Tensor::zeros({2}), Tensor::zeros({2})}, run.in, run.out,
                   grads, {GradReq::Write, GradReq::Write, GradReq::Write}, run.aux);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(grads[0].f32()[i], 2.0f / std::sqrt(4.0f + kEps), 1e-6f) << i;
}

struct GradCase {
  const char* fix_gamma;
  const char* use_global_stats;
  bool is_train;
};

class BatchNormGradient : public ::testing::TestWithParam<GradCase> {};

TEST_P(BatchNormGradient, MatchesFiniteDifferences) {
  const auto& c = GetParam();
  GradCheckOptions opt;
  opt.is_train = c.is_train;
  const Attrs attrs = {{"fix_gamma", c.fix_gamma}, {"use_global_stats", c.use_global_stats}};
  check_gradient("BatchNorm", attrs, {Shape{4, 3, 2, 2}, Shape{3}, Shape{3}}, opt);
  // A non-default axis: statistics over N and the axis-1 dimension of (N, 3, C).
  Attrs last_axis = attrs;
  last_axis["axis"] = "-1";
  check_gradient("BatchNorm", last_axis, {Shape{3, 2, 4}, Shape{4}, Shape{4}}, opt);
}

INSTANTIATE_TEST_SUITE_P(AllModes, BatchNormGradient,
                         ::testing::Values(GradCase{"True", "False", true}, GradCase{"False", "False", true},
                                           GradCase{"True", "True", true}, GradCase{"False", "True", true},
                                           GradCase{"True", "False", false},
                                           GradCase{"False", "False", false}));

TEST(BatchNormOp, InfersParameterAndAuxShapes) {
  auto op = create_operator("BatchNorm", {{"output_mean_var", "True"}});
  EXPECT_EQ(op->num_outputs(), 3);
  EXPECT_EQ(op->num_visible_outputs(), 3);
  EXPECT_EQ(create_operator("BatchNorm", {})->num_visible_outputs(), 1);
  std::vector<Shape> in{Shape{8, 16, 5, 5}, Shape{}, Shape{}}, out(3), aux(2);
  op->infer_shape(in, out, aux);
  EXPECT_EQ(in[1], Shape{16});
  EXPECT_EQ(in[2], Shape{16});
  EXPECT_EQ(aux[0], Shape{16});
  EXPECT_EQ(aux[1], Shape{16});
  EXPECT_EQ(out[0], (Shape{8, 16, 5, 5}));
  EXPECT_EQ(out[2], Shape{16});
}

TEST(BatchNormOp, ShapeErrorsNameBothShapes) {
  auto op = create_operator("BatchNorm", {});
  std::vector<Shape> in{Shape{8, 16, 5, 5}, Shape{15}, Shape{}}, out(3), aux(2);
  try {
    op->infer_shape(in, out, aux);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("gamma"), std::string::npos) << m;
    EXPECT_NE(m.find("(15,)"), std::string::npos) << m;
    EXPECT_NE(m.find("(8, 16, 5, 5)"), std::string::npos) << m;
  }
  auto bad_axis = create_operator("BatchNorm", {{"axis", "4"}});
  in = {Shape{8, 16, 5, 5}, Shape{}, Shape{}};
  EXPECT_THROW(bad_axis->infer_shape(in, out, aux), Error);
}

TEST(BatchNormOp, AttributeChecks) {
  EXPECT_NO_THROW(create_operator("BatchNorm", {{"cudnn_off", "True"}, {"eps", "2e-5"}}));
  EXPECT_THROW(create_operator("BatchNorm", {{"eps", "-1"}}), Error);
  EXPECT_THROW(create_operator("BatchNorm", {{"fix_gamma", "maybe"}}), Error);
  EXPECT_THROW(create_operator("BatchNorm", {{"num_filter", "3"}}), Error);
}

}  // namespace
}  // namespace fitbench

namespace fitbench {
namespace {

// The kernels on rows longer than a summation block (with a ragged tail), on
// enough values to run threaded, and with a mean far from zero against the
// spread: against double-precision sums, and bit-identical on one thread.
TEST(BatchNormKernels, LargeShapesMatchDoubleReference) {
  const BatchNormDims d{6, 3, 2003};
  const int64_t n = d.outer * d.channels * d.inner, m = d.outer * d.inner;
  std::mt19937_64 rng(5);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n)), dy(x.size());
  for (int64_t k = 0; k < n; ++k) {
    const int64_t c = k / d.inner % d.channels;
    x[static_cast<size_t>(k)] = 1000.0f * static_cast<float>(c) + (1.0f + static_cast<float>(c)) * noise(rng);
    dy[static_cast<size_t>(k)] = noise(rng);
  }
  const std::vector<float> gamma = {0.5f, 1.0f, 2.0f}, beta = {0.0f, 1.0f, -1.0f};
  struct Result {
    std::vector<float> y, mean, invstd, moving_mean, moving_var, dx, dgamma, dbeta;
  };
  auto run = [&] {
    Result r{std::vector<float>(x.size()), std::vector<float>(3),       std::vector<float>(3),
             std::vector<float>(3, 0.0f),  std::vector<float>(3, 1.0f), std::vector<float>(x.size()),
             std::vector<float>(3),        std::vector<float>(3)};
    cpu::batch_norm_forward_train(d, x.data(), gamma.data(), beta.data(), 1e-5f, 0.9f, r.y.data(),
                                  r.mean.data(), r.invstd.data(), r.moving_mean.data(), r.moving_var.data());
    cpu::batch_norm_backward(d, x.data(), dy.data(), gamma.data(), r.mean.data(), r.invstd.data(), true,
                             r.dx.data(), r.dgamma.data(), r.dbeta.data());
    return r;
  };
  const Result r = run();
  auto at = [&](int64_t o, int64_t c, int64_t i) {
    return static_cast<size_t>((o * d.channels + c) * d.inner + i);
  };
  for (int64_t c = 0; c < d.channels; ++c) {
    double sum = 0, squares = 0, sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t o = 0; o < d.outer; ++o)
      for (int64_t i = 0; i < d.inner; ++i) sum += x[at(o, c, i)];
    const double mean = sum / static_cast<double>(m);
    for (int64_t o = 0; o < d.outer; ++o)
      for (int64_t i = 0; i < d.inner; ++i) squares += (x[at(o, c, i)] - mean) * (x[at(o, c, i)] - mean);
    const double invstd = 1.0 / std::sqrt(squares / static_cast<double>(m) + 1e-5);
    // Backward works from the statistics the forward pass saved, as MXNet's.
    const size_t cs = static_cast<size_t>(c);
    const double saved_mean = r.mean[cs], saved_invstd = r.invstd[cs];
    for (int64_t o = 0; o < d.outer; ++o)
      for (int64_t i = 0; i < d.inner; ++i) {
        sum_dy += dy[at(o, c, i)];
        sum_dy_xhat += dy[at(o, c, i)] * (x[at(o, c, i)] - saved_mean) * saved_invstd;
      }
    EXPECT_NEAR(r.mean[cs], mean, 1e-7 * std::fabs(mean) + 1e-6);
    EXPECT_NEAR(r.invstd[cs], invstd, 1e-5 * invstd);
    EXPECT_NEAR(r.dbeta[cs], sum_dy, 1e-3);
    EXPECT_NEAR(r.dgamma[cs], sum_dy_xhat, 1e-3);
    for (int64_t o = 0; o < d.outer; ++o)
      for (int64_t i = 0; i < d.inner; i += 97) {
        const double xhat = (x[at(o, c, i)] - mean) * invstd;
        EXPECT_NEAR(r.y[at(o, c, i)], gamma[cs] * xhat + beta[cs], 1e-3);
        const double saved_xhat = (x[at(o, c, i)] - saved_mean) * saved_invstd;
        const double dx = gamma[cs] * saved_invstd *
                          (dy[at(o, c, i)] - sum_dy / static_cast<double>(m) -
                           saved_xhat * sum_dy_xhat / static_cast<double>(m));
        EXPECT_NEAR(r.dx[at(o, c, i)], dx, 1e-4 * gamma[cs] * invstd);
      }
  }
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const Result single = run();
  omp_set_num_threads(threads);
  EXPECT_EQ(single.y, r.y);
  EXPECT_EQ(single.dx, r.dx);
  EXPECT_EQ(single.dgamma, r.dgamma);
  EXPECT_EQ(single.dbeta, r.dbeta);
}

}  // namespace
}  // namespace fitbench
