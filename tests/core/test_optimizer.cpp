// Update rules against two-step examples worked by hand from MXNet 1.9's
// kernels; MXNet 1.9.1's own optimizers give the same numbers (to float
// precision) for every example here.
#include "fitbench/optimizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fitbench/error.h"

namespace fitbench {
namespace {

Tensor values(std::vector<float> v) {
  Tensor t(Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.f32()[i] = v[i];
  return t;
}

ParamRef param(const std::string& name, std::vector<float> weight) {
  ParamRef p;
  p.name = name;
  p.weight = values(weight);
  p.grad = Tensor::zeros(p.weight.shape());
  return p;
}

void set_grad(const ParamRef& p, std::vector<float> grad) { p.grad.copy_from(values(std::move(grad))); }

void expect_values(const Tensor& t, std::vector<float> expected, float tolerance = 1e-6f) {
  ASSERT_EQ(t.size(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(t.f32()[i], expected[i], tolerance) << "element " << i;
}

// The shared example: w = [1, -2], gradients [0.5, 0.25] then [-1, 0.5].
const std::vector<float> kWeight = {1.0f, -2.0f};
const std::vector<std::vector<float>> kGrads = {{0.5f, 0.25f}, {-1.0f, 0.5f}};

// Two updates of the shared example; returns the optimizer for its states.
std::unique_ptr<Optimizer> run_two_steps(const std::string& rule, const OptimizerParams& o, ParamRef& p) {
  auto opt = Optimizer::create(rule, o);
  std::vector<ParamRef> params{p};
  opt->create_states(params);
  for (const auto& g : kGrads) {
    set_grad(p, g);
    opt->update(params);
  }
  return opt;
}

OptimizerParams sgd_params(float momentum) {
  OptimizerParams o;
  o.learning_rate = 0.1f;
  o.momentum = momentum;
  o.wd = 0.01f;
  o.rescale_grad = 0.5f;
  return o;
}

// lr 0.1, momentum 0.9, wd 0.01, rescale 0.5:
//   mom1 = -0.001*w - 0.1*[0.25, 0.125]              = [-0.026, -0.0105],   w1 = [0.974, -2.0105]
//   mom2 = 0.9*mom1 - 0.001*w1 - 0.1*[-0.5, 0.25]    = [0.025626, -0.0324395], w2 = w1 + mom2
TEST(Sgd, MomentumTwoSteps) {
  ParamRef p = param("fc_weight", kWeight);
  auto opt = run_two_steps("sgd", sgd_params(0.9f), p);
  expect_values(p.weight, {0.999626f, -2.0429395f});
  const auto states = opt->states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].first, "fc_weight_mom");
  expect_values(states[0].second, {0.025626f, -0.0324395f});
  EXPECT_EQ(opt->num_update(), 2);
}

// w1 = 0.999*w - 0.1*[0.25, 0.125] = [0.974, -2.0105]; w2 = 0.999*w1 - 0.1*[-0.5, 0.25].
TEST(Sgd, WithoutMomentumHasNoState) {
  ParamRef p = param("fc_weight", kWeight);
  auto opt = run_two_steps("sgd", sgd_params(0.0f), p);
  expect_values(p.weight, {1.023026f, -2.0334895f});
  EXPECT_TRUE(opt->states().empty());
}

// Only names ending in _weight or _gamma decay: the bias steps on its gradient alone.
//   mom1 = -0.1*[0.25, 0.125], w1 = [0.975, -2.0125]; mom2 = 0.9*mom1 + [0.05, -0.025] = [0.0275, -0.03625]
TEST(Sgd, WeightDecayFollowsTheName) {
  EXPECT_EQ(default_wd_mult("fc1_weight"), 1.0f);
  EXPECT_EQ(default_wd_mult("bn1_gamma"), 1.0f);
  EXPECT_EQ(default_wd_mult("fc1_bias"), 0.0f);
  EXPECT_EQ(default_wd_mult("bn1_beta"), 0.0f);
  EXPECT_EQ(default_wd_mult("bn1_moving_var"), 0.0f);
  ParamRef p = param("fc_bias", kWeight);
  run_two_steps("sgd", sgd_params(0.9f), p);
  expect_values(p.weight, {1.0025f, -2.04875f});
}

TEST(Sgd, MultipliersScaleLrAndWd) {
  OptimizerParams o;
  o.learning_rate = 0.1f;
  o.wd = 0.5f;
  auto opt = Optimizer::create("sgd", o);
  std::vector<ParamRef> params{param("a_weight", {1.0f}), param("b_weight", {1.0f}),
                               param("c_weight", {1.0f})};
  params[1].lr_mult = 0.5f;
  params[2].wd_mult = 0.0f;
  opt->create_states(params);
  for (const auto& p : params) set_grad(p, {1.0f});
  opt->update(params);
  expect_values(params[0].weight, {1.0f - 0.05f - 0.1f});    // (1 - lr*wd)*w - lr*g
  expect_values(params[1].weight, {1.0f - 0.025f - 0.05f});  // lr halved
  expect_values(params[2].weight, {1.0f - 0.1f});            // no decay
}

// rescale 0.5 then clip to 0.2: [0.25, -0.5, 0.1] -> [0.2, -0.2, 0.1]; lr 1, no decay.
TEST(Sgd, ClipsTheRescaledGradient) {
  OptimizerParams o;
  o.learning_rate = 1.0f;
  o.rescale_grad = 0.5f;
  o.clip_gradient = 0.2f;
  auto opt = Optimizer::create("sgd", o);
  std::vector<ParamRef> params{param("fc_weight", {1.0f, 1.0f, 1.0f})};
  opt->create_states(params);
  set_grad(params[0], {0.5f, -1.0f, 0.2f});
  opt->update(params);
  expect_values(params[0].weight, {0.8f, 1.2f, 0.9f});
}

// Large enough for the threaded loop: every element must match the small example.
TEST(Sgd, LargeArraysMatchSmallOnes) {
  const size_t n = 100003;
  ParamRef p;
  p.name = "fc_weight";
  p.weight = Tensor::full(Shape{static_cast<int64_t>(n)}, 1.0f);
  p.grad = Tensor(p.weight.shape());
  auto opt = Optimizer::create("sgd", sgd_params(0.9f));
  std::vector<ParamRef> params{p};
  opt->create_states(params);
  for (const auto& g : kGrads) {
    p.grad.fill(g[0]);
    opt->update(params);
  }
  for (size_t i = 0; i < n; ++i) ASSERT_NEAR(p.weight.f32()[i], 0.999626f, 1e-6f) << "element " << i;
}

// MXNet 1.9's nag_mom_update keeps the lr inside the momentum and, run in
// place, reads the updated weight for the momentum's decay term:
//   m = 0.9*mom;  w' = w - m + 1.9*(m - 0.1*(g + 0.01*w));  mom = m - 0.1*(g + 0.01*w')
//   step 1: w1 = [0.9031, -2.0437], mom1 = [-0.0509031, -0.0229563]
//   step 2: w2 = [1.0501526, -2.1534116], mom2 = [0.0531371, -0.0685073]
TEST(Nag, TwoSteps) {
  OptimizerParams o;
  o.learning_rate = 0.1f;
  o.momentum = 0.9f;
  o.wd = 0.01f;
  ParamRef p = param("fc_weight", kWeight);
  auto opt = run_two_steps("nag", o, p);
  expect_values(p.weight, {1.0501526f, -2.1534116f});
  const auto states = opt->states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].first, "fc_weight_mom");
  expect_values(states[0].second, {0.0531371f, -0.0685073f});
}

TEST(Nag, WithoutMomentumIsSgd) {
  OptimizerParams o = sgd_params(0.0f);
  ParamRef p = param("fc_weight", kWeight);
  auto opt = run_two_steps("NAG", o, p);
  expect_values(p.weight, {1.023026f, -2.0334895f});
  EXPECT_TRUE(opt->states().empty());
}

// lr 0.1, wd 0.01 (added to the gradient), beta1 0.9, beta2 0.999:
//   t = 1: lr_t = 0.1*sqrt(0.001)/0.1; g' = [0.51, 0.23]; w1 = [0.90000006, -2.09999986]
//   t = 2: lr_t = 0.1*sqrt(1 - 0.999^2)/(1 - 0.9^2) = 0.0235316725; g' = g + 0.01*w1
//          mean = [-0.0532, 0.0686], var = [0.0012419209, 0.0002822881], w2 = [0.9355237, -2.1960793]
// In float32, 1 - 0.999f is 0.00100005, which moves var by 5e-5 relative (MXNet's
// kernel does the same), hence the looser tolerances.
TEST(Adam, TwoSteps) {
  OptimizerParams o;
  o.learning_rate = 0.1f;
  o.wd = 0.01f;
  ParamRef p = param("fc_weight", kWeight);
  auto opt = run_two_steps("adam", o, p);
  expect_values(p.weight, {0.9355237f, -2.1960793f}, 5e-6f);
  const auto states = opt->states();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].first, "fc_weight_mean");
  EXPECT_EQ(states[1].first, "fc_weight_var");
  expect_values(states[0].second, {-0.0532f, 0.0686f});
  expect_values(states[1].second, {0.0012419209f, 0.0002822881f}, 1e-7f);
}

TEST(Optimizer, StatesShareOneBuffer) {
  OptimizerParams o;
  auto opt = Optimizer::create("adam", o);
  std::vector<ParamRef> params{param("fc_weight", {1, 2, 3}), param("fc_bias", {4})};
  opt->create_states(params);
  const auto states = opt->states();
  ASSERT_EQ(states.size(), 4u);
  EXPECT_EQ(states[2].first, "fc_bias_mean");
  for (const auto& [name, t] : states) {
    EXPECT_EQ(t.storage(), states[0].second.storage()) << name;
    for (int64_t i = 0; i < t.size(); ++i) EXPECT_EQ(t.f32()[i], 0.0f) << name;
  }
}

TEST(Optimizer, LearningRateWithoutScheduler) {
  OptimizerParams o;
  o.learning_rate = 0.1f;
  auto opt = Optimizer::create("sgd", o);
  std::vector<ParamRef> params{param("fc_weight", {1.0f})};
  opt->create_states(params);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.1f);
  opt->set_learning_rate(0.5f);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.5f);
  set_grad(params[0], {1.0f});
  opt->update(params);
  expect_values(params[0].weight, {0.5f});
  EXPECT_FLOAT_EQ(opt->last_learning_rate(), 0.5f);
}

// learning_rate() is the rate of the next update; set_learning_rate moves the scheduler's base.
TEST(Optimizer, LearningRateWithScheduler) {
  OptimizerParams o;
  o.lr_scheduler = make_multi_factor_scheduler({2, 4}, 0.1f, 0.1f);
  auto opt = Optimizer::create("sgd", o);
  std::vector<ParamRef> params{param("fc_weight", {1.0f})};
  opt->create_states(params);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.1f);
  opt->update(params);
  opt->update(params);
  EXPECT_FLOAT_EQ(opt->last_learning_rate(), 0.1f);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.01f);
  opt->set_learning_rate(0.2f);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.2f);
  opt->update(params);
  EXPECT_FLOAT_EQ(opt->last_learning_rate(), 0.2f);
  opt->set_num_update(4);
  EXPECT_FLOAT_EQ(opt->learning_rate(), 0.02f);
}

TEST(Optimizer, CreateChecksNamesAndParameters) {
  EXPECT_NO_THROW(Optimizer::create("Adam", {}));
  EXPECT_EQ(Optimizer::supported(),
            (std::vector<std::string>{"adadelta", "adagrad", "adam", "adamax", "ccsgd", "dcasgd", "ftml",
                                      "ftrl", "groupadagrad", "lamb", "lars", "lbsgd", "nadam", "nag",
                                      "rmsprop", "sgd", "sgld", "signum"}));
  try {
    Optimizer::create("adamw", {});
    FAIL() << "adamw was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("not one of MXNet 1.9.1's: adadelta, adagrad, adam,"), std::string::npos)
        << message;
  }
  OptimizerParams unknown_setting;
  unknown_setting.settings["gamma1"] = 0.5;
  EXPECT_THROW(Optimizer::create("adam", unknown_setting), SettingError);
  OptimizerParams weight_decay;
  weight_decay.wd = 0.01f;
  EXPECT_THROW(Optimizer::create("groupadagrad", weight_decay)->create_states({param("fc_weight", {1, 2})}),
               Error);
  OptimizerParams negative;
  negative.momentum = -0.5f;
  EXPECT_THROW(Optimizer::create("sgd", negative), Error);

  auto opt = Optimizer::create("sgd", {});
  ParamRef half;
  half.name = "fc_weight";
  half.weight = Tensor(Shape{2}, DType::Float16);
  half.grad = Tensor(Shape{2}, DType::Float16);
  EXPECT_THROW(opt->create_states({half}), Error);
}

}  // namespace
}  // namespace fitbench
