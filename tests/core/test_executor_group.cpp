// ExecutorGroup: MXNet's batch split, and data parallelism over two
// executors giving the gradients and outputs of one executor with the whole
// batch (two CPU executors here; tests/core/test_fit_cuda.cpp runs --gpus 0,0).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "fitbench/executor_group.h"
#include "fitbench/models.h"

using namespace fitbench;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

namespace {

TEST(SplitBatch, FollowsMxnetSplitInputSlice) {
  EXPECT_THAT(split_batch(64, 1), ElementsAre(64));
  EXPECT_THAT(split_batch(64, 2), ElementsAre(32, 32));
  EXPECT_THAT(split_batch(10, 3), ElementsAre(3, 3, 4));  // the last slice takes the rest
  EXPECT_THAT(split_batch(5, 2), ElementsAre(2, 3));      // round(2.5) is 2 (half to even)
  EXPECT_THAT(split_batch(7, 2), ElementsAre(4, 3));      // round(3.5) is 4: the last slice is cut
}

TEST(SplitBatch, AnEmptySliceIsAnErrorOfTheBatchSize) {
  // round(6 / 4) = 2, so the fourth device would get nothing (MXNet refuses too).
  try {
    split_batch(6, 4);
    FAIL() << "no error";
  } catch (const SettingError& e) {
    EXPECT_EQ(e.setting(), "batch_size");
    EXPECT_THAT(e.what(), HasSubstr("batch of 6 samples"));
    EXPECT_THAT(e.what(), HasSubstr("4 devices"));
  }
}

void fill_uniform(const Tensor& t, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = u(rng);
}

// Sums over half batches add up in another order than over the whole batch.
void expect_close(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (int64_t i = 0; i < a.size(); ++i)
    ASSERT_NEAR(a.f32()[i], b.f32()[i], 1e-4 * std::max(1.0f, std::fabs(b.f32()[i])))
        << what << "[" << i << "]";
}

// Two executors against one. Batch norm normalises by each slice's own
// statistics (on one device or many, as in MXNet), so the gradient
// comparison uses lenet; the aux-state average uses a small CIFAR resnet.
class TwoExecutors : public ::testing::Test {
 protected:
  static constexpr int64_t kBatch = 6;

  void use(const std::string& network, const std::vector<int>& image) {
    NetworkConfig config;
    config.num_layers = 8;
    config.image_shape = image;
    symbol_ = build_network(network, config);
    const Shape data{kBatch, image[0], image[1], image[2]};
    inputs_ = {{"data", data}, {"softmax_label", Shape{kBatch}}};
    std::mt19937_64 rng(11);
    data_ = Tensor(data);
    fill_uniform(data_, rng);
    label_ = Tensor(Shape{kBatch});
    for (int64_t i = 0; i < kBatch; ++i) label_.f32()[i] = static_cast<float>(i % 10);
  }

  // The same random parameters, and aux states of 0 (means) and 1 (variances).
  static void initialise(ExecutorGroup& group) {
    std::mt19937_64 rng(5);
    for (const auto& name : group.param_names()) fill_uniform(group.param(name), rng);
    for (const auto& name : group.aux_names())
      group.aux(name).fill(name.find("var") != std::string::npos ? 1.0f : 0.0f);
    group.push_params();
    group.push_aux();
  }

  static void step(ExecutorGroup& group, const Tensor& data, const Tensor& label) {
    group.load_batch(data, label);
    group.forward(true);
    group.backward();
  }

  Symbol symbol_;
  std::map<std::string, Shape> inputs_;
  Tensor data_, label_;
};

TEST_F(TwoExecutors, SumTheGradientsOfTheWholeBatch) {
  use("lenet", {1, 28, 28});
  ExecutorGroup one(symbol_, inputs_, {Device::cpu()}, 1, GradientSum::Single);
  initialise(one);
  step(one, data_, label_);
  // Host is local's sum, FirstDevice device's (here the first device is the CPU too).
  for (GradientSum sum : {GradientSum::Host, GradientSum::FirstDevice}) {
    ExecutorGroup two(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, sum);
    ASSERT_THAT(two.slices(), ElementsAre(3, 3));
    initialise(two);
    step(two, data_, label_);
    expect_close(two.output(0), one.output(0), "output");
    for (const auto& name : one.param_names())
      expect_close(two.grad(name), one.grad(name), name + " gradient");
  }
}

TEST_F(TwoExecutors, SaveTheMeanOfTheirMovingStatistics) {
  use("resnet", {3, 8, 8});
  ExecutorGroup two(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, GradientSum::Host);
  initialise(two);
  step(two, data_, label_);
  two.pull_aux();
  ASSERT_FALSE(two.aux_names().empty());
  for (const auto& name : two.aux_names()) {
    const Tensor& mean = two.aux(name);
    const Tensor& first = two.executor(0).aux(name);
    const Tensor& second = two.executor(1).aux(name);
    for (int64_t i = 0; i < mean.size(); ++i)
      ASSERT_FLOAT_EQ(mean.f32()[i], 0.5f * (first.f32()[i] + second.f32()[i])) << name << "[" << i << "]";
  }
}

TEST_F(TwoExecutors, PushParamsGivesEveryExecutorTheMasterWeights) {
  use("lenet", {1, 28, 28});
  ExecutorGroup two(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, GradientSum::Host);
  initialise(two);
  const std::string name = two.param_names().front();
  two.param(name).fill(0.25f);
  two.push_params();
  for (size_t e = 0; e < two.size(); ++e) EXPECT_EQ(two.executor(e).param(name).f32()[0], 0.25f);
}

TEST_F(TwoExecutors, KeepTheirOwnStatisticsWhileTraining) {
  use("resnet", {3, 8, 8});
  ExecutorGroup two(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, GradientSum::Host);
  initialise(two);
  step(two, data_, label_);
  two.push_params();
  // Each slice moved its executor's statistics its own way; pushing the weights keeps that.
  const std::string name = two.aux_names().front();
  EXPECT_NE(two.executor(0).aux(name).f32()[0], two.executor(1).aux(name).f32()[0]) << name;
}

TEST_F(TwoExecutors, RandomStatesOfEveryExecutorRoundTrip) {
  use("lenet", {1, 28, 28});
  ExecutorGroup two(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, GradientSum::Host);
  two.executor(1).rng().discard(7);
  const std::string state = two.rng_state();
  ExecutorGroup again(symbol_, inputs_, {Device::cpu(), Device::cpu()}, 1, GradientSum::Host);
  again.set_rng_state(state);
  EXPECT_EQ(again.executor(0).rng(), two.executor(0).rng());
  EXPECT_EQ(again.executor(1).rng(), two.executor(1).rng());
}

}  // namespace
